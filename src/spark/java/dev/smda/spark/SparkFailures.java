package dev.smda.spark;

import dev.smda.io.BadInputException;
import java.util.concurrent.ExecutionException;

/** Spark's failures said in one line: what went wrong on an executor, and what to do about it. */
final class SparkFailures {

    private SparkFailures() {}

    /** The first line of the innermost message. */
    static String firstLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * A failed job as the user's error: an executor's bad input (a missing model path, say) as that
     * one line; an executor out of memory or lost as advice; anything else as the first line.
     */
    static RuntimeException explain(String master, Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null && chain.length() < 100_000; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof BadInputException bad) {
                return bad;
            }
            chain.append(c.getMessage()).append('\n');
        }
        String text = chain.toString();
        String bad = BadInputException.class.getName() + ": ";
        int at = text.indexOf(bad);
        if (at >= 0) {
            // An executor's exception, as text: Spark ships a task's failure to the driver as its message.
            return new BadInputException(text.substring(at + bad.length()).lines().findFirst().orElse(""));
        }
        if (text.contains("OutOfMemoryError") || text.contains("ExecutorLostFailure") || text.contains("exit code 137")) {
            return new BadInputException("--spark " + master + ": an executor ran out of memory or was lost: give executors more memory "
                    + "(--spark-conf spark.executor.memory=...: the model's weights, twice for the exact estimator, plus about 1 GB), "
                    + "or fewer concurrent tasks each (spark.executor.cores). Spark said: " + text.lines().findFirst().orElse(""));
        }
        return new IllegalStateException("--spark " + master + ": the Spark job failed: " + firstLine(t), t);
    }
}

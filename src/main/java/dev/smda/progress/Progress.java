package dev.smda.progress;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress of a long task: a terminal progress bar with throughput and time left ({@link TimeLeft}), or nothing. */
public interface Progress extends AutoCloseable {

    /** Reports that {@code done} units are finished; {@code message} is shown beside the bar. */
    void stepTo(long done, String message);

    @Override
    void close();

    /** Starts progress reports for one task. */
    @FunctionalInterface
    interface Factory {
        /** @param alreadyDone units finished before this run (a resumed task) */
        Progress start(String task, long total, String unit, long alreadyDone);
    }

    Factory SILENT = (task, total, unit, done) -> new Progress() {
        @Override
        public void stepTo(long d, String message) {}

        @Override
        public void close() {}
    };

    /** A progress bar on standard error. */
    static Factory console() {
        return console(System.err);
    }

    static Factory console(PrintStream out) {
        return (task, total, unit, alreadyDone) -> {
            TimeLeft timeLeft = new TimeLeft(alreadyDone);
            ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1).showSpeed()
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(out))
                    .setEtaFunction(state -> timeLeft.at(state.getMax(), state.getCurrent(), java.time.Instant.now()))
                    .startsFrom(alreadyDone, java.time.Duration.ZERO).build();
            return new Progress() {
                @Override
                public void stepTo(long done, String message) {
                    timeLeft.record(done, java.time.Instant.now());
                    bar.stepTo(done);
                    if (message != null) {
                        bar.setExtraMessage(" " + message);
                    }
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }
}

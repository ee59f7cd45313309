package dev.smda.execute;

import java.io.IOException;
import java.util.List;

/** Runs the tasks one after another in the command's own process, with the worker the job makes there. */
final class InProcessExecutor implements Executor {

    @Override
    public <T, R> void run(Job<T, R> job, List<T> tasks, Listener<R> listener) throws IOException {
        try (Worker<T, R> worker = job.inProcess().get()) {
            listener.prepared();
            for (int i = 0; i < tasks.size(); i++) {
                listener.finished(i, worker.apply(tasks.get(i)));
            }
        }
    }

    @Override
    public int slots() {
        return 1;
    }
}

package dev.smda.execute;

import dev.smda.tensor.Torch;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Runs the tasks in the command's own process. With one worker, one after another with the worker
 * the job makes on what the command already has open. With several, each on its own thread with a
 * worker opened from the job's recipe as a cluster's executor opens one (its own model: a worker's
 * state is its own), libtorch's intra-op threads divided among them: on a small model, two pairs at
 * once on one thread each go faster than one pair on two (the engine's threads gain little on its
 * small products). The command hears of every result on its own thread, in the order they finish.
 */
final class InProcessExecutor implements Executor {

    private final int workers;

    InProcessExecutor(int workers) {
        this.workers = workers;
    }

    @Override
    public <T, R> void run(Job<T, R> job, List<T> tasks, Listener<R> listener) throws IOException {
        if (workers == 1 || tasks.isEmpty()) {
            try (Worker<T, R> worker = job.inProcess().get()) {
                listener.prepared();
                for (int i = 0; i < tasks.size(); i++) {
                    listener.finished(i, worker.apply(tasks.get(i)));
                }
            }
            return;
        }
        inParallel(job, tasks, listener);
    }

    /** What a worker thread hands back: a task's result, or what stopped the thread. */
    private record Done<R>(int index, R result, Throwable failure) {}

    /**
     * Each task on a worker of its own thread. The engine's threads are divided by the workers asked
     * for, not by those a short list of tasks needs, so a pair is computed on the same threads however
     * many remain (a resumed run's last pair as its first).
     */
    private <T, R> void inParallel(Job<T, R> job, List<T> tasks, Listener<R> listener) throws IOException {
        int threads = Math.min(workers, tasks.size());
        WorkerFactory<T, R> factory = job.newFactory();
        BlockingQueue<Done<R>> done = new ArrayBlockingQueue<>(tasks.size() + threads);
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        int engineThreads = Torch.threads();
        Torch.threads(Math.max(1, engineThreads / workers));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "smda-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int w = 0; w < threads; w++) {
                pool.execute(() -> {
                    try (Worker<T, R> worker = factory.open(job.recipe(), UnaryOperator.identity())) {
                        for (int i = next.getAndIncrement(); i < tasks.size() && !stop.get(); i = next.getAndIncrement()) {
                            done.add(new Done<>(i, worker.apply(tasks.get(i)), null));
                        }
                    } catch (Throwable e) {
                        done.add(new Done<>(-1, null, e));
                    }
                });
            }
            listener.prepared();
            for (int received = 0; received < tasks.size(); received++) {
                Done<R> d = done.take();
                if (d.failure() instanceof RuntimeException e) {
                    throw e;
                }
                if (d.failure() instanceof Error e) {
                    throw e;
                }
                if (d.failure() != null) {
                    throw new IllegalStateException(d.failure());
                }
                listener.finished(d.index(), d.result());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            stop.set(true);
            pool.shutdown();
            awaitWorkers(pool);
            Torch.threads(engineThreads);
        }
    }

    /** Waits for the workers to finish the tasks they hold and close, so nothing of theirs outlives the run. */
    private static void awaitWorkers(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, java.util.concurrent.TimeUnit.DAYS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int tasksFor(int items) {
        return items;
    }
}

package dev.smda.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.io.BadInputException;
import dev.smda.tensor.Torch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several in-process workers: every task's result reaches the command once, on the command's own
 * thread; each worker is opened from the recipe on its own thread and closed, also when a task
 * fails, whose error the command gets; the engine's threads are divided among the workers while
 * they work and given back after.
 */
class InProcessExecutorTest {

    static final AtomicInteger OPENED = new AtomicInteger();
    static final AtomicInteger CLOSED = new AtomicInteger();
    static final Map<Integer, Integer> ENGINE_THREADS_SEEN = new ConcurrentHashMap<>();

    /** Squares its task after a pause, on whatever thread opened it; task -1 fails as bad input would. */
    public static final class Squares implements WorkerFactory<Integer, Integer> {
        @Override
        public Class<Integer> taskType() {
            return Integer.class;
        }

        @Override
        public Class<Integer> resultType() {
            return Integer.class;
        }

        @Override
        public Worker<Integer, Integer> open(String recipe, UnaryOperator<Path> locate) {
            assertEquals("recipe", recipe);
            OPENED.incrementAndGet();
            return new Worker<>() {
                @Override
                public Integer apply(Integer task) {
                    ENGINE_THREADS_SEEN.put(task, Torch.threads());
                    if (task == -1) {
                        throw new BadInputException("task -1 is bad input");
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return task * task;
                }

                @Override
                public void close() {
                    CLOSED.incrementAndGet();
                }
            };
        }
    }

    private final int engineThreads = Torch.threads();

    @AfterEach
    void engineThreadsBack() {
        Torch.threads(engineThreads);
    }

    private static Job<Integer, Integer> job() {
        return new Job<>(Squares.class, "recipe", () -> {
            throw new AssertionError("several workers open theirs from the recipe");
        });
    }

    @Test
    void everyResultReachesTheCommandOnceOnItsOwnThread() throws IOException {
        OPENED.set(0);
        CLOSED.set(0);
        Torch.threads(4);
        List<Integer> tasks = IntStream.range(0, 20).boxed().toList();
        Map<Integer, Integer> results = new TreeMap<>();
        List<String> heard = new ArrayList<>();
        Thread command = Thread.currentThread();
        try (Executor executor = Executor.of(Executor.Choice.inProcess(2))) {
            assertEquals(20, executor.tasksFor(20));
            executor.run(job(), tasks, new Executor.Listener<>() {
                @Override
                public void prepared() {
                    heard.add("prepared");
                }

                @Override
                public void finished(int index, Integer result) {
                    assertSame(command, Thread.currentThread());
                    assertEquals(null, results.put(index, result), "task " + index + " reported twice");
                }
            });
        }
        assertEquals(List.of("prepared"), heard);
        assertEquals(IntStream.range(0, 20).boxed().toList(), List.copyOf(results.keySet()));
        results.forEach((i, r) -> assertEquals(i * i, r));
        assertEquals(2, OPENED.get());
        assertEquals(2, CLOSED.get());
        assertEquals(4, Torch.threads(), "the engine's threads are given back");
        tasks.forEach(t -> assertEquals(2, ENGINE_THREADS_SEEN.get(t), "each of 2 workers works on 2 of the 4 engine threads"));
    }

    @Test
    void aLoneTaskGetsTheThreadsOfOneOfTheWorkersAskedFor() throws IOException {
        OPENED.set(0);
        Torch.threads(4);
        Map<Integer, Integer> results = new TreeMap<>();
        try (Executor executor = Executor.of(Executor.Choice.inProcess(2))) {
            executor.run(job(), List.of(7), new Executor.Listener<>() {
                @Override
                public void prepared() {}

                @Override
                public void finished(int index, Integer result) {
                    results.put(index, result);
                }
            });
        }
        assertEquals(Map.of(0, 49), results);
        assertEquals(1, OPENED.get(), "one worker opened from the recipe, as for more tasks");
        assertEquals(2, ENGINE_THREADS_SEEN.get(7), "a pair is computed on the same threads however many remain");
    }

    @Test
    void aFailedTaskStopsTheRunWithItsErrorAndEveryWorkerIsClosed() {
        OPENED.set(0);
        CLOSED.set(0);
        List<Integer> tasks = List.of(1, 2, 3, -1, 5, 6, 7, 8, 9, 10, 11, 12);
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (Executor executor = Executor.of(Executor.Choice.inProcess(3))) {
                executor.run(job(), tasks, new Executor.Listener<>() {
                    @Override
                    public void prepared() {}

                    @Override
                    public void finished(int index, Integer result) {}
                });
            }
        });
        assertEquals("task -1 is bad input", e.getMessage());
        assertTrue(OPENED.get() >= 1 && OPENED.get() <= 3, OPENED.get() + " workers opened");
        assertEquals(OPENED.get(), CLOSED.get(), "every opened worker is closed before the run returns");
        assertEquals(engineThreads, Torch.threads());
    }

    @Test
    void oneWorkerIsTheOneTheCommandMakesOnWhatItHasOpen() throws IOException {
        OPENED.set(0);
        List<Integer> results = new ArrayList<>();
        Job<Integer, Integer> job = new Job<>(Squares.class, "recipe", () -> new Worker<>() {
            @Override
            public Integer apply(Integer task) {
                return task + 1;
            }

            @Override
            public void close() {}
        });
        try (Executor executor = Executor.of(Executor.Choice.IN_PROCESS)) {
            executor.run(job, List.of(1, 2, 3), new Executor.Listener<>() {
                @Override
                public void prepared() {}

                @Override
                public void finished(int index, Integer result) {
                    results.add(result);
                }
            });
        }
        assertEquals(List.of(2, 3, 4), results, "in order, by the command's own worker");
        assertEquals(0, OPENED.get(), "nothing opened from the recipe");
        assertThrows(IllegalArgumentException.class, () -> Executor.Choice.inProcess(0));
    }
}

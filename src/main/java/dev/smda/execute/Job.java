package dev.smda.execute;

import java.util.function.Supplier;

/**
 * Work to spread: a factory class and the recipe it opens workers from, wherever the tasks run; and
 * how to make a worker in the run's own process, on what the run already has open.
 */
public record Job<T, R>(Class<? extends WorkerFactory<T, R>> factory, String recipe, Supplier<Worker<T, R>> inProcess) {

    /** A new instance of the factory class, as a process that has nothing open makes one. */
    public WorkerFactory<T, R> newFactory() {
        try {
            return factory.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make " + factory.getName(), e);
        }
    }
}

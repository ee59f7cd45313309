package dev.smda.execute;

/** Does one kind of task, one at a time, with what it opened once (a model, an SAE, an estimator's preparation). */
public interface Worker<T, R> extends AutoCloseable {

    R apply(T task);

    @Override
    void close();

    /** This worker, closing {@code resource} (what it was opened on) after itself. */
    default Worker<T, R> alsoClosing(AutoCloseable resource) {
        Worker<T, R> self = this;
        return new Worker<>() {
            @Override
            public R apply(T task) {
                return self.apply(task);
            }

            @Override
            public void close() {
                try (resource) {
                    self.close();
                } catch (Exception e) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        };
    }
}

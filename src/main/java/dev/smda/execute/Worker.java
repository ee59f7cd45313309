package dev.smda.execute;

/** Does one kind of task, one at a time, with what it opened once (a model, an SAE, an estimator's preparation). */
public interface Worker<T, R> extends AutoCloseable {

    R apply(T task);

    @Override
    void close();
}

package dev.smda.execute;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Opens {@link Worker}s from a recipe (JSON: the same text in every JVM) in a process that has
 * nothing open yet: a cluster's executor. Named by its class, so an implementation has a public
 * constructor without arguments.
 */
public interface WorkerFactory<T, R> {

    Class<T> taskType();

    Class<R> resultType();

    /**
     * @param locate an input path as this node sees it (the same path, or a copy the cluster shipped);
     *     fails in one line naming the node when it has neither
     */
    Worker<T, R> open(String recipe, UnaryOperator<Path> locate);
}

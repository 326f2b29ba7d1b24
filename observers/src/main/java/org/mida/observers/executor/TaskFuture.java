package org.mida.observers.executor;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link CompletableFuture} that knows the id of the observed task producing its value, so stages
 * built on it with the {@link ObservedExecutorService} helpers record it in {@code dependencies}.
 */
public final class TaskFuture<T> extends CompletableFuture<T> {
    private final String taskId;

    TaskFuture(String taskId) {
        this.taskId = taskId;
    }

    /** The id of the task that completes this future. */
    public String taskId() {
        return taskId;
    }
}

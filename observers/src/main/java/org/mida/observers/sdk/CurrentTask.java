package org.mida.observers.sdk;

/**
 * The task running on the current thread, for {@code parent_task_id} of nested tasks. Set by
 * {@link TaskScope#start()} and by the executor wrapper; restore the previous one by closing the
 * {@link Scope}.
 *
 * <pre>{@code
 * try (CurrentTask.Scope s = CurrentTask.enter("t-1")) {
 *     CurrentTask.id();   // "t-1"
 * }
 * }</pre>
 */
public final class CurrentTask {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    /** {@code -Dmida.observer.lean=false}: the task-thread paths as before issue 15's obs18, to A/B them. */
    static final boolean KEEP_ENTRY = !"false".equals(System.getProperty("mida.observer.lean"));

    private CurrentTask() {}

    /** The current task's id on this thread, or null. */
    public static String id() {
        return CURRENT.get();
    }

    /** Makes {@code taskId} current until the scope is closed (on the same thread). */
    public static Scope enter(String taskId) {
        String previous = CURRENT.get();
        CURRENT.set(taskId);
        return new Scope(previous);
    }

    /** Restores the task that was current before {@link #enter}. */
    public static final class Scope implements AutoCloseable {
        private final String previous;

        private Scope(String previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            // issue 15 (obs18): set to null, not removed: the thread's next task (and id() in between)
            // finds the entry and allocates none (remove + set made a ThreadLocalMap entry per task)
            if (previous == null && !KEEP_ENTRY) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }
}

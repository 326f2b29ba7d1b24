package org.mida.observers.executor;

import java.util.Map;

/**
 * Optional interface for a task submitted to an {@link ObservedExecutorService}: it names its
 * activity and says what it used and generated. Tasks that do not implement it are still observed
 * (with their class name as activity and no {@code used}/{@code generated}).
 *
 * <pre>{@code
 * final class Resize implements Callable<Path>, ProvenanceAware {
 *     public Path call() { ... }
 *     public String activityId() { return "resize"; }
 *     public Map<String, Object> used() { return Map.of("image", Mida.entity(in.toUri().toString(), "file")); }
 *     public Map<String, Object> generated() { return Map.of("thumb", Mida.entity(out.toUri().toString(), "file")); }
 * }
 * }</pre>
 */
public interface ProvenanceAware {

    /** The activity (kind of task); null = the class name. */
    default String activityId() {
        return null;
    }

    /** What the task reads: parameters and entity references. Read once, before it runs. */
    default Map<String, Object> used() {
        return Map.of();
    }

    /** What the task produced. Read once, after it returned normally. */
    default Map<String, Object> generated() {
        return Map.of();
    }
}

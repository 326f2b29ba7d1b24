package org.mida.observers.executor;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Lambda helpers that give a task a name, {@code used} and {@code generated} without writing a class.
 *
 * <pre>{@code
 * Future<Double> f = observed.submit(Tracked.task("train", Map.of("lr", 0.01), () -> train(0.01)));
 * observed.submit(Tracked.task("save", Map.of(), () -> save(), path -> Map.of("model", Mida.entity(path, "model"))));
 * observed.execute(Tracked.runnable("cleanup", Map.of("dir", "/tmp/x"), () -> cleanup()));
 * }</pre>
 */
public final class Tracked {
    private Tracked() {}

    /** A callable whose scalar or entity result is recorded as {@code generated.result}. */
    public static <T> TrackedCallable<T> task(String activityId, Map<String, ?> used, Callable<T> body) {
        return new TrackedCallable<>(activityId, Map.copyOf(used), body, null);
    }

    /** A callable whose result is turned into {@code generated} by {@code generated}. */
    public static <T> TrackedCallable<T> task(
            String activityId,
            Map<String, ?> used,
            Callable<T> body,
            Function<? super T, ? extends Map<String, ?>> generated) {
        return new TrackedCallable<>(activityId, Map.copyOf(used), body, generated);
    }

    /** A runnable with a name and {@code used}. */
    public static TrackedRunnable runnable(String activityId, Map<String, ?> used, Runnable body) {
        return new TrackedRunnable(activityId, Map.copyOf(used), body);
    }

    /** A {@link Callable} carrying its provenance; see {@link Tracked#task}. */
    public static final class TrackedCallable<T> implements Callable<T>, ProvenanceAware {
        private final String activityId;
        private final Map<String, Object> used;
        private final Callable<T> body;
        private final Function<? super T, ? extends Map<String, ?>> generatedOf;
        private volatile T result;

        @SuppressWarnings("unchecked")
        TrackedCallable(
                String activityId,
                Map<String, ?> used,
                Callable<T> body,
                Function<? super T, ? extends Map<String, ?>> generatedOf) {
            this.activityId = activityId;
            this.used = (Map<String, Object>) used;
            this.body = body;
            this.generatedOf = generatedOf;
        }

        @Override
        public T call() throws Exception {
            T r = body.call();
            result = r;
            return r;
        }

        @Override
        public String activityId() {
            return activityId;
        }

        @Override
        public Map<String, Object> used() {
            return used;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<String, Object> generated() {
            return generatedOf == null ? Map.of() : (Map<String, Object>) generatedOf.apply(result);
        }
    }

    /** A {@link Runnable} carrying its provenance; see {@link Tracked#runnable}. */
    public static final class TrackedRunnable implements Runnable, ProvenanceAware {
        private final String activityId;
        private final Map<String, Object> used;
        private final Runnable body;

        @SuppressWarnings("unchecked")
        TrackedRunnable(String activityId, Map<String, ?> used, Runnable body) {
            this.activityId = activityId;
            this.used = (Map<String, Object>) used;
            this.body = body;
        }

        @Override
        public void run() {
            body.run();
        }

        @Override
        public String activityId() {
            return activityId;
        }

        @Override
        public Map<String, Object> used() {
            return used;
        }
    }
}

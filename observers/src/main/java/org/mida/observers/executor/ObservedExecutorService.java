package org.mida.observers.executor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.mida.event.FrozenMap;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.sdk.CurrentTask;
import org.mida.observers.sdk.Ids;
import org.mida.observers.sdk.Values;
import org.mida.observers.sdk.WorkflowContext;

/**
 * The paper's intra-PCS "wrapper" strategy: wraps any {@link ExecutorService} so that every task
 * submitted through it is observed — SUBMITTED, RUNNING, then FINISHED or ERROR (with the stack
 * trace in {@code stderr}), with times, telemetry, the submitting thread's current task as {@code
 * parent_task_id}, and {@code used}/{@code generated} when the task is {@link ProvenanceAware} (see
 * {@link Tracked}). The tasks themselves are unchanged. Thread-safe.
 *
 * <p>To save the workflow time, a task's states are coalesced ({@link EventMode}): by default one
 * RUNNING event (carrying {@code submitted_at}) when it starts and one final event when it ends; the
 * server's monotonic merge gives the same task either way. The RUNNING event is {@linkplain
 * Emitter#emitDeferred deferred}: a task that ends within the emitter's linger (20 ms by default) is
 * sent as its final event alone, carrying {@code started_at} and {@code telemetry_at_start} too.
 *
 * <pre>{@code
 * ExecutorService pool = Executors.newFixedThreadPool(64);
 * ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf);
 * Future<Integer> f = observed.submit(() -> 42);                           // activity = class name
 * TaskFuture<Integer> a = observed.supply("load", Map.of("n", 3), () -> load(3));
 * TaskFuture<Integer> b = observed.thenApply(a, "double", x -> 2 * x);     // dependencies = [a]
 * TaskFuture<Integer> c = observed.thenCombine(a, b, "sum", Integer::sum); // dependencies = [a, b]
 * }</pre>
 */
public final class ObservedExecutorService implements ExecutorService {

    /** Which of a task's states become separate events. */
    public enum EventMode {
        /** SUBMITTED (on the submitting thread), RUNNING and the final state: three events. */
        EVERY_STATE,
        /**
         * RUNNING with {@code submitted_at}, then the final state: two events (default); one for a task
         * that ends within the emitter's {@linkplain org.mida.observers.emit.EmitterConfig#lingerMillis
         * linger}.
         */
        START_AND_END,
        /** One event with everything when the task ends; RUNNING tasks are not visible meanwhile. */
        END_ONLY
    }

    private final ExecutorService delegate;
    private final WorkflowContext wf;
    private final EventMode mode;

    private ObservedExecutorService(ExecutorService delegate, WorkflowContext wf, EventMode mode) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.wf = Objects.requireNonNull(wf, "workflow");
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** Wraps {@code delegate}; its tasks become tasks of {@code wf}. */
    public static ObservedExecutorService wrap(ExecutorService delegate, WorkflowContext wf) {
        return new ObservedExecutorService(delegate, wf, EventMode.START_AND_END);
    }

    public static ObservedExecutorService wrap(ExecutorService delegate, WorkflowContext wf, EventMode mode) {
        return new ObservedExecutorService(delegate, wf, mode);
    }

    public ExecutorService delegate() {
        return delegate;
    }

    // ------------------------------------------------------------------ one observed run

    /**
     * Issue 15 (obs18): a task's RUNNING event supplied by its {@code Run} itself (no lambda per task) and
     * its events made without a {@link TaskEvent.Builder}; {@code -Dmida.observer.lean=false} as before.
     */
    static final boolean LEAN = !"false".equals(System.getProperty("mida.observer.lean"));

    /** Everything known about a task when it is submitted. */
    private final class Run implements Supplier<TaskEvent> {
        final String taskId;
        final String activityId;
        final String parentTaskId = CurrentTask.id();
        final double submittedAt = Values.now();
        final List<String> dependencies;
        Map<String, Object> used;
        final ProvenanceAware aware;
        // set before the RUNNING event is deferred (the deferred queue's offer publishes them to the flusher)
        double startedAt;
        Map<String, Object> telemetryAtStart;

        Run(String taskId, Object task, String activity, Map<String, Object> used, List<String> deps) {
            this.taskId = taskId;
            this.aware = task instanceof ProvenanceAware p ? p : null;
            String a = activity != null ? activity : aware != null ? aware.activityId() : null;
            this.activityId = a != null ? a : activityOf(task);
            this.used = used == null ? null : FrozenMap.copyOf(used); // every event keeps it, no copy each
            this.dependencies = deps;
            if (mode == EventMode.EVERY_STATE) emit(base(Status.SUBMITTED).build());
        }

        <T> T call(Callable<T> body) throws Exception {
            // the task may change the map its ProvenanceAware hands out: the events see it as it is now
            if (used == null) used = aware != null ? snapshot(aware.used()) : Map.of();
            double startedAt = Values.now();
            Map<String, Object> telemetryAtStart = wf.telemetry();
            Emitter.Deferred running = null;
            if (mode == EventMode.EVERY_STATE) emit(running(startedAt, telemetryAtStart));
            else if (mode == EventMode.START_AND_END) {
                // built by the flusher only if the task outlives the linger: a short task never builds it
                if (LEAN) {
                    this.startedAt = startedAt;
                    this.telemetryAtStart = telemetryAtStart;
                    running = wf.emitter().emitDeferred(this);
                } else running = wf.emitter().emitDeferred(() -> running(startedAt, telemetryAtStart));
            }
            T result;
            try (CurrentTask.Scope s = CurrentTask.enter(taskId)) {
                result = body.call();
            } catch (Exception | Error e) {
                emit(end(Status.ERROR, startedAt, telemetryAtStart, running)
                        .stderr(Values.stackTrace(e))
                        .build());
                throw e;
            }
            Map<String, Object> generated = aware != null ? aware.generated() : Map.of();
            Object r = Values.recordable(result);
            if (r != null && generated.isEmpty()) generated = Map.of("result", r);
            else if (r != null && !generated.containsKey("result")) {
                var g = new LinkedHashMap<String, Object>(generated);
                g.put("result", r);
                generated = g;
            }
            if (LEAN) emit(finished(startedAt, telemetryAtStart, running, generated));
            else
                emit(end(Status.FINISHED, startedAt, telemetryAtStart, running)
                        .generated(generated)
                        .build());
            return result;
        }

        /** The deferred RUNNING event, built by the flusher when the task outlived the linger. */
        @Override
        public TaskEvent get() {
            return running(startedAt, telemetryAtStart);
        }

        /** {@code end(FINISHED, …).generated(generated).build()} without the builder. */
        private TaskEvent finished(
                double startedAt,
                Map<String, Object> telemetryAtStart,
                Emitter.Deferred running,
                Map<String, Object> generated) {
            double endedAt = Values.now();
            Map<String, Object> start =
                    mode == EventMode.END_ONLY || (running != null && running.withdraw()) ? telemetryAtStart : null;
            return new TaskEvent(
                    taskId,
                    wf.workflowId(),
                    wf.campaignId(),
                    activityId,
                    Status.FINISHED,
                    submittedAt,
                    startedAt,
                    endedAt,
                    used,
                    generated,
                    dependencies,
                    parentTaskId,
                    null,
                    null,
                    WorkflowContext.ADAPTER_ID,
                    wf.hostname(),
                    null,
                    null,
                    wf.user(),
                    start,
                    wf.telemetry(),
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        private TaskEvent running(double startedAt, Map<String, Object> telemetryAtStart) {
            return base(Status.RUNNING)
                    .startedAt(startedAt)
                    .telemetryAtStart(telemetryAtStart)
                    .build();
        }

        /**
         * The final event; it also carries the RUNNING event's telemetry when there was none ({@code
         * END_ONLY}) or when that event was still waiting and is withdrawn: a short task is one event.
         */
        private TaskEvent.Builder end(
                Status status, double startedAt, Map<String, Object> telemetryAtStart, Emitter.Deferred running) {
            TaskEvent.Builder b = base(status).startedAt(startedAt).endedAt(Values.now());
            if (mode == EventMode.END_ONLY || (running != null && running.withdraw()))
                b.telemetryAtStart(telemetryAtStart);
            return b.telemetryAtEnd(wf.telemetry());
        }

        private TaskEvent.Builder base(Status status) {
            return wf.taskEvent(taskId)
                    .activityId(activityId)
                    .status(status)
                    .submittedAt(submittedAt)
                    .parentTaskId(parentTaskId)
                    .dependencies(dependencies)
                    .used(used);
        }
    }

    private void emit(TaskEvent e) {
        wf.emitter().emit(e);
    }

    static String activityOf(Object task) {
        return ACTIVITY.get(task.getClass());
    }

    /** The activity of a task class, worked out once per class (not per task: a name and substrings). */
    private static final ClassValue<String> ACTIVITY = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> c) {
            return activityOfClass(c);
        }
    };

    private static String activityOfClass(Class<?> c) {
        String n = c.getName();
        int lambda = n.indexOf("$$Lambda");
        if (lambda > 0) {
            String outer = n.substring(0, lambda);
            return outer.substring(outer.lastIndexOf('.') + 1) + ".lambda";
        }
        String s = c.getSimpleName();
        return s.isEmpty() ? n.substring(n.lastIndexOf('.') + 1) : s;
    }

    private <T> Callable<T> observe(Callable<T> task) {
        Run run = new Run(Ids.next(), task, null, null, List.of());
        return () -> run.call(task);
    }

    private Runnable observe(Runnable task) {
        Run run = new Run(Ids.next(), task, null, null, List.of());
        return () -> runUnchecked(run, task);
    }

    private static void runUnchecked(Run run, Runnable task) {
        try {
            run.call(() -> {
                task.run();
                return null;
            });
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // cannot happen: a Runnable throws no checked exception
        }
    }

    // ------------------------------------------------------------------ ExecutorService

    @Override
    public void execute(Runnable command) {
        delegate.execute(observe(command));
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return delegate.submit(observe(task));
    }

    @Override
    public Future<?> submit(Runnable task) {
        return delegate.submit(observe(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return delegate.submit(observe(task), result);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return delegate.invokeAll(observeAll(tasks));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return delegate.invokeAll(observeAll(tasks), timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        return delegate.invokeAny(observeAll(tasks));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return delegate.invokeAny(observeAll(tasks), timeout, unit);
    }

    private <T> List<Callable<T>> observeAll(Collection<? extends Callable<T>> tasks) {
        var out = new ArrayList<Callable<T>>(tasks.size());
        for (Callable<T> t : tasks) out.add(observe(t));
        return out;
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    // ------------------------------------------------------------------ CompletableFuture helpers

    /** Runs {@code body} as an observed task on this executor. */
    public <T> TaskFuture<T> supply(String activityId, Map<String, ?> used, Supplier<T> body) {
        return start(activityId, copy(used), List.of(), body::get);
    }

    /**
     * When {@code upstream} completes, runs {@code fn} on its value as an observed task that depends on
     * upstream's task (if it is a {@link TaskFuture}); the value is recorded as {@code used.input}
     * when it is a scalar or an entity reference. A failed upstream fails the result without running.
     */
    public <T, R> TaskFuture<R> thenApply(
            CompletableFuture<T> upstream, String activityId, Function<? super T, ? extends R> fn) {
        var out = new TaskFuture<R>(Ids.next());
        upstream.whenComplete((v, err) -> {
            if (err != null) {
                out.completeExceptionally(err);
                return;
            }
            var used = new LinkedHashMap<String, Object>();
            putInput(used, "input", v);
            startInto(out, activityId, used, dependencies(upstream), () -> fn.apply(v));
        });
        return out;
    }

    /** Like {@link #thenApply} with two upstream stages ({@code used.input_1}, {@code used.input_2}). */
    public <A, B, R> TaskFuture<R> thenCombine(
            CompletableFuture<A> first,
            CompletableFuture<B> second,
            String activityId,
            BiFunction<? super A, ? super B, ? extends R> fn) {
        var out = new TaskFuture<R>(Ids.next());
        first.thenCombine(second, (a, b) -> new Object[] {a, b}).whenComplete((pair, err) -> {
            if (err != null) {
                out.completeExceptionally(
                        err instanceof java.util.concurrent.CompletionException c ? c.getCause() : err);
                return;
            }
            var used = new LinkedHashMap<String, Object>();
            putInput(used, "input_1", pair[0]);
            putInput(used, "input_2", pair[1]);
            @SuppressWarnings("unchecked")
            A a = (A) pair[0];
            @SuppressWarnings("unchecked")
            B b = (B) pair[1];
            startInto(out, activityId, used, dependencies(first, second), () -> fn.apply(a, b));
        });
        return out;
    }

    private <T> TaskFuture<T> start(String activityId, Map<String, Object> used, List<String> deps, Supplier<T> body) {
        var out = new TaskFuture<T>(Ids.next());
        startInto(out, activityId, used, deps, body);
        return out;
    }

    private <T> void startInto(
            TaskFuture<T> out,
            String activityId,
            Map<String, Object> used,
            List<String> deps,
            Supplier<? extends T> body) {
        Run run = new Run(out.taskId(), body, activityId, used, deps);
        try {
            delegate.execute(() -> {
                try {
                    out.complete(run.call(body::get));
                } catch (Throwable e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RuntimeException rejected) {
            out.completeExceptionally(rejected);
        }
    }

    private static List<String> dependencies(CompletableFuture<?>... upstream) {
        var ids = new ArrayList<String>(upstream.length);
        for (CompletableFuture<?> f : upstream) if (f instanceof TaskFuture<?> t) ids.add(t.taskId());
        return ids;
    }

    private static void putInput(Map<String, Object> used, String key, Object value) {
        Object r = Values.recordable(value);
        if (r != null) used.put(key, r);
    }

    private static Map<String, Object> snapshot(Map<String, Object> m) {
        return FrozenMap.copyOf(m);
    }

    private static Map<String, Object> copy(Map<String, ?> m) {
        return FrozenMap.copyOf(m);
    }
}

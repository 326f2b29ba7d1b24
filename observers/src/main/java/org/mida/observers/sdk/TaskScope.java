package org.mida.observers.sdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;

/**
 * One task of a {@link WorkflowContext}: set {@code used}, {@link #start()} (a RUNNING event; the task
 * becomes the current one on this thread, so tasks started inside get it as {@code parent_task_id}),
 * then {@link #finish()} or {@link #fail(Throwable)}. {@link #close()} finishes it if nothing else
 * did, so it fits try-with-resources. Meant for one thread (the one that started it).
 *
 * <pre>{@code
 * try (TaskScope t = wf.task("train").used("lr", 0.01).used("data", Mida.entity("file:///d.csv", "dataset")).start()) {
 *     t.generated("model", Mida.entity("model://unet/1", "model"));
 * } catch (RuntimeException e) {
 *     // to record the error, use wf.call(...) or call t.fail(e) inside the block
 * }
 * }</pre>
 */
public final class TaskScope implements AutoCloseable {

    private final WorkflowContext wf;
    private final String taskId;
    private final String activityId;
    private final Map<String, Object> used = new LinkedHashMap<>();
    private final Map<String, Object> generated = new LinkedHashMap<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<String> dependencies = new ArrayList<>();
    private String parentTaskId;
    private Double startedAt;
    private Map<String, Object> telemetryAtStart;
    private Emitter.Deferred running;
    private CurrentTask.Scope scope;
    private boolean ended;

    TaskScope(WorkflowContext wf, String taskId, String activityId) {
        this.wf = wf;
        this.taskId = taskId;
        this.activityId = activityId;
    }

    public String taskId() {
        return taskId;
    }

    public TaskScope used(String key, Object value) {
        used.put(key, value);
        return this;
    }

    public TaskScope used(Map<String, ?> values) {
        if (values != null) used.putAll(values);
        return this;
    }

    public TaskScope generated(String key, Object value) {
        generated.put(key, value);
        return this;
    }

    public TaskScope generated(Map<String, ?> values) {
        if (values != null) generated.putAll(values);
        return this;
    }

    /** Task ids whose output this task consumed ({@code dependencies}). */
    public TaskScope dependsOn(String... taskIds) {
        dependencies.addAll(List.of(taskIds));
        return this;
    }

    public TaskScope customMetadata(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /** Overrides the parent taken from the current thread. */
    public TaskScope parent(String parentTaskId) {
        this.parentTaskId = parentTaskId;
        return this;
    }

    /**
     * Emits RUNNING (deferred: a task that ends within the emitter's linger is sent as one final event)
     * and makes this the current task of the thread.
     */
    public TaskScope start() {
        if (startedAt != null) throw new IllegalStateException("task " + taskId + " already started");
        if (parentTaskId == null) parentTaskId = CurrentTask.id();
        startedAt = Values.now();
        telemetryAtStart = wf.telemetry();
        running = wf.emitter()
                .emitDeferred(base().status(Status.RUNNING)
                        .submittedAt(startedAt)
                        .telemetryAtStart(telemetryAtStart)
                        .build());
        scope = CurrentTask.enter(taskId);
        return this;
    }

    /** Emits FINISHED with what was {@linkplain #generated generated}. */
    public void finish() {
        end(Status.FINISHED, null);
    }

    /** Adds {@code generated} and emits FINISHED. */
    public void finish(Map<String, ?> generated) {
        generated(generated);
        finish();
    }

    /** Emits ERROR with the stack trace in {@code stderr}. */
    public void fail(Throwable error) {
        end(Status.ERROR, Values.stackTrace(error));
    }

    /** Finishes the task unless {@link #finish} or {@link #fail} already did. */
    @Override
    public void close() {
        if (!ended) finish();
    }

    private void end(Status status, String stderr) {
        if (ended) return;
        if (startedAt == null) start();
        ended = true;
        if (scope != null) scope.close();
        TaskEvent.Builder b = base().status(status);
        // a short task's RUNNING event is still waiting: take it back and send one event with both halves
        if (running.withdraw()) b.submittedAt(startedAt).telemetryAtStart(telemetryAtStart);
        wf.emitter()
                .emit(b.endedAt(Values.now())
                        .generated(generated)
                        .telemetryAtEnd(wf.telemetry())
                        .stderr(stderr)
                        .build());
    }

    private TaskEvent.Builder base() {
        return wf.taskEvent(taskId)
                .activityId(activityId)
                .startedAt(startedAt)
                .used(used)
                .dependencies(dependencies)
                .parentTaskId(parentTaskId)
                .customMetadata(metadata);
    }
}

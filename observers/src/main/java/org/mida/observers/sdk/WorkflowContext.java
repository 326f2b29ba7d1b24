package org.mida.observers.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.telemetry.Telemetry;

/**
 * One workflow run: its ids, a workflow event at start (with machine info) and at end, and the
 * factory of its tasks. Thread-safe: tasks may be created from any thread. Closing it emits the
 * workflow's end event; it does not close the emitter.
 *
 * <pre>{@code
 * try (WorkflowContext wf = Mida.workflow(emitter).name("training").start()) {
 *     try (TaskScope t = wf.task("train").used("lr", 0.01).start()) {
 *         t.generated("loss", 0.12);
 *     }
 * }
 * }</pre>
 */
public final class WorkflowContext implements AutoCloseable {

    /** The {@code adapter_id} of events made by this SDK. */
    public static final String ADAPTER_ID = "java-sdk";

    private final Emitter emitter;
    private final Telemetry telemetry;
    private final String workflowId;
    private final String campaignId;
    private final String name;
    private final String parentWorkflowId;
    private final String user;
    private final String hostname;
    private final Map<String, Object> used;
    private final Map<String, Object> customMetadata;
    private final double startedAt;
    private final AtomicBoolean ended = new AtomicBoolean();

    private WorkflowContext(Builder b) {
        this.emitter = b.emitter;
        this.telemetry = b.telemetry ? Telemetry.shared() : null;
        this.workflowId = b.workflowId != null ? b.workflowId : "wf-" + Ids.next();
        this.campaignId = b.campaignId != null ? b.campaignId : "campaign-" + Ids.next();
        this.name = b.name;
        this.parentWorkflowId = b.parentWorkflowId;
        this.user = System.getProperty("user.name");
        this.hostname = Telemetry.hostname();
        this.used = Map.copyOf(b.used);
        this.customMetadata = Map.copyOf(b.customMetadata);
        this.startedAt = Values.now();
    }

    public String workflowId() {
        return workflowId;
    }

    public String campaignId() {
        return campaignId;
    }

    public Emitter emitter() {
        return emitter;
    }

    public String hostname() {
        return hostname;
    }

    public String user() {
        return user;
    }

    /** The latest telemetry snapshot, or an empty map when telemetry is off. */
    public Map<String, Object> telemetry() {
        return telemetry == null ? Map.of() : telemetry.latest();
    }

    /** A task event builder with this workflow's ids, host, user and adapter already filled in. */
    public TaskEvent.Builder taskEvent(String taskId) {
        return TaskEvent.builder(taskId)
                .workflowId(workflowId)
                .campaignId(campaignId)
                .hostname(hostname)
                .user(user)
                .adapterId(ADAPTER_ID);
    }

    /** A new task of this workflow (not started yet); its id is generated. */
    public TaskScope task(String activityId) {
        return new TaskScope(this, Ids.next(), activityId);
    }

    /** A new task with a given id (not started yet). */
    public TaskScope task(String activityId, String taskId) {
        return new TaskScope(this, taskId, activityId);
    }

    /**
     * Runs {@code body} as a task: RUNNING, then FINISHED with its result in {@code generated.result}
     * (scalars and entity references only), or ERROR with the stack trace in {@code stderr} (the
     * exception is rethrown).
     */
    public <T> T call(String activityId, Map<String, ?> used, Callable<T> body) throws Exception {
        TaskScope t = task(activityId).used(used).start();
        try {
            T r = body.call();
            t.finish(Values.resultMap(r));
            return r;
        } catch (Exception | Error e) {
            t.fail(e);
            throw e;
        }
    }

    /** {@link #call} for code that returns nothing and throws no checked exception. */
    public void run(String activityId, Map<String, ?> used, Runnable body) {
        TaskScope t = task(activityId).used(used).start();
        try {
            body.run();
            t.finish();
        } catch (RuntimeException | Error e) {
            t.fail(e);
            throw e;
        }
    }

    void emitStart() {
        emitter.emit(new WorkflowEvent(
                workflowId,
                campaignId,
                name,
                parentWorkflowId,
                ADAPTER_ID,
                user,
                null,
                telemetry != null ? telemetry.machineInfo() : Map.of("hostname", hostname),
                null,
                used,
                null,
                customMetadata,
                startedAt,
                null,
                Status.RUNNING,
                null));
    }

    /** Ends the workflow as FINISHED (once; later calls do nothing). */
    @Override
    public void close() {
        end(Status.FINISHED, Map.of());
    }

    /** Ends the workflow with a status and workflow-level results (once). */
    public void end(Status status, Map<String, Object> generated) {
        if (!ended.compareAndSet(false, true)) return;
        emitter.emit(new WorkflowEvent(
                workflowId,
                campaignId,
                name,
                parentWorkflowId,
                ADAPTER_ID,
                user,
                null,
                null,
                null,
                null,
                generated,
                null,
                startedAt,
                Values.now(),
                status,
                null));
    }

    /** Settings of a workflow run; {@link #start()} emits its start event. */
    public static final class Builder {
        private final Emitter emitter;
        private String workflowId, campaignId, name, parentWorkflowId;
        private boolean telemetry = true;
        private final Map<String, Object> used = new LinkedHashMap<>();
        private final Map<String, Object> customMetadata = new LinkedHashMap<>();

        Builder(Emitter emitter) {
            this.emitter = emitter;
        }

        /** The workflow id; generated when not given. */
        public Builder workflowId(String v) {
            workflowId = v;
            return this;
        }

        /** The campaign id; generated when not given. */
        public Builder campaignId(String v) {
            campaignId = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder parentWorkflowId(String v) {
            parentWorkflowId = v;
            return this;
        }

        /** Workflow-level inputs (parameters, entity references). */
        public Builder used(String key, Object value) {
            used.put(key, value);
            return this;
        }

        public Builder customMetadata(String key, Object value) {
            customMetadata.put(key, value);
            return this;
        }

        /** Attach telemetry snapshots to tasks (default true). */
        public Builder telemetry(boolean on) {
            telemetry = on;
            return this;
        }

        /** Emits the workflow's start event and returns the running context. */
        public WorkflowContext start() {
            var wf = new WorkflowContext(this);
            wf.emitStart();
            return wf;
        }
    }
}

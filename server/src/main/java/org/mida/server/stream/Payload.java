package org.mida.server.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

/**
 * The data of one SSE event: the merged state of a task or workflow the ingest just committed. Every key
 * is written, null where unknown.
 */
sealed interface Payload {
    /** The SSE event name ({@code task} or {@code workflow}); not part of the data. */
    String event();

    String workflowId();

    String campaignId();

    /** Event {@code task}. */
    record Task(
            @JsonProperty("task_id") String taskId,
            @JsonProperty("workflow_id") String workflowId,
            @JsonProperty("campaign_id") String campaignId,
            @JsonProperty("activity_id") String activityId,
            String status,
            @JsonProperty("submitted_at") Double submittedAt,
            @JsonProperty("started_at") Double startedAt,
            @JsonProperty("ended_at") Double endedAt,
            Double duration,
            String hostname,
            String user)
            implements Payload {

        static Task of(TaskEvent t) {
            return new Task(
                    t.taskId(),
                    t.workflowId(),
                    t.campaignId(),
                    t.activityId(),
                    t.status() == null ? null : t.status().name(),
                    t.submittedAt(),
                    t.startedAt(),
                    t.endedAt(),
                    t.duration(),
                    t.hostname(),
                    t.user());
        }

        @Override
        public String event() {
            return "task";
        }
    }

    /** Event {@code workflow}. */
    record Workflow(
            @JsonProperty("workflow_id") String workflowId,
            @JsonProperty("campaign_id") String campaignId,
            String name,
            @JsonProperty("parent_workflow_id") String parentWorkflowId,
            String status,
            @JsonProperty("started_at") Double startedAt,
            @JsonProperty("ended_at") Double endedAt)
            implements Payload {

        static Workflow of(WorkflowEvent w) {
            return new Workflow(
                    w.workflowId(),
                    w.campaignId(),
                    w.name(),
                    w.parentWorkflowId(),
                    w.status() == null ? null : w.status().name(),
                    w.startedAt(),
                    w.endedAt());
        }

        @Override
        public String event() {
            return "workflow";
        }
    }
}

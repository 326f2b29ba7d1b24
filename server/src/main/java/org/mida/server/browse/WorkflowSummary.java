package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * One workflow of a listing: the workflow as sent, merged (less its {@code type}; only its
 * {@code workflow_id} when none was stored), followed by its {@code task_count}.
 */
@JsonPropertyOrder({"document", "task_count"})
record WorkflowSummary(
        @JsonAnyGetter Map<String, Object> document,
        @JsonProperty("task_count") long taskCount) {

    WorkflowSummary {
        document = Documents.copy(document, List.of("task_count"));
    }

    /** What {@code GET /api/workflows} answers: one page of workflows, oldest first. */
    record Page(List<WorkflowSummary> workflows, int limit, int offset) {
        Page {
            workflows = List.copyOf(workflows);
        }
    }
}

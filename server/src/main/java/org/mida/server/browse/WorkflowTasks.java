package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/** What {@code GET /api/workflows/{id}/tasks} answers: one page of a workflow's tasks, oldest first. */
record WorkflowTasks(@JsonProperty("workflow_id") String workflowId, List<TaskDocument> tasks, int limit, int offset) {

    WorkflowTasks {
        Objects.requireNonNull(workflowId, "workflowId");
        tasks = List.copyOf(tasks);
    }
}

package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.neo4j.driver.Record;

/**
 * What {@code GET /api/workflows/{id}} answers: the workflow as sent, merged (less its {@code type}; only
 * its {@code workflow_id} when none was stored), followed by its sub-workflow count, its task count in all
 * and per status (by name; {@code UNKNOWN} for tasks without one), and the time span of its tasks (null
 * while no task has a start or an end time).
 */
@JsonPropertyOrder({
    "document",
    "sub_workflow_count",
    "task_count",
    "status_counts",
    "first_task_started_at",
    "last_task_ended_at"
})
record WorkflowDetail(
        @JsonAnyGetter Map<String, Object> document,
        @JsonProperty("sub_workflow_count") long subWorkflowCount,
        @JsonProperty("task_count") long taskCount,
        @JsonProperty("status_counts") SortedMap<String, Long> statusCounts,
        @JsonProperty("first_task_started_at") Double firstTaskStartedAt,
        @JsonProperty("last_task_ended_at") Double lastTaskEndedAt) {

    private static final List<String> COMPUTED =
            List.of("sub_workflow_count", "task_count", "status_counts", "first_task_started_at", "last_task_ended_at");

    WorkflowDetail {
        document = Documents.copy(document, COMPUTED);
        statusCounts = Collections.unmodifiableSortedMap(new TreeMap<>(statusCounts));
    }

    /** workflow-task-stats.cypher: how many of the workflow's tasks have one status, and their time span. */
    record StatusStats(String status, long count, Double firstStarted, Double lastEnded) {
        static StatusStats of(Record r) {
            return new StatusStats(
                    r.get("status").isNull() ? "UNKNOWN" : r.get("status").asString(),
                    r.get("n").asLong(),
                    r.get("first_started").isNull()
                            ? null
                            : r.get("first_started").asDouble(),
                    r.get("last_ended").isNull() ? null : r.get("last_ended").asDouble());
        }
    }

    /** The workflow's document and sub-workflow count with its task statistics summed up. */
    static WorkflowDetail of(Map<String, Object> document, long subWorkflowCount, List<StatusStats> stats) {
        var counts = new TreeMap<String, Long>();
        long total = 0;
        Double first = null, last = null;
        for (StatusStats s : stats) {
            counts.merge(s.status(), s.count(), Long::sum);
            total += s.count();
            if (s.firstStarted() != null && (first == null || s.firstStarted() < first)) first = s.firstStarted();
            if (s.lastEnded() != null && (last == null || s.lastEnded() > last)) last = s.lastEnded();
        }
        return new WorkflowDetail(document, subWorkflowCount, total, counts, first, last);
    }
}

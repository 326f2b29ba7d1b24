package org.mida.server.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The lifecycle report of {@code GET /api/analysis/report} as {@link LifecycleReport} builds it, {@link
 * ReportMarkdown} renders it and Jackson writes it (snake_case keys, in component order). Free-form data
 * of the graph (an entity's attributes, a task's parameters and results, telemetry) stays a map.
 *
 * @param entity the subject entity; null (written as null) when the subject is a task
 * @param steps the tasks from the raw data to the subject, in dependency order
 * @param rawInputs the data that entered the lifecycle from outside: examined entities with no recorded
 *     generation and no source (a version no generation made is listed as its entity), or generated only
 *     by tasks that used no entity (acquisitions)
 * @param entities every examined entity
 * @param downstream what used the subject entity (evaluations and their metrics); null for a task report
 * @param truncatedReason why the walk stopped early; it and the unexamined ids are written only when
 *     {@code truncated}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record Report(
        Subject subject,
        Entity entity,
        List<Step> steps,
        List<Entity> rawInputs,
        List<Entity> entities,
        List<Derivation> derivations,
        List<WorkflowSummary> workflows,
        List<String> campaigns,
        List<Agent> agents,
        @JsonInclude(JsonInclude.Include.NON_NULL) Downstream downstream,
        TimeSpan timeSpan,
        int depth,
        boolean truncated,
        @JsonInclude(JsonInclude.Include.NON_NULL) String truncatedReason,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> unexaminedTasks,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> unexaminedEntities) {

    Report {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(timeSpan, "timeSpan");
        if ((subject.kind() == Kind.ENTITY) != (entity != null))
            throw new IllegalArgumentException("an entity report carries its entity, a task report none");
        if (truncated != (truncatedReason != null)
                || truncated != (unexaminedTasks != null)
                || truncated != (unexaminedEntities != null))
            throw new IllegalArgumentException("a truncated report says why and what it left unexamined, only then");
        steps = List.copyOf(steps);
        rawInputs = List.copyOf(rawInputs);
        entities = List.copyOf(entities);
        derivations = List.copyOf(derivations);
        workflows = List.copyOf(workflows);
        campaigns = List.copyOf(campaigns);
        agents = List.copyOf(agents);
        unexaminedTasks = unexaminedTasks == null ? null : List.copyOf(unexaminedTasks);
        unexaminedEntities = unexaminedEntities == null ? null : List.copyOf(unexaminedEntities);
    }

    /**
     * The tasks that used the subject (any version of it), newest first, described like steps.
     *
     * @param total how many tasks used it
     * @param truncated whether {@code tasks} holds fewer than {@code total}
     */
    record Downstream(List<Step> tasks, long total, boolean truncated) {
        Downstream {
            tasks = List.copyOf(tasks);
        }
    }

    /** What the report starts from. */
    enum Kind {
        ENTITY,
        TASK;

        @JsonValue
        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Subject(String id, Kind kind) {
        Subject {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
        }
    }

    /**
     * A model, a dataset, a file: an {@code @id} in some task's used/generated.
     *
     * @param attributes its other properties, by name
     * @param generatedBy the ids of the tasks that generated it
     * @param derivedFrom the ids of the entities it was derived from
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Entity(
            String id,
            String type,
            Map<String, Object> attributes,
            List<String> generatedBy,
            List<String> derivedFrom) {
        Entity {
            Objects.requireNonNull(id, "id");
            attributes = frozen(attributes);
            generatedBy = List.copyOf(generatedBy);
            derivedFrom = List.copyOf(derivedFrom);
        }
    }

    /**
     * One task of the lifecycle: its recorded fields (null where not recorded), its parameters and
     * results (the values of used/generated that are not entity references), the entities it used and
     * generated, and its telemetry (left out when the task has none).
     *
     * @param campaignId the task's campaign, else its workflow's
     * @param informedBy the ids of the tasks it was informed by
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Step(
            String taskId,
            String activityId,
            String workflowId,
            String campaignId,
            String status,
            Double submittedAt,
            Double startedAt,
            Double endedAt,
            Double duration,
            String hostname,
            String user,
            String adapterId,
            Map<String, Object> parameters,
            Map<String, Object> results,
            List<EntityRole> inputs,
            List<EntityRole> outputs,
            List<String> informedBy,
            @JsonInclude(JsonInclude.Include.NON_NULL) Telemetry telemetry) {
        Step {
            Objects.requireNonNull(taskId, "taskId");
            parameters = frozen(parameters);
            results = frozen(results);
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            informedBy = List.copyOf(informedBy);
        }
    }

    /**
     * An entity a task used or generated, under the role (the key in used/generated) it had there.
     * Written role first, as these answers always were.
     */
    @JsonPropertyOrder({"role", "id"})
    record EntityRole(String id, String role) {
        EntityRole {
            Objects.requireNonNull(id, "id");
        }
    }

    /** A task's telemetry snapshots as recorded; an absent one is left out. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Telemetry(Map<String, Object> atStart, Map<String, Object> atEnd) {
        Telemetry {
            atStart = atStart == null ? null : frozen(atStart);
            atEnd = atEnd == null ? null : frozen(atEnd);
        }
    }

    /** PROV wasDerivedFrom: {@code entity} was derived from {@code source}. */
    record Derivation(String entity, String source) {}

    /**
     * A workflow of the lifecycle and how many of its steps are in it.
     *
     * @param node what its workflow node records; null when the steps name a workflow with no node, and
     *     then only {@code workflow_id} and {@code steps} are written
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WorkflowSummary(String workflowId, @JsonUnwrapped WorkflowNode node, int steps) {
        WorkflowSummary {
            Objects.requireNonNull(workflowId, "workflowId");
        }
    }

    /** The fields of a workflow node (null where not recorded). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WorkflowNode(String name, String campaignId, String status, Double startedAt, Double endedAt) {}

    /**
     * A user or host a step was associated with ({@code kind} {@code user} or {@code host}). Written
     * name, kind, id, as these answers always were.
     */
    @JsonPropertyOrder({"name", "kind", "id"})
    record Agent(String id, String kind, String name) {
        Agent {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * From the earliest start (or submission) to the latest end (or start) of the steps, in epoch
     * seconds; all null when no step has a time.
     */
    record TimeSpan(Double from, Double to, Double seconds) {}

    /** An insertion-ordered, unmodifiable copy that keeps null values (free-form JSON may hold them). */
    private static Map<String, Object> frozen(Map<String, Object> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}

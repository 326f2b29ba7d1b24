package org.mida.server.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One node of a lineage answer. Every key is always written, null where it does not apply (an entity has
 * no workflow, a task no type), except {@code task_count}, which only workflow-level answers carry. A
 * version of an entity is an entity node whose {@code entity_id} names the entity and {@code version}
 * the version (its label: the version the data named, else the id of the task that generated it).
 *
 * @param depth hops from the root; null in the workflow overview, which has no root
 */
record LineageNode(
        String id,
        String kind,
        String label,
        @JsonProperty("workflow_id") String workflowId,
        @JsonProperty("campaign_id") String campaignId,
        String status,
        String type,
        @JsonProperty("started_at") Double startedAt,
        @JsonProperty("ended_at") Double endedAt,
        Integer depth,
        @JsonProperty("entity_id") String entityId,
        String version,

        @JsonProperty("task_count") @JsonInclude(JsonInclude.Include.NON_NULL)
        Long taskCount) {

    LineageNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
    }

    /** A task, entity or workflow found by a search, {@code depth} hops from the root. */
    static LineageNode of(String kind, String id, NodeProps p, int depth) {
        boolean entity = kind.equals("entity");
        return new LineageNode(
                id,
                kind,
                label(kind, id, p),
                entity ? null : kind.equals("workflow") ? id : p.workflowId(),
                entity ? null : p.campaignId(),
                entity ? null : p.status(),
                entity ? p.type() : null,
                entity ? null : p.startedAt(),
                entity ? null : p.endedAt(),
                depth,
                entity ? p.entityId() : null,
                entity ? p.version() : null,
                null);
    }

    /** A workflow of a workflow-level view, with its task count; {@code w} is null for a workflow never stored. */
    static LineageNode workflow(String id, LineageGraph.WorkflowRow w, Integer depth) {
        if (w == null)
            return new LineageNode(
                    id, "workflow", shortId(id), id, null, null, null, null, null, depth, null, null, 0L);
        return new LineageNode(
                id,
                "workflow",
                label("workflow", id, NodeProps.NONE.withName(w.name())),
                id,
                w.campaignId(),
                w.status(),
                null,
                w.startedAt(),
                w.endedAt(),
                depth,
                null,
                null,
                w.taskCount());
    }

    /**
     * A short human label: a task's activity_id, an entity's name, a workflow's name; otherwise the last
     * path segment of the id (an entity's type when the id has none). A version reads {@code <entity's
     * label> @ <version>}.
     */
    static String label(String kind, String id, NodeProps p) {
        if (kind.equals("entity") && p.entityId() != null && p.version() != null) {
            String entity = label(kind, p.entityId(), p.withEntity());
            return entity + " @ " + shortId(p.version());
        }
        String named = switch (kind) {
            case "task" -> p.activityId();
            case "entity", "workflow" -> p.name();
            default -> null;
        };
        if (named != null && !named.isBlank()) return named;
        String shortId = shortId(id);
        if (kind.equals("entity") && shortId.equals(id) && p.type() != null) return p.type();
        return shortId;
    }

    /** The last non-empty path segment of an id ({@code file:///data/x.h5} → {@code x.h5}), at most 60 chars. */
    static String shortId(String id) {
        if (id == null) return null;
        String s = id;
        while (s.endsWith("/") && s.length() > 1) s = s.substring(0, s.length() - 1);
        int slash = s.lastIndexOf('/');
        if (slash >= 0 && slash < s.length() - 1) s = s.substring(slash + 1);
        if (s.isEmpty()) s = id;
        return s.length() > 60 ? s.substring(0, 59) + "…" : s;
    }
}

package org.mida.server.lineage;

import org.neo4j.driver.Value;

/**
 * The domain properties a lineage statement projects of a node ({@code n {.task_id, .id, …}} AS p): all
 * optional. A property stored with another type than expected reads as null (an id that is not a string
 * names no lineage node), except an entity's {@code type}, which reads as its text.
 */
record NodeProps(
        String taskId,
        String id,
        String workflowId,
        String campaignId,
        String activityId,
        String status,
        String type,
        String name,
        Double startedAt,
        Double endedAt,
        String entityId,
        String version) {

    static final NodeProps NONE = new NodeProps(null, null, null, null, null, null, null, null, null, null, null, null);

    static NodeProps of(Value p) {
        return new NodeProps(
                string(p.get("task_id")),
                string(p.get("id")),
                string(p.get("workflow_id")),
                string(p.get("campaign_id")),
                string(p.get("activity_id")),
                string(p.get("status")),
                text(p.get("type")),
                string(p.get("name")),
                number(p.get("started_at")),
                number(p.get("ended_at")),
                string(p.get("entity_id")),
                text(p.get("version")));
    }

    NodeProps withName(String name) {
        return new NodeProps(
                taskId,
                id,
                workflowId,
                campaignId,
                activityId,
                status,
                type,
                name,
                startedAt,
                endedAt,
                entityId,
                version);
    }

    /** These properties without the version's own: those of the entity it is a version of. */
    NodeProps withEntity() {
        return new NodeProps(
                taskId,
                entityId,
                workflowId,
                campaignId,
                activityId,
                status,
                type,
                name,
                startedAt,
                endedAt,
                null,
                null);
    }

    /** The domain id of a node of this kind (task_id, id or workflow_id); null when it has none. */
    String domainId(String kind) {
        return switch (kind) {
            case "task" -> taskId;
            case "entity" -> id;
            case "workflow" -> workflowId;
            default -> null;
        };
    }

    static String string(Value v) {
        return v == null || v.isNull() || !(v.asObject() instanceof String s) ? null : s;
    }

    private static String text(Value v) {
        if (v == null || v.isNull()) return null;
        Object o = v.asObject();
        return o instanceof String s ? s : String.valueOf(o);
    }

    static Double number(Value v) {
        return v == null || v.isNull() || !(v.asObject() instanceof Number n) ? null : n.doubleValue();
    }
}

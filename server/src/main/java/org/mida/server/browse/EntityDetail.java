package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

/**
 * What {@code GET /api/entities?id=…} answers: an entity's attributes (those of its latest version), its
 * versions in generation order (unknown times last), each with the task that generated it and the tasks
 * that used it, and the usages bound to the entity itself: its origin, data that came from outside before
 * any recorded generation. Asked by the id of a version, it answers the entity and names that version in
 * {@code requested_version}. Lists of tasks are capped ({@code *_count} are whole).
 */
record EntityDetail(
        String id,
        String type,
        Map<String, Object> attributes,
        @JsonProperty("requested_version") String requestedVersion,
        List<Version> versions,
        @JsonProperty("origin_use_count") long originUseCount,
        @JsonProperty("origin_used_by") List<TaskLink> originUsedBy,
        @JsonProperty("generated_by") List<TaskLink> generatedBy) {

    /** Properties of the node that are not attributes. */
    private static final List<String> NOT_ATTRIBUTES =
            List.of("id", "type", "entity_id", "version", "generated_by", "generated_at");

    /** A task at one end of a usage or a generation. */
    record TaskLink(
            @JsonProperty("task_id") String taskId,
            String role,
            @JsonProperty("workflow_id") String workflowId,
            String status,
            @JsonProperty("started_at") Double startedAt,
            @JsonProperty("ended_at") Double endedAt) {
        static TaskLink of(Value v) {
            return new TaskLink(
                    text(v.get("task_id")),
                    text(v.get("role")),
                    text(v.get("workflow_id")),
                    text(v.get("status")),
                    number(v.get("started_at")),
                    number(v.get("ended_at")));
        }
    }

    /** One version of the entity. */
    record Version(
            String id,
            String version,
            @JsonProperty("generated_at") Double generatedAt,
            @JsonProperty("generated_by") List<TaskLink> generatedBy,
            Map<String, Object> attributes,
            @JsonProperty("use_count") long useCount,
            @JsonProperty("used_by") List<TaskLink> usedBy) {
        static Version of(Value v) {
            Map<String, Object> props = v.get("props").asMap();
            return new Version(
                    (String) props.get("id"),
                    String.valueOf(props.get("version")),
                    props.get("generated_at") instanceof Number n ? n.doubleValue() : null,
                    v.get("generated_by").asList(TaskLink::of),
                    attributesOf(props),
                    v.get("use_count").asLong(),
                    v.get("used_by").asList(TaskLink::of));
        }
    }

    static EntityDetail of(Record r, String askedId) {
        Map<String, Object> props = r.get("props").asMap();
        var versions = new ArrayList<>(r.get("versions").asList(Version::of));
        versions.sort(Comparator.comparing(Version::generatedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Version::version));
        String id = (String) props.get("id");
        String requested = null;
        for (Version v : versions) if (v.id().equals(askedId)) requested = v.version();
        Object type = props.get("type");
        return new EntityDetail(
                id,
                type == null ? null : String.valueOf(type),
                attributesOf(props),
                requested,
                versions,
                r.get("origin_use_count").asLong(),
                r.get("origin_used_by").asList(TaskLink::of),
                r.get("generated_by").asList(TaskLink::of));
    }

    private static Map<String, Object> attributesOf(Map<String, Object> props) {
        var out = new TreeMap<String, Object>();
        for (var p : props.entrySet()) if (!NOT_ATTRIBUTES.contains(p.getKey())) out.put(p.getKey(), p.getValue());
        return out;
    }

    private static String text(Value v) {
        return v == null || v.isNull() ? null : v.asObject() instanceof String s ? s : String.valueOf(v.asObject());
    }

    private static Double number(Value v) {
        return v == null || v.isNull() || !(v.asObject() instanceof Number n) ? null : n.doubleValue();
    }
}

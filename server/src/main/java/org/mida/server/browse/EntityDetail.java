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
 * that used it, and the usages of its origin: data that came from outside before any recorded
 * generation. {@code generated_by} lists generations not made into a version (none from the ingest). Asked by the id of a version, it answers the entity and names that version in
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
            List.of("id", "type", "entity_id", "version", "generated_by", "generated_at", "origin");

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

    /**
     * The answer from the entity's record. A versioned entity lists its version nodes, and the usages of
     * the entity node itself are its origin's. A flat entity (one generation, recorded on the entity node)
     * lists that generation as its one version, whose id is the entity's, with the usages of the entity
     * node; its origin's usages are those of its origin node. An entity never generated has no version:
     * every usage is of its origin.
     */
    static EntityDetail of(Record r, String askedId) {
        Map<String, Object> props = r.get("props").asMap();
        String id = (String) props.get("id");
        var versions = new ArrayList<Version>();
        Version origin = null;
        for (Value v : r.get("versions").values()) {
            Version version = Version.of(v);
            if (Boolean.TRUE.equals(v.get("props").asMap().get("origin"))) origin = version;
            else versions.add(version);
        }
        List<TaskLink> generatedBy = r.get("generated_by").asList(TaskLink::of);
        List<TaskLink> direct = r.get("direct_used_by").asList(TaskLink::of);
        long directCount = r.get("direct_use_count").asLong();
        long originCount = directCount;
        List<TaskLink> originUsers = direct;
        if (versions.isEmpty() && !generatedBy.isEmpty()) {
            TaskLink g = generatedBy.get(0);
            versions.add(new Version(
                    id,
                    g.taskId(),
                    g.endedAt() != null ? g.endedAt() : g.startedAt(),
                    generatedBy,
                    attributesOf(props),
                    directCount,
                    direct));
            generatedBy = List.of();
            originCount = origin == null ? 0 : origin.useCount();
            originUsers = origin == null ? List.of() : origin.usedBy();
        }
        versions.sort(Comparator.comparing(Version::generatedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Version::version));
        String requested = null;
        for (Version v : versions) if (v.id().equals(askedId) && !askedId.equals(id)) requested = v.version();
        Object type = props.get("type");
        return new EntityDetail(
                id,
                type == null ? null : String.valueOf(type),
                attributesOf(props),
                requested,
                versions,
                originCount,
                originUsers,
                generatedBy);
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

package org.mida.server.ingest;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.mida.event.EntityRef;
import org.mida.event.TaskEvent;

/**
 * The rules of entity versions, pure ({@link View}: flat or versioned). Each generation of an entity is a version of it: its label is the
 * version the reference names ({@code "version"} attribute), else the id of the task that generated it;
 * its time is that task's end (else its start, else its submission). A usage binds to the version its
 * reference names, otherwise to the latest version generated before the using task started (by another
 * task), otherwise to the entity itself: its origin, data that came from outside.
 *
 * <pre>{@code
 * String vid = EntityVersions.id("file:///latest.csv", "task-17"); // file:///latest.csv#version=task-17
 * String target = EntityVersions.bind(entityId, ref.explicit, "t-9", 1714564900.0, versions); // null: the origin
 * }</pre>
 */
final class EntityVersions {

    /** What separates an entity id from a version label in a version's id. */
    static final String SEPARATOR = "#version=";

    /** The attribute of a reference that names its version explicitly. */
    static final String ATTRIBUTE = "version";

    private EntityVersions() {}

    /**
     * A version as the store holds it or the batch makes it.
     *
     * @param at its generation time (epoch seconds), null when unknown
     * @param generatedBy the task that generated it, null for a version only named by a usage
     */
    record Version(String id, String entityId, String label, Double at, String generatedBy) {
        /** The version a stored node's properties describe. */
        static Version of(Map<String, Object> props) {
            return new Version(
                    (String) props.get("id"),
                    (String) props.get("entity_id"),
                    String.valueOf(props.get("version")),
                    props.get("generated_at") instanceof Number n ? n.doubleValue() : null,
                    (String) props.get("generated_by"));
        }

        /** True when this version was generated strictly later than {@code other}, labels breaking ties. */
        boolean after(Version other) {
            if (other == null) return true;
            int c = Double.compare(at, other.at);
            return c != 0 ? c > 0 : label.compareTo(other.label) > 0;
        }
    }

    /**
     * How an entity's usages bind in one state of the graph. <b>Versioned</b> (the entity has several
     * generations, or versions named explicitly): a version node per generation, usages bound by {@link
     * #bind}. <b>Flat</b> (at most one generation, the common case: a run writes its own output): the
     * generation is recorded on the entity node itself, usages after it point at the entity, and usages
     * before it (or by the generating task itself) at the entity's origin node ({@link #originId}).
     *
     * @param flat the single generation of a flat entity (null when none)
     */
    record View(boolean versioned, Collection<Version> versions, Version flat) {
        static final View NONE = new View(false, java.util.List.of(), null);

        /** The id of the node a usage binds to: a version, the origin node, or null for the entity itself. */
        String target(String entityId, String explicit, String user, Double at) {
            if (versioned) return bind(entityId, explicit, user, at, versions);
            if (flat == null) return null;
            if (Objects.equals(user, flat.generatedBy())) return originId(entityId);
            if (flat.at() != null && at != null && at < flat.at()) return originId(entityId);
            return null;
        }
    }

    /**
     * The id of a flat entity's origin node: the data as it was before its one recorded generation, made
     * only while some usage precedes that generation.
     */
    static String originId(String entityId) {
        return entityId + "#origin";
    }

    /** The id of the version {@code label} of entity {@code entityId}. */
    static String id(String entityId, String label) {
        return entityId + SEPARATOR + label;
    }

    /** The version a reference names ({@code "version"}: a string or a number), or null. */
    static String explicit(EntityRef ref) {
        Object v = ref.attributes().get(ATTRIBUTE);
        if (v instanceof String s) return s.isBlank() ? null : s;
        if (v instanceof Number || v instanceof Boolean) return String.valueOf(v);
        return null;
    }

    /** The label of the version a task's generation reference makes: the one it names, else the task's id. */
    static String label(EntityRef generated, String taskId) {
        String e = explicit(generated);
        return e != null ? e : taskId;
    }

    /** When a task's generations happened: its end, else its start, else its submission; null when unknown. */
    static Double generatedAt(TaskEvent t) {
        return t.endedAt() != null ? t.endedAt() : t.startedAt() != null ? t.startedAt() : t.submittedAt();
    }

    /** When a task's usages happened: its start, else its submission, else its end; null when unknown. */
    static Double usedAt(TaskEvent t) {
        return t.startedAt() != null ? t.startedAt() : t.submittedAt() != null ? t.submittedAt() : t.endedAt();
    }

    /**
     * The id of the version a usage binds to, or null for the entity's origin (the entity node itself).
     * Versions of unknown time are bound only when no timed one qualifies: with times missing the order
     * is unknown, and a generation on record is better evidence of where the data came from than none.
     *
     * @param explicit the version the reference names, or null
     * @param user the using task (its own generations are never what it used)
     * @param at when it used the entity (null: the latest version)
     */
    static String bind(String entityId, String explicit, String user, Double at, Collection<Version> versions) {
        if (explicit != null) return id(entityId, explicit);
        Version best = null, untimed = null;
        for (Version v : versions) {
            if (v.generatedBy() == null || Objects.equals(user, v.generatedBy())) continue;
            if (v.at() == null) {
                if (untimed == null || v.label().compareTo(untimed.label()) > 0) untimed = v;
                continue;
            }
            if (at != null && v.at() > at) continue;
            if (v.after(best)) best = v;
        }
        if (best == null) best = untimed;
        return best == null ? null : best.id();
    }

    /**
     * The latest version: by generation time, labels breaking ties; versions of unknown time count as older
     * than any timed one. Null when there is none.
     */
    static Version latest(Collection<Version> versions) {
        Version best = null;
        for (Version v : versions) {
            if (best == null) best = v;
            else if (v.at() == null) {
                if (best.at() == null && v.label().compareTo(best.label()) > 0) best = v;
            } else if (best.at() == null || v.after(best)) best = v;
        }
        return best;
    }
}

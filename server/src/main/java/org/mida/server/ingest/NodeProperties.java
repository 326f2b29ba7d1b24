package org.mida.server.ingest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EntityRef;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

/**
 * The one owner of what MIDA's values become as Neo4j node properties, for every writer of the graph
 * (the ingest, the PROV import, the benchmarks' raw writer). A value is stored as a string, long,
 * double, boolean or a list of one of those; ints and floats in one list are all doubles; an entity
 * reference becomes its {@code @id}; anything else (mixed lists, lists of objects, empty lists, maps
 * that are not flattened) becomes its JSON text; nulls are not stored. The {@code used} and {@code
 * generated} maps of tasks and workflows are flattened into dotted paths ({@code used.optimizer.lr})
 * so analytic queries need no joins. Immutable and thread-safe.
 *
 * <pre>{@code
 * var properties = new NodeProperties(EventCodec.shared());
 * Map<String, Object> props = properties.task(task);      // a Task node's properties, _json included
 * Object stored = properties.value(List.of(1, 2.5));      // [1.0, 2.5]
 * }</pre>
 */
public final class NodeProperties {

    /** Paths longer than this are not flattened (the value stays in the task's document). */
    static final int MAX_PATH_LENGTH = 256;

    /** Maps nested deeper than this are stored as JSON text at that level. */
    static final int MAX_FLATTEN_DEPTH = 8;

    private final EventCodec codec;

    public NodeProperties(EventCodec codec) {
        this.codec = codec;
    }

    /** The properties of a Task node holding this (merged) task, its document in {@code _json}. */
    public Map<String, Object> task(TaskEvent t) {
        var p = new HashMap<String, Object>();
        p.put("task_id", t.taskId());
        put(p, "workflow_id", t.workflowId());
        put(p, "campaign_id", t.campaignId());
        put(p, "activity_id", t.activityId());
        put(p, "status", t.status() == null ? null : t.status().name());
        put(p, "submitted_at", t.submittedAt());
        put(p, "started_at", t.startedAt());
        put(p, "ended_at", t.endedAt());
        put(p, "duration", t.duration());
        put(p, "parent_task_id", t.parentTaskId());
        put(p, "group_id", t.groupId());
        put(p, "subtype", t.subtype());
        put(p, "adapter_id", t.adapterId());
        put(p, "hostname", t.hostname());
        put(p, "node_name", t.nodeName());
        put(p, "login_name", t.loginName());
        put(p, "user", t.user());
        if (!t.tags().isEmpty()) p.put("tags", t.tags());
        if (!t.dependencies().isEmpty()) p.put("dependencies", t.dependencies());
        flatten("used", t.used(), p);
        flatten("generated", t.generated(), p);
        p.put("_json", codec.encode(t));
        return p;
    }

    /** The properties of a Workflow node holding this (merged) workflow, its document in {@code _json}. */
    public Map<String, Object> workflow(WorkflowEvent w) {
        var p = new HashMap<String, Object>();
        p.put("workflow_id", w.workflowId());
        put(p, "campaign_id", w.campaignId());
        put(p, "name", w.name());
        put(p, "parent_workflow_id", w.parentWorkflowId());
        put(p, "adapter_id", w.adapterId());
        put(p, "user", w.user());
        put(p, "environment_id", w.environmentId());
        put(p, "started_at", w.startedAt());
        put(p, "ended_at", w.endedAt());
        put(p, "status", w.status() == null ? null : w.status().name());
        flatten("used", w.used(), p);
        flatten("generated", w.generated(), p);
        p.put("_json", codec.encode(w));
        return p;
    }

    /**
     * The properties of an Observer node holding this report (they replace the node's: a report is a
     * snapshot): its scalar fields, each counter as {@code counters.<name>}, {@code received_at} (server
     * time, epoch seconds) and the report itself in {@code _json}.
     */
    public Map<String, Object> observer(ObserverEvent o, double receivedAt) {
        var p = new HashMap<String, Object>();
        p.put("observer_id", o.observerId());
        p.put("at", o.at());
        p.put("received_at", receivedAt);
        put(p, "name", o.name());
        put(p, "kind", o.kind());
        put(p, "state", o.state());
        put(p, "hostname", o.hostname());
        put(p, "version", o.version());
        put(p, "pid", o.pid());
        put(p, "campaign_id", o.campaignId());
        put(p, "started_at", o.startedAt());
        put(p, "interval", o.interval());
        put(p, "last_poll_at", o.lastPollAt());
        put(p, "last_error", o.lastError());
        put(p, "last_error_at", o.lastErrorAt());
        flatten("counters", o.counters(), p);
        p.put("_json", codec.encode(o));
        return p;
    }

    /** The properties a reference sets on its Entity node (its id excluded): see {@link #entity(Object, Map)}. */
    public Map<String, Object> entity(EntityRef ref) {
        return entity(ref.type(), ref.attributes());
    }

    /**
     * The properties an entity of this type with these attributes gets (its id excluded): {@code type},
     * then each attribute under {@link #entityKey its key}, values as {@link #value}; nulls are left out.
     */
    public Map<String, Object> entity(Object type, Map<String, Object> attributes) {
        var p = new LinkedHashMap<String, Object>();
        put(p, "type", value(type));
        for (var a : attributes.entrySet()) put(p, entityKey(a.getKey()), value(a.getValue()));
        return p;
    }

    /**
     * The property key of an entity attribute: the attribute's name, except that names the node uses
     * itself ({@code id}, {@code type}, {@code _json}) are kept apart as {@code attr.<name>}.
     */
    public static String entityKey(String attribute) {
        return switch (attribute) {
            case "id", "type", "_json" -> "attr." + attribute;
            default -> attribute;
        };
    }

    /** The value as a Neo4j property, or null when there is nothing to store. */
    public Object value(Object v) {
        if (v == null) return null;
        if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? (Object) b.longValue() : b.toString();
        if (v instanceof BigDecimal d) return d.doubleValue();
        if (v instanceof List<?> list) return list(list);
        return codec.toJson(v);
    }

    /** Adds the map's values under dotted paths below {@code prefix}, nested maps flattened. */
    void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
        flatten(prefix, map, out, 0);
    }

    private void flatten(String prefix, Map<String, Object> map, Map<String, Object> out, int depth) {
        for (var e : map.entrySet()) {
            String path = prefix + "." + e.getKey();
            if (path.length() > MAX_PATH_LENGTH) continue;
            Object v = e.getValue();
            if (v == null) continue;
            if (EntityRef.isReference(v)) {
                Object id = ((Map<?, ?>) v).get("@id");
                if (id instanceof String) out.put(path, id);
            } else if (v instanceof Map<?, ?> m && depth < MAX_FLATTEN_DEPTH && !m.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> sub = (Map<String, Object>) m;
                flatten(path, sub, out, depth + 1);
            } else {
                put(out, path, value(v));
            }
        }
    }

    private Object list(List<?> list) {
        if (list.isEmpty()) return codec.toJson(list);
        if (list.stream().allMatch(EntityRef::isReference)) {
            var ids = new ArrayList<String>(list.size());
            for (Object o : list) ids.add(String.valueOf(((Map<?, ?>) o).get("@id")));
            return ids;
        }
        Class<?> kind = null;
        var out = new ArrayList<Object>(list.size());
        for (Object o : list) {
            Object s = o instanceof List || o instanceof Map || o == null ? null : value(o);
            if (s == null) return codec.toJson(list);
            if (kind == null) kind = s.getClass();
            else if (kind != s.getClass()) {
                // ints and floats together are all numbers: store doubles
                if (s instanceof Number && Number.class.isAssignableFrom(kind)) kind = Double.class;
                else return codec.toJson(list);
            }
            out.add(s);
        }
        if (kind == Double.class) out.replaceAll(o -> ((Number) o).doubleValue());
        return out;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) m.put(k, v);
    }
}

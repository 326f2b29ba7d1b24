package org.mida.server.ingest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mida.cypher.query.Fields;
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
 * that are not flattened) becomes its JSON text; nulls are not stored. Immutable and thread-safe.
 *
 * <p><b>Tasks and workflows: every captured field is a property.</b> The maps of a task ({@code used},
 * {@code generated}, {@code telemetry_at_start}, {@code telemetry_at_end}, {@code custom_metadata}) and of
 * a workflow ({@code used}, {@code generated}, {@code custom_metadata}, {@code machine_info}, {@code
 * code_repository} when a map) are flattened into dotted paths ({@code used.optimizer.lr}, {@code
 * telemetry_at_end.gpu.0.used}), keys escaped by {@link Fields#escape} so that {@code {"a.b": 1, "a":
 * {"b": 2}}} gives two properties ({@code used.a\.b}, {@code used.a.b}); fields the wire format does not
 * name (extras) are properties under their own key. {@code stdout} and {@code stderr} are text of at
 * most {@link #MAX_TEXT} characters: a longer one keeps its first {@link #TEXT_HEAD} and last {@link
 * #TEXT_TAIL} characters around a marker saying how many were left out (the full text stays in {@code
 * _json}); a map there is flattened like the others.
 *
 * <p><b>Bounded.</b> Every property key is a permanent Neo4j token, and one node with thousands of keys
 * makes its write slow (quadratic in its keys). So the flattened keys a node gets are bounded: at most
 * {@code maxKeysPerNode}, taken in document order, each also admitted by a {@link FieldAdmission} (the
 * ingest's per-campaign bound). The others stay in the stored document only, and the node says so:
 * {@code _unindexed} lists the first {@link #MAX_UNINDEXED_LISTED} of them, {@code _unindexed_count}
 * counts them all.
 *
 * <pre>{@code
 * var properties = new NodeProperties(EventCodec.shared());
 * Map<String, Object> props = properties.task(task);      // a Task node's properties, _json included
 * Object stored = properties.value(List.of(1, 2.5));      // [1.0, 2.5]
 * }</pre>
 */
public final class NodeProperties {

    /** Paths longer than this are not flattened (the value stays in the task's document). */
    static final int MAX_PATH_LENGTH = Fields.MAX_LENGTH;

    /** Maps nested deeper than this are stored as JSON text at that level. */
    static final int MAX_FLATTEN_DEPTH = 8;

    /** The default bound of flattened keys on one task or workflow node (MIDA_FIELDS_PER_TASK). */
    public static final int DEFAULT_MAX_KEYS_PER_NODE = 500;

    /** The default bound of flattened keys per campaign (MIDA_FIELDS_PER_CAMPAIGN). */
    public static final int DEFAULT_MAX_KEYS_PER_SCOPE = 5_000;

    /** The longest {@code stdout}/{@code stderr} property; its head and tail when longer. */
    public static final int MAX_TEXT = 10_000;

    public static final int TEXT_HEAD = 2_000;
    public static final int TEXT_TAIL = 8_000;

    /** How many unindexed field names {@code _unindexed} lists. */
    public static final int MAX_UNINDEXED_LISTED = 100;

    /** Which flattened keys a node gets; asked in document order, once per key, while the node has room. */
    @FunctionalInterface
    interface FieldAdmission {
        boolean admit(String key);

        FieldAdmission ALL = key -> true;
    }

    private final EventCodec codec;
    private final int maxKeysPerNode;
    private final int maxKeysPerScope;

    /** Properties with the default bounds. */
    public NodeProperties(EventCodec codec) {
        this(codec, DEFAULT_MAX_KEYS_PER_NODE, DEFAULT_MAX_KEYS_PER_SCOPE);
    }

    /**
     * @param maxKeysPerNode the most flattened keys one task or workflow node gets
     * @param maxKeysPerScope the most flattened keys the ingest makes queryable in one campaign (or
     *     workflow without a campaign), all its tasks and workflows together
     */
    public NodeProperties(EventCodec codec, int maxKeysPerNode, int maxKeysPerScope) {
        if (maxKeysPerNode < 0 || maxKeysPerScope < 0)
            throw new IllegalArgumentException("bounds must not be negative");
        this.codec = codec;
        this.maxKeysPerNode = maxKeysPerNode;
        this.maxKeysPerScope = maxKeysPerScope;
    }

    public int maxKeysPerNode() {
        return maxKeysPerNode;
    }

    public int maxKeysPerScope() {
        return maxKeysPerScope;
    }

    /** The properties of a Task node holding this (merged) task, every flattened key admitted. */
    public Map<String, Object> task(TaskEvent t) {
        return task(t, FieldAdmission.ALL);
    }

    /** The properties of a Task node holding this (merged) task, its document in {@code _json}. */
    Map<String, Object> task(TaskEvent t, FieldAdmission admission) {
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
        var flat = new Flat();
        flatten("used", t.used(), flat);
        flatten("generated", t.generated(), flat);
        flatten("telemetry_at_start", t.telemetryAtStart(), flat);
        flatten("telemetry_at_end", t.telemetryAtEnd(), flat);
        flatten("custom_metadata", t.customMetadata(), flat);
        text(p, "stdout", t.stdout(), flat);
        text(p, "stderr", t.stderr(), flat);
        extras(t.extras(), Fields.TASK_PROPERTIES, flat);
        admit(flat, admission, p);
        p.put("_json", codec.encode(t));
        return p;
    }

    /** The properties of a Workflow node holding this (merged) workflow, every flattened key admitted. */
    public Map<String, Object> workflow(WorkflowEvent w) {
        return workflow(w, FieldAdmission.ALL);
    }

    /** The properties of a Workflow node holding this (merged) workflow, its document in {@code _json}. */
    Map<String, Object> workflow(WorkflowEvent w, FieldAdmission admission) {
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
        var flat = new Flat();
        flatten("used", w.used(), flat);
        flatten("generated", w.generated(), flat);
        flatten("custom_metadata", w.customMetadata(), flat);
        flatten("machine_info", w.machineInfo(), flat);
        if (w.codeRepository() instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> repo = (Map<String, Object>) m;
            flatten("code_repository", repo, flat);
        } else put(p, "code_repository", value(w.codeRepository()));
        extras(w.extras(), Fields.WORKFLOW_PROPERTIES, flat);
        admit(flat, admission, p);
        p.put("_json", codec.encode(w));
        return p;
    }

    /** Flattened keys in document order, and the names of those left out on the way. */
    private static final class Flat {
        final LinkedHashMap<String, Object> values = new LinkedHashMap<>();
        final List<String> unindexed = new ArrayList<>();

        void leftOut(String name) {
            unindexed.add(name.length() > MAX_PATH_LENGTH ? name.substring(0, MAX_PATH_LENGTH) + "…" : name);
        }
    }

    /** Moves the admitted keys of {@code flat} into {@code p}; notes the others in {@code _unindexed}. */
    private void admit(Flat flat, FieldAdmission admission, Map<String, Object> p) {
        int taken = 0;
        var unindexed = flat.unindexed;
        for (var e : flat.values.entrySet()) {
            if (taken < maxKeysPerNode && admission.admit(e.getKey())) {
                p.put(e.getKey(), e.getValue());
                taken++;
            } else unindexed.add(e.getKey());
        }
        if (unindexed.isEmpty()) return;
        p.put("_unindexed", List.copyOf(unindexed.subList(0, Math.min(unindexed.size(), MAX_UNINDEXED_LISTED))));
        p.put("_unindexed_count", (long) unindexed.size());
    }

    /** stdout/stderr: bounded text, a map flattened, anything else as {@link #value}. */
    private void text(Map<String, Object> p, String name, Object v, Flat flat) {
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            flatten(name, map, flat);
            return;
        }
        Object stored = value(v);
        put(p, name, stored instanceof String s ? bounded(s) : stored);
    }

    /** The text itself when at most {@link #MAX_TEXT} characters, else its head and tail around a marker. */
    static String bounded(String s) {
        if (s.length() <= MAX_TEXT) return s;
        int head = TEXT_HEAD, tail = s.length() - TEXT_TAIL;
        // never split a surrogate pair
        if (Character.isHighSurrogate(s.charAt(head - 1))) head--;
        if (Character.isLowSurrogate(s.charAt(tail))) tail++;
        return s.substring(0, head) + "\n…[" + (tail - head) + " characters left out; the whole text is in the"
                + " stored document]…\n" + s.substring(tail);
    }

    /** Fields the wire format does not name, as properties under their own (escaped) key. */
    private void extras(Map<String, Object> extras, Set<String> reserved, Flat flat) {
        for (var e : extras.entrySet()) {
            String key = Fields.escape(e.getKey());
            if (e.getValue() == null) continue;
            if (reserved.contains(key) || key.startsWith("_") || !Fields.valid(key)) {
                flat.leftOut(key);
                continue;
            }
            if (e.getValue() instanceof Map<?, ?> m && !m.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> sub = (Map<String, Object>) m;
                flatten(key, sub, flat, 0);
            } else flat.values.put(key, value(e.getValue()));
        }
    }

    /**
     * The properties of an Observer node holding this report (they replace the node's: a report is a
     * snapshot): its scalar fields, each counter as {@code counters.<name>} (at most {@code maxKeysPerNode}
     * of them, in document order; the others are listed in {@code _unindexed} like a task's), {@code
     * received_at} (server time, epoch seconds) and the report itself, every counter included, in {@code
     * _json} (what {@code /api/observers} answers from).
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
        var flat = new Flat();
        flatten("counters", o.counters(), flat);
        admit(flat, FieldAdmission.ALL, p);
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
     *
     * <p>Bounded like a task's maps: at most {@code maxKeysPerNode} attributes become properties, in
     * document order (the {@code version} attribute always does: the ingest reads it). The others are kept
     * whole, as one JSON object in {@value #ENTITY_REST} (every value as sent), their names listed in {@code
     * _unindexed} and counted in {@code _unindexed_count}. The ingest merges a reference's properties into
     * the node key by key, so these three are those of the last reference that had more attributes than
     * the bound.
     */
    public Map<String, Object> entity(Object type, Map<String, Object> attributes) {
        var p = new LinkedHashMap<String, Object>();
        put(p, "type", value(type));
        int taken = 0;
        Map<String, Object> rest = null;
        for (var a : attributes.entrySet()) {
            if (a.getValue() == null) continue;
            if (taken < maxKeysPerNode || a.getKey().equals(EntityVersions.ATTRIBUTE)) {
                put(p, entityKey(a.getKey()), value(a.getValue()));
                if (!a.getKey().equals(EntityVersions.ATTRIBUTE)) taken++;
            } else {
                if (rest == null) rest = new LinkedHashMap<>();
                rest.put(a.getKey(), a.getValue());
            }
        }
        if (rest != null) unindexedAttributes(rest, p);
        return p;
    }

    /** The property that keeps, as one JSON object, the attributes of an entity past the per-node bound. */
    public static final String ENTITY_REST = "_attributes_json";

    /** Notes the attributes past the bound on the entity's properties: whole in one JSON text, names listed. */
    private void unindexedAttributes(Map<String, Object> rest, Map<String, Object> p) {
        var names = new ArrayList<String>(Math.min(rest.size(), MAX_UNINDEXED_LISTED));
        for (String name : rest.keySet()) {
            if (names.size() == MAX_UNINDEXED_LISTED) break;
            names.add(name.length() > MAX_PATH_LENGTH ? name.substring(0, MAX_PATH_LENGTH) + "…" : name);
        }
        p.put(ENTITY_REST, codec.toJson(rest));
        p.put("_unindexed", List.copyOf(names));
        p.put("_unindexed_count", (long) rest.size());
    }

    /**
     * The property key of an entity attribute: the attribute's name, except that names the node uses
     * itself ({@code id}, {@code type}, {@code _json}, and those of the attributes past the bound) are kept
     * apart as {@code attr.<name>}.
     */
    public static String entityKey(String attribute) {
        return switch (attribute) {
            case "id", "type", "_json", ENTITY_REST, "_unindexed", "_unindexed_count" -> "attr." + attribute;
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

    /** Adds the map's values under dotted paths below {@code prefix}, nested maps flattened, every key kept. */
    void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
        var flat = new Flat();
        flatten(prefix, map, flat, 0);
        out.putAll(flat.values);
    }

    private void flatten(String prefix, Map<String, Object> map, Flat flat) {
        flatten(prefix, map, flat, 0);
    }

    private void flatten(String prefix, Map<String, Object> map, Flat out, int depth) {
        for (var e : map.entrySet()) {
            String path = Fields.path(prefix, e.getKey());
            Object v = e.getValue();
            if (v == null) continue;
            if (path.length() > MAX_PATH_LENGTH || !Fields.valid(path)) {
                out.leftOut(path);
                continue;
            }
            if (EntityRef.isReference(v)) {
                Object id = ((Map<?, ?>) v).get("@id");
                if (id instanceof String) out.values.put(path, id);
            } else if (v instanceof Map<?, ?> m && depth < MAX_FLATTEN_DEPTH && !m.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> sub = (Map<String, Object>) m;
                flatten(path, sub, out, depth + 1);
            } else {
                Object stored = value(v);
                if (stored != null) out.values.put(path, stored);
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

package org.mida.observers.flowcept;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one decoded Flowcept task or workflow message into the field map of a MIDA event, without
 * refusing what Flowcept's own adapters produce. Pure: no I/O, thread-safe.
 *
 * <ul>
 *   <li><b>Scalar or list {@code used}/{@code generated}</b> (Flowcept's Dask worker plugin publishes
 *       the task's return value as it is: {@code "generated": 1}) are kept the way MIDA's executor
 *       wrapper and Python SDK keep them: {@code generated.result} and {@code used.input}. So is a
 *       single entity reference ({@code {"@id": …}}). {@code null} is dropped.
 *   <li><b>Dask keys → {@code dependencies}</b>: Flowcept 1.0.3's Dask worker plugin records a task's
 *       arguments from the worker's {@code run_spec}, where an argument computed by another task is
 *       that task's key ({@code "used": {"x": "incr-5613…"}}); it does not publish {@code
 *       dependencies} (its {@code get_task_deps} is never called). For a Dask task (its {@code
 *       adapter_id} is {@code dask}, or its {@code task_id} is a Dask key), every {@code used} value
 *       that is a Dask key (a string, a tuple key, or one inside a list) other than its own becomes a
 *       dependency; a {@code dependencies} list the message carries is kept and united with them.
 *   <li><b>Ids</b>: a number becomes its text; a Dask tuple key (msgpack turns Python tuples into
 *       arrays: {@code ["x-ab12…", 0]}) becomes Python's text of the tuple, {@code ('x-ab12…', 0)},
 *       in {@code task_id} and {@code dependencies} alike, so links meet.
 * </ul>
 */
public final class FlowceptMapping {

    /**
     * {@code name-<32 hex>} (Dask's {@code tokenize}: {@code client.map}, {@code submit}, pure
     * delayed) or {@code name-<uuid4>} (impure {@code dask.delayed}).
     */
    static final Pattern DASK_KEY =
            Pattern.compile("\\S+-(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

    private static final Pattern TUPLE_KEY_TEXT = Pattern.compile("\\('(\\S+?)'(?:, \\d+)+\\)");
    private static final List<String> ID_FIELDS =
            List.of("task_id", "workflow_id", "campaign_id", "parent_task_id", "parent_workflow_id", "group_id");

    private FlowceptMapping() {}

    /** What the mapping did to one message, for the bridge's counters. */
    public record Result(Map<String, Object> fields, int dependenciesAdded, int valuesWrapped) {}

    /**
     * The MIDA field map for a task ({@code task == true}) or workflow message. The input is not
     * changed. Refusals (no {@code task_id}, a bad status …) are left to MIDA's codec.
     */
    public static Result map(Map<String, Object> message, boolean task) {
        var m = new LinkedHashMap<String, Object>(message);
        if (m.get("type") == null) m.put("type", task ? "task" : "workflow");
        for (String k : ID_FIELDS) {
            Object v = m.get(k);
            if (v instanceof Number) m.put(k, String.valueOf(v));
            else if (v instanceof List<?> l && isTupleKey(l)) m.put(k, tupleText(l));
        }
        int wrapped = 0;
        if (wrap(m, "used", "input")) wrapped++;
        if (wrap(m, "generated", "result")) wrapped++;
        int added = 0;
        if (task) {
            Set<String> deps = new LinkedHashSet<>();
            Object given = m.get("dependencies");
            if (given instanceof List<?> l) for (Object d : l) addKey(deps, d, false);
            else if (given instanceof String s) deps.add(s);
            int before = deps.size();
            if (isDaskTask(m) && m.get("used") instanceof Map<?, ?> used) {
                for (Object v : used.values()) {
                    if (v instanceof List<?> l && !isTupleKey(l)) for (Object x : l) addKey(deps, x, true);
                    else addKey(deps, v, true);
                }
                deps.remove(String.valueOf(m.get("task_id")));
            }
            added = Math.max(0, deps.size() - before);
            if (!deps.isEmpty()) m.put("dependencies", new ArrayList<>(deps));
            else if (given != null) m.remove("dependencies");
        }
        return new Result(m, added, wrapped);
    }

    /** A task published by Flowcept's Dask adapter. */
    static boolean isDaskTask(Map<String, Object> m) {
        if ("dask".equals(m.get("adapter_id"))) return true;
        return m.get("task_id") instanceof String id && isDaskKey(id);
    }

    static boolean isDaskKey(String s) {
        return s.length() < 512
                && (DASK_KEY.matcher(s).matches() || TUPLE_KEY_TEXT.matcher(s).matches());
    }

    private static void addKey(Set<String> deps, Object v, boolean onlyDaskKeys) {
        if (v instanceof String s) {
            if (!onlyDaskKeys || isDaskKey(s)) deps.add(s);
        } else if (v instanceof List<?> l && isTupleKey(l)) {
            deps.add(tupleText(l));
        } else if (!onlyDaskKeys && v instanceof Number n) {
            deps.add(String.valueOf(n));
        }
    }

    /** {@code ["x-<hash>", 0, 1]}: a Dask tuple key as msgpack hands it over. */
    static boolean isTupleKey(List<?> l) {
        if (l.size() < 2
                || !(l.get(0) instanceof String s)
                || !DASK_KEY.matcher(s).matches()) return false;
        for (int i = 1; i < l.size(); i++) if (!(l.get(i) instanceof Long || l.get(i) instanceof Integer)) return false;
        return true;
    }

    /** Python's {@code str()} of the tuple: {@code ('x-ab12', 0, 1)}. */
    static String tupleText(List<?> l) {
        var b = new StringBuilder("(");
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) b.append(", ");
            Object v = l.get(i);
            b.append(v instanceof String s ? "'" + s + "'" : String.valueOf(v));
        }
        return b.append(')').toString();
    }

    /** A non-map value (or one entity reference) becomes {@code {name: value}}; null is dropped. */
    private static boolean wrap(Map<String, Object> m, String field, String name) {
        if (!m.containsKey(field)) return false;
        Object v = m.get(field);
        if (v == null) {
            m.remove(field);
            return false;
        }
        if (v instanceof Map<?, ?> map && !map.containsKey("@id")) return false;
        var w = new LinkedHashMap<String, Object>();
        w.put(name, v);
        m.put(field, w);
        return true;
    }
}

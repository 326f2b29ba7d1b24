package org.mida.server.ingest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.mida.event.EntityRef;

/**
 * Turns event values into what Neo4j can store as properties: strings, longs, doubles, booleans and
 * lists of one of those. Maps are flattened into dotted paths ({@code used.optimizer.lr}) so analytic
 * queries need no joins; an entity reference becomes its {@code @id}; anything else (mixed lists,
 * lists of objects) becomes its JSON text. Nulls are skipped.
 */
final class GraphValues {

    /** Paths longer than this are not flattened (the value stays in the task's document). */
    static final int MAX_PATH_LENGTH = 256;

    /** Maps nested deeper than this are stored as JSON text at that level. */
    static final int MAX_FLATTEN_DEPTH = 8;

    private GraphValues() {}

    static void flatten(
            String prefix, Map<String, Object> map, Map<String, Object> out, Function<Object, String> json) {
        flatten(prefix, map, out, json, 0);
    }

    private static void flatten(
            String prefix, Map<String, Object> map, Map<String, Object> out, Function<Object, String> json, int depth) {
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
                flatten(path, sub, out, json, depth + 1);
            } else {
                Object stored = storable(v, json);
                if (stored != null) out.put(path, stored);
            }
        }
    }

    /** The value as a Neo4j property, or null when there is nothing to store. */
    static Object storable(Object v, Function<Object, String> json) {
        if (v == null) return null;
        if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? (Object) b.longValue() : b.toString();
        if (v instanceof BigDecimal d) return d.doubleValue();
        if (v instanceof List<?> list) return storableList(list, json);
        return json.apply(v);
    }

    private static Object storableList(List<?> list, Function<Object, String> json) {
        if (list.isEmpty()) return json.apply(list);
        if (list.stream().allMatch(EntityRef::isReference)) {
            var ids = new ArrayList<String>(list.size());
            for (Object o : list) ids.add(String.valueOf(((Map<?, ?>) o).get("@id")));
            return ids;
        }
        Class<?> kind = null;
        var out = new ArrayList<Object>(list.size());
        for (Object o : list) {
            Object s = o instanceof List || o instanceof Map || o == null ? null : storable(o, json);
            if (s == null) return json.apply(list);
            if (kind == null) kind = s.getClass();
            else if (kind != s.getClass()) {
                // ints and floats together are all numbers: store doubles
                if (s instanceof Number && Number.class.isAssignableFrom(kind)) kind = Double.class;
                else return json.apply(list);
            }
            out.add(s);
        }
        if (kind == Double.class) out.replaceAll(o -> ((Number) o).doubleValue());
        return out;
    }
}

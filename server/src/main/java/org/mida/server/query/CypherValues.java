package org.mida.server.query;

import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.cypher.Cypher;
import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Point;
import org.neo4j.driver.types.Relationship;

/**
 * Turns Cypher result values into JSON-ready Java values, inside the transaction that read them.
 *
 * <ul>
 *   <li>node → {@code {"_id": domain id, "_labels": [...], ...properties}} without {@code _json} (the stored
 *       copy of the document as sent; {@code RETURN n._json} still reads it, {@code GET /api/tasks/{id}}
 *       gives it parsed);
 *   <li>relationship → {@code {"_type", "_start", "_end", ...properties}}, the ends as domain ids;
 *   <li>path → the list {@code [node, relationship, node, …]};
 *   <li>dates, times, durations (ISO 8601) and points ({@code point({srid:…, x:…, y:…})}) → strings; bytes →
 *       base64; NaN and infinities → strings; lists and maps recursively.
 * </ul>
 *
 * A domain id is the first of {@code task_id}, {@code workflow_id}, {@code id}, {@code campaign_id}; null for
 * a node that has none. Neo4j's internal and element ids are never given out.
 */
final class CypherValues {
    private static final String DOMAIN_IDS = Cypher.load("query/domain-ids");
    private static final List<String> ID_KEYS = List.of("task_id", "workflow_id", "id", "campaign_id");

    /** The most characters of JSON text the values converted so far may take (about bytes). */
    private final long maxBytes;

    private long bytes;

    /** @param maxBytes the byte cap of the answer ({@code MIDA_CYPHER_MAX_BYTES}) */
    CypherValues(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** About how many bytes of JSON the values converted so far take. */
    long bytes() {
        return bytes;
    }

    private void spend(long n) {
        bytes += n;
        if (bytes > maxBytes)
            throw new ApiException(
                    ProblemType.ANSWER_TOO_LARGE,
                    "the answer is larger than " + maxBytes + " bytes (MIDA_CYPHER_MAX_BYTES); return fewer rows"
                            + " (LIMIT), fewer columns or shorter values (left(x, 1000), size(x))");
    }

    /** Relationship ends to fill in: element id → the relationships waiting for it. */
    private final Map<String, List<PendingEnd>> pendingEnds = new HashMap<>();

    /** A relationship's {@code _start} or {@code _end} (the key) to set once its node's domain id is known. */
    private record PendingEnd(Map<String, Object> relationship, String key) {}

    /** One record as a map of column → value. */
    Map<String, Object> row(Record r) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < r.size(); i++) {
            spend(r.keys().get(i).length() + 4);
            m.put(r.keys().get(i), value(r.get(i)));
        }
        return m;
    }

    Object value(Value v) {
        return v == null || v.isNull() ? null : convert(v.asObject());
    }

    /** Looks the relationships' end nodes up (one query) and sets their domain ids. */
    void resolveEnds(TransactionContext tx) {
        if (pendingEnds.isEmpty()) return;
        var found = new HashMap<String, Object>();
        for (Record r : tx.run(DOMAIN_IDS, Map.of("ids", new ArrayList<>(pendingEnds.keySet())))
                .list()) found.put(r.get("id").asString(), value(r.get("domain_id")));
        for (var e : pendingEnds.entrySet())
            for (PendingEnd end : e.getValue()) end.relationship().put(end.key(), found.get(e.getKey()));
        pendingEnds.clear();
    }

    private Object convert(Object o) {
        if (o instanceof String s) {
            spend(s.length() + 2L);
            return s;
        }
        spend(o instanceof List<?> l ? 2L + l.size() : o instanceof Map<?, ?> m ? 2L + 4L * m.size() : 8);
        if (o == null || o instanceof Boolean || o instanceof Long || o instanceof Integer) return o;
        if (o instanceof Double d) return d.isNaN() || d.isInfinite() ? d.toString() : d;
        if (o instanceof Float f) return convert(f.doubleValue());
        if (o instanceof Node n) return node(n);
        if (o instanceof Relationship r) return relationship(r);
        if (o instanceof Path p) {
            var out = new ArrayList<Object>();
            out.add(node(p.start()));
            for (Path.Segment s : p) {
                out.add(relationship(s.relationship()));
                out.add(node(s.end()));
            }
            return out;
        }
        if (o instanceof List<?> l) {
            var out = new ArrayList<Object>(l.size());
            for (Object x : l) out.add(convert(x));
            return out;
        }
        if (o instanceof Map<?, ?> m) {
            var out = new LinkedHashMap<String, Object>();
            for (var e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                spend(k.length() + 4);
                out.put(k, convert(e.getValue()));
            }
            return out;
        }
        if (o instanceof Point p)
            return Double.isNaN(p.z())
                    ? "point({srid: " + p.srid() + ", x: " + p.x() + ", y: " + p.y() + "})"
                    : "point({srid: " + p.srid() + ", x: " + p.x() + ", y: " + p.y() + ", z: " + p.z() + "})";
        if (o instanceof IsoDuration d) return d.toString();
        if (o instanceof Temporal t) return t.toString();
        if (o instanceof byte[] b) {
            spend(b.length * 4L / 3);
            return Base64.getEncoder().encodeToString(b);
        }
        if (o instanceof Number n) return n;
        return String.valueOf(o);
    }

    private Map<String, Object> node(Node n) {
        var m = new LinkedHashMap<String, Object>();
        Object id = null;
        for (String k : ID_KEYS) {
            Value v = n.get(k);
            if (!v.isNull()) {
                id = value(v);
                break;
            }
        }
        m.put("_id", id);
        var labels = new ArrayList<String>();
        n.labels().forEach(labels::add);
        m.put("_labels", labels);
        for (String k : n.keys())
            if (!k.equals("_json") && !m.containsKey(k)) {
                spend(k.length() + 4);
                m.put(k, value(n.get(k)));
            }
        return m;
    }

    private Map<String, Object> relationship(Relationship r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("_type", r.type());
        m.put("_start", null);
        m.put("_end", null);
        pendingEnds
                .computeIfAbsent(r.startNodeElementId(), k -> new ArrayList<>())
                .add(new PendingEnd(m, "_start"));
        pendingEnds
                .computeIfAbsent(r.endNodeElementId(), k -> new ArrayList<>())
                .add(new PendingEnd(m, "_end"));
        for (String k : r.keys()) if (!m.containsKey(k)) m.put(k, value(r.get(k)));
        return m;
    }
}

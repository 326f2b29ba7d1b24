package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.neo4j.exceptions.KernelException;
import org.neo4j.graphdb.Direction;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.NodeValueIndexCursor;
import org.neo4j.internal.kernel.api.PropertyIndexQuery;
import org.neo4j.internal.schema.IndexDescriptor;
import org.neo4j.internal.schema.SchemaDescriptors;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.token.api.TokenConstants;

/**
 * The batch's reads of tasks and entities ({@code ingest/read-tasks}, {@code ingest/read-entities}) through
 * the embedded database's core and kernel API instead of their Cypher, inside the batch's own write
 * transaction (issue 15, ing19: no Cypher runtime per batch for them; they were ≈ 9 % of the ingest thread).
 * They give the same rows as the Cypher, in the same order ({@code NativeReadsIT} compares them on one
 * store), and take the same locks: each id is sought with the kernel's <em>locking</em> unique index seek
 * (what Cypher plans for a {@code MATCH} on a uniquely constrained key in a writing statement: the index
 * entry's lock, held to the commit, also for an id not in the store yet), then the node found is
 * write-locked (what the Cypher's {@code SET t.task_id = id} takes), in the order of the caller's sorted ids.
 * <p><b>On by default</b> in-process since the 16th session ({@code -Dmida.ingest.reads=cypher} runs the Cypher;
 * the benchmark's {@code readscypher} variant). The 8th session left it off: four A/B runs on a loaded 2-core
 * machine put it at 0.91, 0.79, 1.08 and 1.08 of the Cypher reads' CPU per event, no gain shown. In the 16th
 * session, on the ingest as it is now (the known ids skip the reads of new ids; the reads left are mostly of
 * entities other tasks made), four alternated runs put the batch's read phase at 28–35 ms against 40–55 ms for
 * the Cypher; the CPU per event against the Cypher's (0.86–1.01) was within the runs' spread.
 */
final class NativeReads {

    /** {@code cypher}: the batch's task and entity reads as their Cypher; anything else: through the core API. */
    static final String PROPERTY = "mida.ingest.reads";

    private static final Label TASK = Label.label("Task");
    private static final Label VERSION = Label.label("Version");
    private static final RelationshipType SPECIALIZATION_OF = RelationshipType.withName("SPECIALIZATION_OF");
    private static final RelationshipType WAS_GENERATED_BY = RelationshipType.withName("WAS_GENERATED_BY");
    private static final RelationshipType USED = RelationshipType.withName("USED");

    private NativeReads() {}

    /** The in-process transaction to read through, or null: the Cypher (over the driver, or switched off). */
    static Transaction of(WriteTransaction tx) {
        Transaction t = tx.nativeTransaction();
        return t == null || "cypher".equals(System.getProperty(PROPERTY)) ? null : t;
    }

    /** The rows of {@code ingest/read-tasks} for {@code ids} (sorted by the caller): {id, json}. */
    static List<Map<String, Object>> tasks(Transaction tx, List<String> ids) {
        var out = new ArrayList<Map<String, Object>>();
        try (var seek = new LockingSeek(tx, "Task", "task_id")) {
            for (String id : ids) {
                Node t = seek.find(id);
                if (t == null) continue;
                var row = new HashMap<String, Object>(4);
                row.put("id", id);
                row.put("json", IngestTransport.plainValue(t.getProperty("_json", null)));
                out.add(row);
            }
        }
        return out;
    }

    /**
     * The rows of {@code ingest/read-entities} for {@code rows} ({id, usages}, sorted by id by the caller):
     * {id, props, versions, generations, usages}.
     */
    static List<Map<String, Object>> entities(Transaction tx, List<Map<String, Object>> rows) {
        var out = new ArrayList<Map<String, Object>>();
        try (var seek = new LockingSeek(tx, "Entity", "id")) {
            for (Map<String, Object> r : rows) {
                String id = (String) r.get("id");
                Node e = seek.find(id);
                if (e == null) continue;
                var versionNodes = new ArrayList<Node>();
                var versions = new ArrayList<Object>();
                for (Relationship s : e.getRelationships(Direction.INCOMING, SPECIALIZATION_OF)) {
                    Node v = s.getStartNode();
                    if (!v.hasLabel(VERSION)) continue;
                    versionNodes.add(v);
                    versions.add(properties(v));
                }
                var generations = new ArrayList<Object>();
                for (Relationship g : e.getRelationships(Direction.OUTGOING, WAS_GENERATED_BY)) {
                    Node t = g.getEndNode();
                    if (!t.hasLabel(TASK)) continue;
                    var m = new HashMap<String, Object>(4);
                    m.put("task_id", IngestTransport.plainValue(t.getProperty("task_id", null)));
                    m.put("role", IngestTransport.plainValue(g.getProperty("role", null)));
                    m.put("at", coalesce(t, "ended_at", "started_at", "submitted_at"));
                    generations.add(m);
                }
                var usages = new ArrayList<Object>();
                if (Boolean.TRUE.equals(r.get("usages"))) {
                    usages(e, usages);
                    // of each version, as the Cypher's second comprehension walks them (every SPECIALIZATION_OF
                    // from a Version node, in the same order as the versions above)
                    for (Node v : versionNodes) usages(v, usages);
                }
                var row = new HashMap<String, Object>(8);
                row.put("id", id);
                row.put("props", properties(e));
                row.put("versions", versions);
                row.put("generations", generations);
                row.put("usages", usages);
                out.add(row);
            }
        }
        return out;
    }

    /** The stored usages of {@code node}: every USED from a Task, as the Cypher's map. */
    private static void usages(Node node, List<Object> out) {
        for (Relationship u : node.getRelationships(Direction.INCOMING, USED)) {
            Node t = u.getStartNode();
            if (!t.hasLabel(TASK)) continue;
            var m = new HashMap<String, Object>(6);
            m.put("task_id", IngestTransport.plainValue(t.getProperty("task_id", null)));
            m.put("role", IngestTransport.plainValue(u.getProperty("role", null)));
            m.put("version", IngestTransport.plainValue(u.getProperty("version", null)));
            m.put("at", coalesce(t, "started_at", "submitted_at", "ended_at"));
            out.add(m);
        }
    }

    private static Object properties(Node n) {
        return IngestTransport.plainValue(n.getAllProperties());
    }

    private static Object coalesce(Node n, String... keys) {
        for (String k : keys) {
            Object v = n.getProperty(k, null);
            if (v != null) return IngestTransport.plainValue(v);
        }
        return null;
    }

    /**
     * Seeks nodes of one label by their uniquely constrained key with the kernel's locking unique index seek,
     * and write-locks each node found; as Cypher's {@code MATCH (n:Label {key: $v}) SET n.key = $v} in a
     * writing statement.
     */
    private static final class LockingSeek implements AutoCloseable {
        private final Transaction tx;
        private final KernelTransaction ktx;
        private final IndexDescriptor index;
        private final int key;
        private final NodeValueIndexCursor cursor;

        LockingSeek(Transaction tx, String label, String key) {
            this.tx = tx;
            this.ktx = ((InternalTransaction) tx).kernelTransaction();
            int l = ktx.tokenRead().nodeLabel(label);
            this.key = ktx.tokenRead().propertyKey(key);
            IndexDescriptor found = null;
            if (l != TokenConstants.NO_TOKEN && this.key != TokenConstants.NO_TOKEN) {
                var it = ktx.schemaRead().indexForSchemaNonTransactional(SchemaDescriptors.forLabel(l, this.key));
                while (it.hasNext()) {
                    IndexDescriptor d = it.next();
                    if (d.isUnique()) found = d;
                }
            }
            if (found == null)
                throw new IllegalStateException("no uniqueness constraint on :" + label + "(" + key + ")");
            this.index = found;
            this.cursor = ktx.cursors().allocateNodeValueIndexCursor(ktx.cursorContext(), ktx.memoryTracker());
        }

        /** The node with this key, write-locked; null when none (its index entry is locked all the same). */
        @SuppressWarnings("deprecation")
        Node find(String value) {
            long id;
            try {
                id = ktx.dataRead().lockingNodeUniqueIndexSeek(index, cursor, PropertyIndexQuery.exact(key, value));
            } catch (KernelException e) {
                throw new IllegalStateException("unique index seek of " + index.getName() + " failed", e);
            }
            if (id < 0) return null;
            Node n = tx.getNodeById(id);
            tx.acquireWriteLock(n);
            return n;
        }

        @Override
        public void close() {
            cursor.close();
        }
    }
}

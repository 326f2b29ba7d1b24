package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.cypher.Cypher;
import org.mida.server.testing.Backends;
import org.mida.server.testing.Plans;
import org.mida.server.testing.TestServer;
import org.neo4j.driver.summary.Plan;

/**
 * The ingest's statements find every node they touch by its key: their plans seek, never scan an index or a
 * label and never join (a cartesian product of two seeks per row is fine), whatever the batch size, also on a store still filling (index statistics behind the
 * data), where Neo4j planned the workflow feed index's statements as a scan per id (lineage/FeedPlansIT).
 * A scan per row makes a batch cost the size of the store, and plans made in the first seconds stay cached.
 */
@ExtendWith(Backends.class)
class IngestPlansIT {
    private TestServer s;

    @AfterEach
    void stop() {
        if (s != null) s.close();
    }

    static final List<String> STATEMENTS = List.of(
            "create-entities",
            "create-informed-by",
            "create-tasks-versioned",
            "create-tasks",
            "create-versions",
            "create-workflows",
            "delete-origins",
            "link-sub-workflows",
            "lock-field-scopes",
            "merge-agents",
            "merge-campaigns",
            "move-generations",
            "read-campaigns",
            "read-entities",
            "read-observers",
            "read-tasks",
            "read-workflows",
            "rebind-usages",
            "update-entities",
            "update-tasks-versioned",
            "update-tasks",
            "update-versions",
            "update-workflows",
            "upsert-observers");

    @Test
    void every_ingest_statement_seeks_by_key() {
        s = TestServer.start();
        var r = s.post("/api/events", Plans.filledStoreEvents("i-t", 400));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        s.awaitIngested(seconds(60));

        assertThat(scansAndJoins(s, "")).isEmpty();
        // as the server runs them (PerBatch): with CYPHER replan=skip, planned on this store
        assertThat(scansAndJoins(s, PerBatch.PREFIX)).isEmpty();
    }

    /**
     * The server runs these statements with {@code CYPHER replan=skip} ({@link PerBatch}): the plan Neo4j makes
     * the first time, often on the empty store a server starts with (BatchWriter.warmUp), is the plan every
     * later batch runs, however full the store gets. So the plans made on an empty store must seek too (the
     * test above checks those made on a filled one, i.e. what a replan would choose).
     */
    @Test
    void plans_made_on_an_empty_store_seek_by_key() {
        s = TestServer.start();
        assertThat(scansAndJoins(s, PerBatch.PREFIX)).isEmpty();
        assertThat(scansAndJoins(s, "")).isEmpty();
    }

    /** Every scan or join in the plans of every ingest statement, prefixed by {@code preamble}, at 1–5,000 rows. */
    static List<String> scansAndJoins(TestServer s, String preamble) {
        var bad = new ArrayList<String>();
        for (String name : STATEMENTS) {
            String statement = preamble + Cypher.load("ingest/" + name);
            for (int n : new int[] {1, 100, 5_000}) {
                var strings = new ArrayList<String>(n);
                var maps = new ArrayList<Map<String, Object>>(n);
                for (int i = 0; i < n; i++) {
                    strings.add("i-t" + (i % 400));
                    maps.add(Map.of("id", "i-t" + (i % 400)));
                }
                var params = new HashMap<String, Object>();
                for (String p : List.of("ids", "scopes")) params.put(p, strings);
                for (String p : List.of("rows", "tasks", "entities", "versions", "links", "usages", "observers"))
                    params.put(p, maps);
                Plan plan;
                try (var session = s.server().driver().session()) {
                    plan = session.run("EXPLAIN " + statement, params).consume().plan();
                }
                var ops = Plans.operators(plan);
                for (String op : ops)
                    if (op.contains("Scan") || op.contains("Join"))
                        bad.add(name + " (" + n + " rows" + (preamble.isEmpty() ? "" : ", replan=skip") + "): " + op);
            }
        }
        return bad;
    }
}

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

    private static void operators(Plan p, List<String> out) {
        var details = p.arguments().get("Details");
        out.add(p.operatorType() + (details == null ? "" : " " + details.asString()));
        for (Plan c : p.children()) operators(c, out);
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
        var events = new StringBuilder("[");
        for (int i = 0; i < 400; i++) {
            if (i > 0) events.append(',');
            events.append("{\"type\":\"task\",\"task_id\":\"i-t")
                    .append(i)
                    .append("\",\"workflow_id\":\"wf-")
                    .append(i % 4)
                    .append("\",\"campaign_id\":\"c\",\"status\":\"FINISHED\",\"started_at\":")
                    .append(1000 + i)
                    .append(",\"ended_at\":")
                    .append(1000.5 + i)
                    .append(",\"used\":{\"in\":{\"@id\":\"file:///shared/")
                    .append(i % 7)
                    .append("\"},\"raw\":{\"@id\":\"file:///raw/")
                    .append(i)
                    .append("\"}},\"generated\":{\"out\":{\"@id\":\"file:///shared/")
                    .append((i + 3) % 7)
                    .append("\"}}")
                    .append(i > 0 ? ",\"dependencies\":[\"i-t" + (i - 1) + "\"]" : "")
                    .append('}');
        }
        var r = s.post("/api/events", events.append(']').toString());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        s.awaitIngested(seconds(60));

        var bad = new ArrayList<String>();
        for (String name : STATEMENTS) {
            String statement = Cypher.load("ingest/" + name);
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
                var ops = new ArrayList<String>();
                operators(plan, ops);
                for (String op : ops)
                    if (op.contains("Scan") || op.contains("Join")) bad.add(name + " (" + n + " rows): " + op);
            }
        }
        assertThat(bad).isEmpty();
    }
}

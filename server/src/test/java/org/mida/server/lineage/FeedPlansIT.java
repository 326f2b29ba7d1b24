package org.mida.server.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.util.ArrayList;
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
 * The statements the {@link FeedIndex} runs after every committed batch only expand from the batch's tasks:
 * their plans seek the tasks by id and everything else starts from a node already bound. In the ingest
 * benchmark the planner once turned {@code (n)-[:WAS_GENERATED_BY]->(p:Task) WHERE p.workflow_id <> ...}
 * into a scan of the {@code Task.workflow_id} index joined per family (ExpandInto, a hash join): every batch
 * then read every task once per entity family it touched, half the server's CPU during an ingest burst.
 * In a store still filling (index statistics behind the data) it also chose a scan of the task index per id
 * instead of the seek (2 of 5 runs of this test). The statements name no label or property at the far end of
 * a pattern any more and hint the seek (as the columnar mirror's re-read does); this checks their plans for
 * any scan or join, over a store of shared, versioned entities, for batches of 1 to 5,000 tasks.
 */
@ExtendWith(Backends.class)
class FeedPlansIT {
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

    @Test
    void the_per_batch_feed_statements_never_scan_or_join() {
        s = TestServer.start();
        var events = new StringBuilder("[");
        for (int i = 0; i < 400; i++) {
            if (i > 0) events.append(',');
            events.append("{\"type\":\"task\",\"task_id\":\"p-t")
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
                    .append(i > 0 ? ",\"dependencies\":[\"p-t" + (i - 1) + "\"]" : "")
                    .append('}');
        }
        var r = s.post("/api/events", events.append(']').toString());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        s.awaitIngested(seconds(60));

        for (String statement : List.of("lineage/feeds-entities", "lineage/feeds-informed", "query/mirror-tasks")) {
            for (int n : new int[] {1, 100, 5_000}) {
                var ids = new ArrayList<String>(n);
                for (int i = 0; i < n; i++) ids.add("p-t" + (i % 400));
                Plan plan;
                try (var session = s.server().driver().session()) {
                    plan = session.run("EXPLAIN " + Cypher.load(statement), Map.of("ids", ids))
                            .consume()
                            .plan();
                }
                var ops = new ArrayList<String>();
                operators(plan, ops);
                assertThat(ops)
                        .as(statement + " with " + n + " ids: " + ops)
                        .noneMatch(op -> op.contains("Scan")
                                || op.contains("Join")
                                || op.contains("ExpandInto")
                                || op.contains("Expand(Into)")
                                || op.contains("CartesianProduct"));
                assertThat(ops).anyMatch(op -> op.startsWith("NodeUniqueIndexSeek"));
            }
        }
    }
}

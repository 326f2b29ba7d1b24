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
import org.mida.server.testing.Plans;
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

    @Test
    void the_per_batch_feed_statements_never_scan_or_join() {
        s = TestServer.start();
        var r = s.post("/api/events", Plans.filledStoreEvents("p-t", 400));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        s.awaitIngested(seconds(60));

        check(s, "");
        check(s, "CYPHER replan=skip\n");
    }

    /**
     * The server runs these reads with {@code CYPHER replan=skip} ({@code ingest/PerBatch}): the first plan, often
     * made on the empty store a server starts with, is kept however full the store gets. It must seek too.
     */
    @Test
    void plans_made_on_an_empty_store_never_scan_or_join() {
        s = TestServer.start();
        check(s, "CYPHER replan=skip\n");
        check(s, "");
    }

    private static void check(TestServer s, String preamble) {
        for (String statement : List.of("lineage/feeds-entities", "lineage/feeds-informed", "query/mirror-tasks")) {
            for (int n : new int[] {1, 100, 5_000}) {
                var ids = new ArrayList<String>(n);
                for (int i = 0; i < n; i++) ids.add("p-t" + (i % 400));
                Plan plan;
                try (var session = s.server().driver().session()) {
                    plan = session.run(
                                    "EXPLAIN " + preamble + Cypher.load(statement),
                                    Map.of("ids", ids, "cacheFrom", 32L))
                            .consume()
                            .plan();
                }
                var ops = Plans.operators(plan);
                assertThat(ops)
                        .as(preamble + statement + " with " + n + " ids: " + ops)
                        .noneMatch(op -> op.contains("Scan")
                                || op.contains("Join")
                                || op.contains("ExpandInto")
                                || op.contains("Expand(Into)")
                                || op.contains("CartesianProduct"));
                assertThat(ops).anyMatch(op -> op.startsWith("NodeUniqueIndexSeek"));
            }
        }
        // the usages of the members the feed index could not count from what it kept: by element id
        var members = new ArrayList<String>();
        try (var session = s.server().driver().session()) {
            members.addAll(session.run("MATCH (e:Entity) RETURN elementId(e) AS id LIMIT 50")
                    .list(r -> r.get("id").asString()));
        }
        Plan plan;
        try (var session = s.server().driver().session()) {
            plan = session.run(
                            "EXPLAIN " + preamble + Cypher.load("lineage/feeds-member-usages"),
                            Map.of("members", members))
                    .consume()
                    .plan();
        }
        var ops = Plans.operators(plan);
        assertThat(ops)
                .as(preamble + "feeds-member-usages: " + ops)
                .noneMatch(op -> op.contains("Scan") || op.contains("Join") || op.contains("CartesianProduct"));
        assertThat(ops).anyMatch(op -> op.startsWith("NodeByElementIdSeek"));
    }
}

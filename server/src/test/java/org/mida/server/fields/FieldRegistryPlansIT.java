package org.mida.server.fields;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.cypher.Cypher;
import org.mida.server.testing.Backends;
import org.mida.server.testing.Plans;
import org.mida.server.testing.TestServer;
import org.neo4j.driver.Record;

/**
 * The field registry's read ({@code fields/read-registered}, run by the ingest for a scope it has not cached and
 * again under the scope's lock by a batch that registers keys there) seeks its scopes in the {@code (scope, name)}
 * uniqueness constraint's index: as first written ({@code MATCH (f:Field {scope: scope})}) no index covered
 * {@code Field.scope} alone and every read scanned the Field nodes of every campaign (issue 15, mir18). And it
 * reads what the registry holds: every name of the scopes asked for, none of the others.
 */
@ExtendWith(Backends.class)
class FieldRegistryPlansIT {
    private TestServer s;

    @AfterEach
    void stop() {
        if (s != null) s.close();
    }

    @Test
    void the_registry_read_seeks_its_scopes() {
        s = TestServer.start();
        // an empty store first: the plan a server keeps from its start must seek too
        check();
        var events = new StringBuilder("[");
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 20; i++) {
                if (events.length() > 1) events.append(',');
                events.append("{\"type\":\"task\",\"task_id\":\"fr-")
                        .append(c)
                        .append('-')
                        .append(i)
                        .append("\",\"workflow_id\":\"wf-")
                        .append(c)
                        .append("\",\"campaign_id\":\"camp-")
                        .append(c)
                        .append("\",\"status\":\"FINISHED\",\"used\":{\"k")
                        .append(c)
                        .append('_')
                        .append(i)
                        .append("\":1}}");
            }
        var r = s.post("/api/events", events.append(']').toString());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        s.awaitIngested(seconds(60));
        check();

        List<Record> rows;
        try (var session = s.server().driver().session()) {
            rows = session.run(Cypher.load("fields/read-registered"), Map.of("scopes", List.of("c:camp-1", "c:none")))
                    .list();
        }
        assertThat(rows).hasSize(2);
        for (Record row : rows) {
            var names = Set.copyOf(row.get("names").asList(org.neo4j.driver.Value::asString));
            if (row.get("scope").asString().equals("c:none")) assertThat(names).isEmpty();
            else
                assertThat(names)
                        .hasSize(20)
                        .contains("used.k1_0", "used.k1_19")
                        .noneMatch(n -> n.startsWith("used.k0_") || n.startsWith("used.k2_"));
        }
    }

    private void check() {
        for (String preamble : List.of("", "CYPHER replan=skip\n"))
            for (int n : new int[] {1, 100, 5_000}) {
                var scopes = new ArrayList<String>(n);
                for (int i = 0; i < n; i++) scopes.add("c:camp-" + (i % 3));
                List<String> ops;
                try (var session = s.server().driver().session()) {
                    ops = Plans.operators(session.run(
                                    "EXPLAIN " + preamble + Cypher.load("fields/read-registered"),
                                    Map.of("scopes", scopes))
                            .consume()
                            .plan());
                }
                assertThat(ops)
                        .as(n + " scopes: " + ops)
                        .noneMatch(op -> op.contains("Scan") || op.contains("Join"))
                        .anyMatch(op -> op.contains("IndexSeek") && op.contains("Field(scope, name)"));
            }
    }
}

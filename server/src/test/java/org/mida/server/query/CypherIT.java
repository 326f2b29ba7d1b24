package org.mida.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.http.ApiException;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class CypherIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ID = "file:///x/y z#1?q=%41 `'\"ü";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void ingest(String... auth) {
        var post = server.post(
                "/api/events", """
                [{"type":"workflow","workflow_id":"wf/1","campaign_id":"c1","name":"train"},
                 {"type":"task","task_id":"a","workflow_id":"wf/1","campaign_id":"c1","status":"FINISHED",
                  "started_at":1,"ended_at":2,"used":{"lr":0.1,"data":{"@id":"file:///d.h5"}},
                  "generated":{"model":{"@id":"model://m/1"}}},
                 {"type":"task","task_id":"%s","workflow_id":"wf/1","status":"RUNNING","dependencies":["a"]}]
                """.formatted(ID.replace("\\", "\\\\").replace("\"", "\\\"")), auth);
        assertThat(post.status()).as(post.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    private static String body(String query, Map<String, Object> params) {
        try {
            return MAPPER.writeValueAsString(
                    params == null ? Map.of("query", query) : Map.of("query", query, "params", params));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode cypher(String query, Map<String, Object> params) {
        var r = server.post("/api/cypher", body(query, params));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void a_read_with_params_answers_columns_and_rows_with_nodes_relationships_and_paths_as_json() {
        server = TestServer.start();
        ingest();
        JsonNode a = cypher(
                "MATCH p = (t:Task {task_id: $id})-[r:PART_OF]->(w:Workflow) RETURN t, r, p, t.task_id AS id",
                Map.of("id", ID));
        assertThat(a.fieldNames()).toIterable().containsExactly("columns", "rows", "truncated");
        assertThat(a.get("columns")).extracting(JsonNode::asText).containsExactly("t", "r", "p", "id");
        assertThat(a.get("truncated").asBoolean()).isFalse();
        assertThat(a.get("rows")).hasSize(1);
        JsonNode row = a.get("rows").get(0);
        assertThat(row.get("id").asText()).isEqualTo(ID);
        JsonNode t = row.get("t");
        assertThat(t.get("_id").asText()).isEqualTo(ID);
        assertThat(t.get("_labels")).extracting(JsonNode::asText).containsExactlyInAnyOrder("Task", "Activity");
        assertThat(t.get("status").asText()).isEqualTo("RUNNING");
        assertThat(t.has("_json")).isFalse();
        JsonNode r = row.get("r");
        assertThat(r.get("_type").asText()).isEqualTo("PART_OF");
        assertThat(r.get("_start").asText()).isEqualTo(ID);
        assertThat(r.get("_end").asText()).isEqualTo("wf/1");
        JsonNode p = row.get("p");
        assertThat(p).hasSize(3);
        assertThat(p.get(0).get("_id").asText()).isEqualTo(ID);
        assertThat(p.get(1).get("_type").asText()).isEqualTo("PART_OF");
        assertThat(p.get(2).get("_id").asText()).isEqualTo("wf/1");
        assertThat(p.get(2).get("name").asText()).isEqualTo("train");

        JsonNode used = cypher(
                        "MATCH (t:Task {task_id: 'a'})-[u:USED]->(e:Entity) RETURN e, u, t.`used.lr` AS lr", null)
                .get("rows")
                .get(0);
        assertThat(used.get("e").get("_id").asText()).isEqualTo("file:///d.h5");
        assertThat(used.get("u").get("_start").asText()).isEqualTo("a");
        assertThat(used.get("u").get("_end").asText()).isEqualTo("file:///d.h5");
        assertThat(used.get("lr").asDouble()).isEqualTo(0.1);
        // the stored document is still readable when asked for by name
        assertThat(cypher("MATCH (t:Task {task_id: 'a'}) RETURN t._json AS j", null)
                        .get("rows")
                        .get(0)
                        .get("j")
                        .asText())
                .contains("\"task_id\"");
        assertThat(cypher("CALL db.labels() YIELD label RETURN label ORDER BY label", null)
                        .get("rows"))
                .extracting(n -> n.get("label").asText())
                .contains("Task", "Workflow", "Entity");
        assertThat(cypher("SHOW INDEXES YIELD name RETURN name", null).get("rows"))
                .isNotEmpty();
        // virtual nodes and relationships of the schema view have no domain ids: null, never element ids
        JsonNode schema =
                cypher("CALL db.schema.visualization()", null).get("rows").get(0);
        assertThat(schema.get("nodes")).extracting(n -> n.get("name").asText()).contains("Task", "Workflow");
        assertThat(schema.get("relationships"))
                .extracting(n -> n.get("_type").asText())
                .contains("PART_OF");
        assertThat(schema.get("relationships").get(0).get("_start").isNull()).isTrue();
    }

    @Test
    void values_of_every_type_are_serialised() {
        server = TestServer.start();
        JsonNode row = cypher("""
                        RETURN date('2024-01-02') AS d, datetime('2024-01-02T03:04:05Z') AS dt, duration('P1DT2H') AS du,
                               point({x: 1.5, y: 2.0}) AS pt, 0.0 / 0.0 AS nan, [1, 'a', {k: [true, null]}] AS l,
                               {n: 1, m: {x: 'y'}} AS m, $big AS big, $list AS list, null AS nothing""", Map.of("big", 12345678901L, "list", List.of(1, "x")))
                .get("rows")
                .get(0);
        assertThat(row.fieldNames())
                .toIterable()
                .containsExactly("d", "dt", "du", "pt", "nan", "l", "m", "big", "list", "nothing");
        assertThat(row.get("nothing").isNull()).isTrue();
        assertThat(row.get("d").asText()).isEqualTo("2024-01-02");
        assertThat(row.get("dt").asText()).startsWith("2024-01-02T03:04:05Z");
        assertThat(row.get("du").asText()).isEqualTo("P0M1DT7200S");
        assertThat(row.get("pt").asText()).isEqualTo("point({srid: 7203, x: 1.5, y: 2.0})");
        assertThat(row.get("nan").asText()).isEqualTo("NaN");
        assertThat(row.get("l").toString()).isEqualTo("[1,\"a\",{\"k\":[true,null]}]");
        assertThat(row.get("m").get("m").get("x").asText()).isEqualTo("y");
        assertThat(row.get("big").asLong()).isEqualTo(12345678901L);
        assertThat(row.get("list").toString()).isEqualTo("[1,\"x\"]");
    }

    @Test
    void writes_schema_admin_load_csv_and_procedures_are_refused_and_change_nothing() {
        server = TestServer.start();
        ingest();
        long nodes = server.count("MATCH (n) RETURN count(n)");
        long rels = server.count("MATCH ()-[r]->() RETURN count(r)");
        long indexes = server.count("SHOW INDEXES YIELD name RETURN count(name)");
        List<String> refused = List.of(
                "CREATE (n:Evil) RETURN n",
                "MERGE (n:Evil {id: 1}) RETURN n",
                "MATCH (t:Task) SET t.status = 'HACKED' RETURN t",
                "MATCH (n) DETACH DELETE n",
                "MATCH (t:Task) REMOVE t.status RETURN t",
                "CALL { CREATE (n:Evil) } RETURN 1",
                "MATCH (n) CALL (n) { SET n.x = 1 } RETURN n",
                "FOREACH (x IN [1] | CREATE (:Evil))",
                "CREATE INDEX evil FOR (n:Evil) ON (n.y)",
                "DROP INDEX task_status",
                "CREATE USER bob SET PASSWORD 'secret123'",
                "DROP DATABASE neo4j",
                "STOP DATABASE neo4j",
                "SHOW USERS",
                "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
                "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')",
                "CALL db.createLabel('Evil')",
                "CALL dbms.killQueries(['query-1'])",
                "CALL db.awaitIndexes(1)",
                "CALL dbms.components()",
                "RETURN 1 AS x UNION CALL db.createLabel('Evil') RETURN 1 AS x",
                "SHOW TRANSACTIONS",
                "SHOW SETTINGS",
                "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
                "CALL { MATCH (n) RETURN count(n) AS c } IN TRANSACTIONS RETURN c",
                "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
                "EXPLAIN MATCH (n) DETACH DELETE n",
                "PROFILE MATCH (n) RETURN n",
                "MATCH (n RETURN n");
        for (String q : refused) {
            var r = server.post("/api/cypher", body(q, null));
            assertThat(r.status()).as(q + " -> " + r.body()).isIn(400, 403);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.json().get("detail").asText()).as(q).isNotBlank();
        }
        assertThat(server.post("/api/cypher", body("CREATE (n:Evil) RETURN n", null))
                        .json()
                        .get("detail")
                        .asText())
                .contains("writes");
        assertThat(server.post("/api/cypher", body("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", null))
                        .status())
                .isEqualTo(403);
        assertThat(server.post("/api/cypher", body("CALL db.createLabel('Evil')", null))
                        .status())
                .isEqualTo(403);
        assertThat(server.post("/api/cypher", body("MATCH (n RETURN n", null))
                        .json()
                        .get("detail")
                        .asText())
                .contains("Neo4j refused");
        assertThat(server.count("MATCH (n) RETURN count(n)")).isEqualTo(nodes);
        assertThat(server.count("MATCH ()-[r]->() RETURN count(r)")).isEqualTo(rels);
        assertThat(server.count("MATCH (n:Evil) RETURN count(n)")).isZero();
        assertThat(server.count("MATCH (t:Task) WHERE t.status = 'HACKED' OR t.x IS NOT NULL RETURN count(t)"))
                .isZero();
        assertThat(server.count("SHOW INDEXES YIELD name RETURN count(name)")).isEqualTo(indexes);
        // bad bodies
        assertThat(server.post("/api/cypher", "{\"query\": 1}").status()).isEqualTo(400);
        assertThat(server.post("/api/cypher", "{\"query\": \"RETURN 1\", \"params\": [1]}")
                        .status())
                .isEqualTo(400);
        assertThat(server.post("/api/cypher", "{\"query\": \"RETURN 1\", \"extra\": 1}")
                        .status())
                .isEqualTo(400);
        assertThat(server.post("/api/cypher", "nope").status()).isEqualTo(400);
        assertThat(server.get("/api/health").json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    void a_write_that_got_past_the_plan_check_still_fails_in_read_mode() {
        server = TestServer.start();
        // the same reads the server runs, with a plan check that lets everything through
        var reads = new CypherReads(new UserReads(Backends.driver(), 10_000), 100, 16L << 20, plan -> {});
        ApiException e = catchThrowableOfType(
                ApiException.class, () -> reads.read(new CypherRequest("CREATE (n:Evil) RETURN n", Map.of())));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).containsIgnoringCase("read");
        assertThat(server.count("MATCH (n:Evil) RETURN count(n)")).isZero();
    }

    @Test
    void rows_stop_at_the_cap_and_say_truncated() {
        server = TestServer.start(c -> c.withCypherLimits(10_000, 10));
        long t0 = System.nanoTime();
        JsonNode a = cypher("UNWIND range(1, 100000000) AS x RETURN x", null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(a.get("rows")).hasSize(10);
        assertThat(a.get("truncated").asBoolean()).isTrue();
        assertThat(a.get("rows").get(9).get("x").asInt()).isEqualTo(10);
        assertThat(ms).as("the cap stops reading, it does not pull every row").isLessThan(5_000);
        assertThat(a.fieldNames()).toIterable().containsExactly("columns", "rows", "truncated");
        JsonNode exact = cypher("UNWIND range(1, 10) AS x RETURN x", null);
        assertThat(exact.get("rows")).hasSize(10);
        assertThat(exact.get("truncated").asBoolean()).isFalse();
        JsonNode empty = cypher("UNWIND [] AS x RETURN x", null);
        assertThat(empty.fieldNames()).toIterable().containsExactly("columns", "rows", "truncated");
        assertThat(empty.get("columns")).extracting(JsonNode::asText).containsExactly("x");
        assertThat(empty.get("rows")).isEmpty();
        assertThat(empty.get("truncated").isBoolean()).isTrue();
    }

    @Test
    void a_slow_query_is_stopped_at_the_time_limit() {
        server = TestServer.start(c -> c.withCypherLimits(1_000, 100));
        long t0 = System.nanoTime();
        var r = server.post(
                "/api/cypher",
                body(
                        "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b UNWIND range(1, 3000) AS c"
                                + " WITH a, b, c WHERE a * b * c = -1 RETURN count(*) AS n",
                        null));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).as(r.body()).isEqualTo(503);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("1000 ms", "MIDA_CYPHER_TIMEOUT_MS");
        assertThat(ms).isLessThan(15_000);
        assertThat(cypher("RETURN 1 AS one", null).get("rows").get(0).get("one").asInt())
                .isEqualTo(1);
    }

    @Test
    void the_token_is_required_when_configured() {
        server = TestServer.start(c -> c.withApiToken("s3cret"));
        ingest("Authorization", "Bearer s3cret");
        String q = body("MATCH (t:Task) RETURN count(t) AS n", null);
        var none = server.post("/api/cypher", q);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(server.post("/api/cypher", q, "Authorization", "Bearer wrong")
                        .status())
                .isEqualTo(401);
        var ok = server.post("/api/cypher", q, "Authorization", "Bearer s3cret");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("rows").get(0).get("n").asLong()).isEqualTo(2);
        assertThat(server.get("/api/cypher").status()).isEqualTo(401);
    }
}

package org.mida.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.cypher.query.CompiledQuery;
import org.mida.cypher.query.QueryCompiler;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.neo4j.driver.summary.Plan;

@ExtendWith(Backends.class)
class QueryIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final String LISTING_1 = """
            {"projection": ["used.layers", "generated.loss"],
             "aggregation": [["min", "generated.loss"]],
             "filter": {"campaign_id": "my_campaign_1", "generated.loss": {"$lt": 0.5}},
             "sort": [["ended_at", "descending"]],
             "limit": 100}
            """;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void ingest() {
        var post = server.post("/api/events", """
                [{"type":"workflow","workflow_id":"wf-1","campaign_id":"my_campaign_1","name":"train"},
                 {"type":"workflow","workflow_id":"wf-2","campaign_id":"camp-2","name":"other"},
                 {"type":"task","task_id":"a1","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"FINISHED",
                  "hostname":"h1","started_at":1,"ended_at":10,"used":{"layers":2,"opt":{"name":"adam"}},
                  "generated":{"loss":0.40}},
                 {"type":"task","task_id":"a2","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"FINISHED",
                  "hostname":"h1","started_at":2,"ended_at":11,"used":{"layers":2,"opt":{"name":"sgd"}},
                  "generated":{"loss":0.30}},
                 {"type":"task","task_id":"a3","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"FINISHED",
                  "hostname":"h2","started_at":3,"ended_at":30,"used":{"layers":3,"opt":{"name":"adam"}},
                  "generated":{"loss":0.20}},
                 {"type":"task","task_id":"a4","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"FINISHED",
                  "hostname":"h2","started_at":4,"ended_at":40,"used":{"layers":3},"generated":{"loss":0.60}},
                 {"type":"task","task_id":"a5","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"FINISHED",
                  "hostname":"h2","started_at":5,"ended_at":20,"used":{"layers":4},"generated":{"loss":0.45}},
                 {"type":"task","task_id":"a6","workflow_id":"wf-1","campaign_id":"my_campaign_1","status":"RUNNING",
                  "hostname":"h1","started_at":6,"used":{"layers":4},"dependencies":["ghost"]},
                 {"type":"task","task_id":"b1","workflow_id":"wf-2","campaign_id":"camp-2","status":"FINISHED",
                  "hostname":"h3","started_at":7,"ended_at":50,"used":{"layers":2},"generated":{"loss":0.01}}]
                """);
        assertThat(post.status()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    private JsonNode query(String body) {
        var r = server.post("/api/query", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("count").asInt()).isEqualTo(j.get("rows").size());
        return j;
    }

    private static List<String> texts(JsonNode rows, String key) {
        var out = new ArrayList<String>();
        rows.forEach(r -> out.add(r.get(key).isNull() ? null : r.get(key).asText()));
        return out;
    }

    @Test
    void listing_1_gives_the_minimum_loss_per_number_of_layers_latest_groups_first() {
        server = TestServer.start();
        ingest();
        JsonNode rows = query(LISTING_1).get("rows");
        // a4 (loss 0.60) is filtered out, b1 is another campaign; groups by their latest ended_at: 3 (30), 4 (20), 2
        // (11)
        assertThat(rows).hasSize(3);
        assertThat(texts(rows, "used.layers")).containsExactly("3", "4", "2");
        assertThat(rows.get(0).get("min(generated.loss)").asDouble()).isEqualTo(0.20);
        assertThat(rows.get(1).get("min(generated.loss)").asDouble()).isEqualTo(0.45);
        assertThat(rows.get(2).get("min(generated.loss)").asDouble()).isEqualTo(0.30);
        List<String> keys = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("used.layers", "min(generated.loss)");
    }

    @Test
    void projection_sort_limit_and_offset_give_flat_rows_missing_values_last() {
        server = TestServer.start();
        ingest();
        JsonNode page = query("""
                {"projection": ["task_id", "generated.loss", "used.opt.name"],
                 "filter": {"campaign_id": "my_campaign_1"},
                 "sort": [["ended_at", "descending"]], "limit": 3, "offset": 1}
                """).get("rows");
        assertThat(texts(page, "task_id")).containsExactly("a3", "a5", "a2");
        assertThat(page.get(0).get("generated.loss").asDouble()).isEqualTo(0.20);
        assertThat(page.get(0).get("used.opt.name").asText()).isEqualTo("adam");
        assertThat(page.get(1).get("used.opt.name").isNull()).isTrue();
        // a missing value is a null, the key is kept: every row has the projection's keys in order
        for (JsonNode row : page)
            assertThat(row.fieldNames()).toIterable().containsExactly("task_id", "generated.loss", "used.opt.name");
        JsonNode all = query("""
                {"projection": ["task_id"], "filter": {"campaign_id": "my_campaign_1"},
                 "sort": [["ended_at", "descending"]]}
                """).get("rows");
        assertThat(texts(all, "task_id")).containsExactly("a4", "a3", "a5", "a2", "a1", "a6");
        // the placeholder task "ghost" (only a dependency) is not a row; defaults never include _json
        JsonNode defaults = query("{\"sort\": [[\"task_id\", \"ascending\"]]}").get("rows");
        assertThat(texts(defaults, "task_id")).containsExactly("a1", "a2", "a3", "a4", "a5", "a6", "b1");
        assertThat(defaults.get(0).has("_json")).isFalse();
        assertThat(defaults.get(0).get("workflow_id").asText()).isEqualTo("wf-1");
        assertThat(defaults.get(0).get("duration").asDouble()).isEqualTo(9.0);
    }

    @Test
    void operators_filter_as_documented() {
        server = TestServer.start();
        ingest();
        assertThat(ids("{\"generated.loss\": {\"$gte\": 0.3, \"$lte\": 0.45}}")).containsExactly("a1", "a2", "a5");
        assertThat(ids("{\"generated.loss\": {\"$gt\": 0.4, \"$lt\": 0.6}}")).containsExactly("a5");
        assertThat(ids("{\"hostname\": {\"$in\": [\"h3\", \"h2\"]}}")).containsExactly("a3", "a4", "a5", "b1");
        assertThat(ids("{\"hostname\": {\"$nin\": [\"h1\", \"h2\"]}}")).containsExactly("b1");
        assertThat(ids("{\"hostname\": {\"$in\": []}}")).isEmpty();
        assertThat(ids("{\"status\": {\"$ne\": \"FINISHED\"}}")).containsExactly("a6");
        assertThat(ids("{\"generated.loss\": {\"$exists\": false}}")).containsExactly("a6");
        assertThat(ids("{\"ended_at\": null}")).containsExactly("a6");
        assertThat(ids("{\"used.opt.name\": {\"$regex\": \"a.*\"}}")).containsExactly("a1", "a3");
        assertThat(ids("{\"used.opt.name\": {\"$regex\": \"d\"}}")).isEmpty(); // the whole value must match
        assertThat(
                        ids(
                                "{\"$or\": [{\"hostname\": \"h3\"}, {\"$and\": [{\"used.layers\": 4}, {\"status\": \"RUNNING\"}]}]}"))
                .containsExactly("a6", "b1");
        assertThat(ids("{\"used.layers\": 2, \"campaign_id\": \"my_campaign_1\"}"))
                .containsExactly("a1", "a2");
        assertThat(ids("{\"used.layers\": 2.0}")).containsExactly("a1", "a2", "b1");
    }

    private List<String> ids(String filter) {
        return texts(
                query("{\"projection\": [\"task_id\"], \"sort\": [[\"task_id\", \"ascending\"]], \"filter\": " + filter
                                + "}")
                        .get("rows"),
                "task_id");
    }

    @Test
    void group_by_counts_and_averages_per_group_and_sorts_by_an_aggregate() {
        server = TestServer.start();
        ingest();
        JsonNode rows = query("""
                {"aggregation": [["count", "*"], ["avg", "generated.loss"], ["max", "ended_at"]],
                 "group_by": ["hostname"], "filter": {"campaign_id": "my_campaign_1"},
                 "sort": [["count(*)", "descending"], ["hostname", "ascending"]]}
                """).get("rows");
        assertThat(texts(rows, "hostname")).containsExactly("h1", "h2");
        assertThat(rows.get(0).get("count(*)").asLong()).isEqualTo(3);
        assertThat(rows.get(0).get("avg(generated.loss)").asDouble()).isCloseTo(0.35, within());
        assertThat(rows.get(1).get("avg(generated.loss)").asDouble()).isCloseTo((0.2 + 0.6 + 0.45) / 3, within());
        assertThat(rows.get(1).get("max(ended_at)").asDouble()).isEqualTo(40.0);
        JsonNode total = query("{\"aggregation\": [[\"count\", \"*\"], [\"sum\", \"generated.loss\"]]}")
                .get("rows");
        assertThat(total).hasSize(1);
        assertThat(total.get(0).get("count(*)").asLong()).isEqualTo(7);
        JsonNode hosts = query("{\"group_by\": [\"hostname\"], \"sort\": [[\"hostname\", \"asc\"]]}")
                .get("rows");
        assertThat(texts(hosts, "hostname")).containsExactly("h1", "h2", "h3");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    @Test
    void workflows_can_be_queried_and_explain_shows_parameterized_cypher() {
        server = TestServer.start();
        ingest();
        JsonNode a = query("{\"from\": \"workflows\", \"filter\": {\"campaign_id\": \"camp-2\"}, \"explain\": true}");
        assertThat(texts(a.get("rows"), "workflow_id")).containsExactly("wf-2");
        assertThat(a.get("rows").get(0).get("name").asText()).isEqualTo("other");
        assertThat(a.get("cypher").asText())
                .contains("MATCH (n:Workflow)", "n.`campaign_id` = $p0")
                .doesNotContain("camp-2");
        assertThat(a.get("params").get("p0").asText()).isEqualTo("camp-2");
        assertThat(a.fieldNames()).toIterable().containsExactly("rows", "count", "cypher", "params");
        assertThat(a.get("params").fieldNames()).toIterable().containsExactly("p0", "offset", "limit");
        assertThat(a.get("count").asInt()).isEqualTo(1);
        // without explain (or with explain false) the answer is only the rows and their count
        assertThat(query("{\"filter\": {}}").fieldNames()).toIterable().containsExactly("rows", "count");
        assertThat(query("{\"filter\": {}, \"explain\": false}").fieldNames())
                .toIterable()
                .containsExactly("rows", "count");
        JsonNode none = query("{\"filter\": {\"task_id\": \"no such task\"}}");
        assertThat(none.get("rows").isArray()).isTrue();
        assertThat(none.get("rows")).isEmpty();
        assertThat(none.get("count").asInt()).isZero();
    }

    @Test
    void listing_1_over_one_campaign_seeks_the_campaign_index() {
        server = TestServer.start();
        ingest();
        @SuppressWarnings("unchecked")
        Map<String, Object> body;
        try {
            body = MAPPER.readValue(LISTING_1, Map.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        CompiledQuery q = new QueryCompiler(10_000).compile(body);
        try (var s = Backends.driver().session()) {
            Plan plan = s.run("EXPLAIN " + q.cypher(), q.params()).consume().plan();
            List<String> ops = new ArrayList<>();
            collect(plan, ops);
            assertThat(ops)
                    .as(ops.toString())
                    .anyMatch(o -> o.startsWith("NodeIndexSeek") && o.contains("campaign_id"));
            assertThat(ops).noneMatch(o -> o.startsWith("NodeByLabelScan") || o.startsWith("AllNodesScan"));
        }
    }

    private static void collect(Plan p, List<String> out) {
        var details = p.arguments().get("Details");
        out.add(p.operatorType() + " " + (details == null ? "" : details.asString()));
        for (Plan c : p.children()) collect(c, out);
    }

    @Test
    void hostile_queries_are_400_with_a_pointer_and_change_nothing() {
        server = TestServer.start();
        ingest();
        long nodes = server.count("MATCH (n) RETURN count(n)");
        long rels = server.count("MATCH ()-[r]->() RETURN count(r)");
        record Case(String body, String pointer) {}
        List<Case> cases = List.of(
                new Case(
                        "{\"filter\": {\"x` = 1 OR true WITH n MATCH (m) DETACH DELETE m //\": 1}}",
                        "/filter/x` = 1 OR true WITH n MATCH (m) DETACH DELETE m ~1~1"),
                new Case(
                        "{\"filter\": {\"$or\": [{\"a\": 1}, {\"b}) DETACH DELETE n\": {\"$gt\": 1}}]}}",
                        "/filter/$or/1/b}) DETACH DELETE n"),
                new Case("{\"filter\": {\"x\": {\"$where\": \"sleep(1)\"}}}", "/filter/x/$where"),
                new Case(
                        "{\"projection\": [\"task_id\", \"_json` AS x MATCH (n) DETACH DELETE n //\"]}",
                        "/projection/1"),
                new Case("{\"sort\": [[\"ended_at`) DELETE n //\", \"descending\"]]}", "/sort/0/0"),
                new Case("{\"aggregation\": [[\"min\", \"x') DELETE n\"]]}", "/aggregation/0/1"),
                new Case("{\"aggregation\": [[\"apoc.do.it\", \"x\"]]}", "/aggregation/0/0"),
                new Case("{\"group_by\": [\"ü\\u0060x\"]}", "/group_by/0"),
                new Case("{\"from\": \"Task) DETACH DELETE (n\"}", "/from"),
                new Case("{\"limit\": 1000000}", "/limit"),
                new Case("{\"filter\": {\"x\": {\"$regex\": \"(\"}}}", "/filter/x/$regex"));
        for (Case c : cases) {
            var r = server.post("/api/query", c.body());
            assertThat(r.status()).as(c.body()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            JsonNode errors = r.json().get("errors");
            assertThat(errors).as(r.body()).isNotNull();
            assertThat(texts(errors, "pointer")).as(r.body()).contains(c.pointer());
        }
        // hostile values are only values: no match, no harm
        for (String v : List.of(
                "'}) MATCH (n) DETACH DELETE n //", "\\\"}) DETACH DELETE n", "`) DETACH DELETE n //", "ü😀 $p0"))
            assertThat(query("{\"filter\": {\"task_id\": \"" + v + "\", \"hostname\": {\"$in\": [\"" + v + "\"]}}}")
                            .get("rows"))
                    .isEmpty();
        assertThat(server.post("/api/query", "{oops").status()).isEqualTo(400);
        assertThat(server.post("/api/query", "").status()).isEqualTo(400);
        assertThat(server.post("/api/query", "[1]").status()).isEqualTo(400);
        String deep = "{\"$and\": [".repeat(40) + "{\"a\": 1}" + "]}".repeat(40);
        var tooDeep = server.post("/api/query", "{\"filter\": " + deep + "}");
        assertThat(tooDeep.status()).isEqualTo(400);
        assertThat(tooDeep.json().get("detail").asText()).contains("deeper");
        var sumOfStrings = server.post("/api/query", "{\"aggregation\": [[\"sum\", \"hostname\"]]}");
        assertThat(sumOfStrings.status()).isEqualTo(400);
        assertThat(server.count("MATCH (n) RETURN count(n)")).isEqualTo(nodes);
        assertThat(server.count("MATCH ()-[r]->() RETURN count(r)")).isEqualTo(rels);
        assertThat(server.get("/api/health").json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    void query_needs_no_token_but_cypher_does() {
        server = TestServer.start(c -> c.withApiToken("s3cret"));
        ingest_with_token();
        assertThat(query("{\"projection\": [\"task_id\"]}").get("rows")).hasSize(1);
        assertThat(server.post("/api/cypher", "{\"query\": \"RETURN 1\"}").status())
                .isEqualTo(401);
    }

    private void ingest_with_token() {
        var post =
                server.post("/api/events", "{\"type\":\"task\",\"task_id\":\"t\"}", "Authorization", "Bearer s3cret");
        assertThat(post.status()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }
}

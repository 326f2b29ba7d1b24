package org.mida.server.fields;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** Issue 12, item 3: every captured field is queryable, unknown fields are 400s, and flattening stays bounded. */
@ExtendWith(Backends.class)
class FieldsIT {
    private static final String OOM_TRACE =
            "Traceback (most recent call last):\n  File \"train.py\", line 12, in <module>\n    model.fit(x)\n"
                    + "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void post(String events) {
        var r = server.post("/api/events", events);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(60));
    }

    private void ingestRuns() {
        post("""
                [{"type":"workflow","workflow_id":"wf-1","campaign_id":"c1","name":"train",
                  "machine_info":{"gpu":{"model":"A100"}},"custom_metadata":{"owner":"ana"}},
                 {"type":"task","task_id":"r1","workflow_id":"wf-1","campaign_id":"c1","status":"ERROR",
                  "stderr":%s,"stdout":"epoch 1\\nepoch 2\\n","tags":["gpu","nightly"],
                  "telemetry_at_start":{"gpu":{"0":{"used":1024}}},
                  "telemetry_at_end":{"gpu":{"0":{"used":40960}},"cpu":{"percent_all":93.5}},
                  "custom_metadata":{"mlflow.runName":"bold-fox","status":"FAILED"},
                  "used":{"a.b":1,"a":{"b":2}},"generated":{"loss":"NaN"},"ended_at":3},
                 {"type":"task","task_id":"r2","workflow_id":"wf-1","campaign_id":"c1","status":"FINISHED",
                  "stderr":"","stdout":"done","tags":["cpu"],
                  "telemetry_at_end":{"gpu":{"0":{"used":2048}},"cpu":{"percent_all":12.0}},
                  "custom_metadata":{"mlflow.runName":"calm-owl","status":"FINISHED"},
                  "generated":{"loss":0.25},"ended_at":2},
                 {"type":"task","task_id":"r3","workflow_id":"wf-1","campaign_id":"c1","status":"FINISHED",
                  "generated":{"loss":0.5},"ended_at":1},
                 {"type":"task","task_id":"r4","workflow_id":"wf-1","campaign_id":"c1","status":"FINISHED"},
                 {"type":"task","task_id":"o1","workflow_id":"wf-2","campaign_id":"c2","generated":{"accuracy":0.9}}]
                """.formatted(json(OOM_TRACE)));
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private JsonNode rows(String query) {
        var r = server.post("/api/query", query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("rows");
    }

    private List<String> ids(String filter) {
        var out = new ArrayList<String>();
        rows("{\"projection\":[\"task_id\"],\"sort\":[[\"task_id\",\"asc\"]],\"filter\":" + filter + "}")
                .forEach(r -> out.add(r.get("task_id").asText()));
        return out;
    }

    @Test
    void the_dsl_reaches_stderr_telemetry_custom_metadata_tags_and_workflow_fields() {
        server = TestServer.start();
        ingestRuns();
        // the paper's second question: the runs that ended in GPU memory overflow
        assertThat(ids("{\"stderr\":{\"$regex\":\".*CUDA out of memory.*\"}}")).containsExactly("r1");
        assertThat(ids("{\"telemetry_at_end.gpu.0.used\":{\"$gt\":4096}}")).containsExactly("r1");
        assertThat(ids("{\"telemetry_at_start.gpu.0.used\":{\"$exists\":true}}"))
                .containsExactly("r1");
        assertThat(ids("{\"custom_metadata.status\":\"FAILED\"}")).containsExactly("r1");
        // a '.' inside a key is escaped: custom_metadata.mlflow\.runName (in JSON the backslash is doubled)
        assertThat(ids("{\"custom_metadata.mlflow\\\\.runName\":{\"$in\":[\"calm-owl\"]}}"))
                .containsExactly("r2");
        assertThat(ids("{\"tags\":\"nightly\"}")).containsExactly("r1");
        assertThat(ids("{\"tags\":{\"$in\":[\"cpu\",\"x\"]}}")).containsExactly("r2");
        assertThat(ids("{\"stdout\":\"done\"}")).containsExactly("r2");
        // keys that would collide stay distinct
        JsonNode r1 = rows("{\"projection\":[\"used.a\\\\.b\",\"used.a.b\"],\"filter\":{\"task_id\":\"r1\"}}")
                .get(0);
        assertThat(r1.get("used.a\\.b").asInt()).isEqualTo(1);
        assertThat(r1.get("used.a.b").asInt()).isEqualTo(2);
        // workflow fields
        JsonNode wf = rows("{\"from\":\"workflows\",\"projection\":[\"workflow_id\",\"machine_info.gpu.model\","
                + "\"custom_metadata.owner\"],\"filter\":{\"machine_info.gpu.model\":\"A100\"}}");
        assertThat(wf).hasSize(1);
        assertThat(wf.get(0).get("custom_metadata.owner").asText()).isEqualTo("ana");
        // read-only Cypher sees the same properties
        var cypher = server.post("/api/cypher", """
                {"query":"MATCH (t:Task) WHERE t.stderr CONTAINS 'out of memory' RETURN t.task_id AS id, \
                t.`telemetry_at_end.cpu.percent_all` AS cpu, t.`custom_metadata.mlflow\\\\.runName` AS run"}
                """);
        assertThat(cypher.status()).as(cypher.body()).isEqualTo(200);
        JsonNode row = cypher.json().get("rows").get(0);
        assertThat(row.get("id").asText()).isEqualTo("r1");
        assertThat(row.get("cpu").asDouble()).isEqualTo(93.5);
        assertThat(row.get("run").asText()).isEqualTo("bold-fox");
    }

    @Test
    void a_field_the_campaign_has_never_seen_is_a_400_naming_close_matches() {
        server = TestServer.start();
        ingestRuns();
        var r = server.post("/api/query", """
                {"projection":["task_id","generated.los"],"filter":{"campaign_id":"c1"}}
                """);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("type").asText()).endsWith("/problems/invalid-query");
        assertThat(p.get("errors").get(0).get("pointer").asText()).isEqualTo("/projection/1");
        assertThat(p.get("errors").get(0).get("detail").asText())
                .contains("campaign 'c1'")
                .contains("'generated.loss'");
        // a field of another campaign is not one of this campaign's
        var other = server.post("/api/query", "{\"filter\":{\"campaign_id\":\"c1\",\"generated.accuracy\":1}}");
        assertThat(other.status()).isEqualTo(400);
        assertThat(other.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/filter/generated.accuracy");
        // a campaign with no fields at all (here: none by that name) is checked as any campaign
        assertThat(ids("{\"campaign_id\":\"nope\",\"generated.loss\":1}")).isEmpty();
        assertThat(server.post("/api/query", "{\"filter\":{\"campaign_id\":\"nope\",\"generated.los\":1}}")
                        .status())
                .isEqualTo(400);
        // without a campaign, any campaign's fields are known
        assertThat(ids("{\"generated.accuracy\":{\"$gt\":0.5}}")).containsExactly("o1");
        var typo = server.post("/api/query", "{\"sort\":[[\"telemetry_at_end.cpu.percent_al\",\"desc\"]]}");
        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.body()).contains("telemetry_at_end.cpu.percent_all");
    }

    @Test
    void nan_and_missing_values_sort_last_in_both_directions() {
        server = TestServer.start();
        ingestRuns();
        for (String dir : List.of("ascending", "descending")) {
            JsonNode rows = rows("{\"projection\":[\"task_id\",\"generated.loss\"],\"filter\":{\"campaign_id\":\"c1\"},"
                    + "\"sort\":[[\"generated.loss\",\"" + dir + "\"]]}");
            var order = new ArrayList<String>();
            rows.forEach(r -> order.add(r.get("task_id").asText()));
            assertThat(order.subList(0, 2))
                    .containsExactlyElementsOf(dir.equals("ascending") ? List.of("r2", "r3") : List.of("r3", "r2"));
            assertThat(order.subList(2, 4)).containsExactlyInAnyOrder("r1", "r4"); // "NaN" and missing
        }
    }

    @Test
    void api_fields_lists_the_fields_present_with_types_and_counts() {
        server = TestServer.start();
        ingestRuns();
        var r = server.get("/api/fields?campaign_id=c1");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode a = r.json();
        assertThat(a.get("campaign_id").asText()).isEqualTo("c1");
        assertThat(a.get("tasks").asLong()).isEqualTo(4);
        var byName = new java.util.HashMap<String, JsonNode>();
        a.get("fields").forEach(f -> byName.put(f.get("name").asText(), f));
        assertThat(byName.get("task_id").get("count").asLong()).isEqualTo(4);
        assertThat(byName.get("generated.loss").get("count").asLong()).isEqualTo(3);
        assertThat(byName.get("generated.loss").get("types").toString())
                .contains("float")
                .contains("string");
        assertThat(byName.get("tags").get("types").get(0).asText()).isEqualTo("list<string>");
        assertThat(byName.get("telemetry_at_end.gpu.0.used").get("types").get(0).asText())
                .isEqualTo("integer");
        assertThat(byName).containsKey("custom_metadata.mlflow\\.runName").doesNotContainKey("_json");
        assertThat(byName).doesNotContainKey("generated.accuracy");
        var wf = server.get("/api/fields?workflow_id=" + URLEncoder.encode("wf-2", StandardCharsets.UTF_8));
        assertThat(wf.json().get("fields").toString()).contains("generated.accuracy");
        assertThat(server.get("/api/fields").status()).isEqualTo(400);
        assertThat(server.get("/api/fields?campaign_id=c1&workflow_id=wf-1").status())
                .isEqualTo(400);
    }

    private static String manyKeys(String taskId, String prefix, int n) {
        var sb = new StringBuilder("{\"type\":\"task\",\"task_id\":\"" + taskId
                + "\",\"workflow_id\":\"wf-big\",\"campaign_id\":\"big\",\"status\":\"FINISHED\",\"used\":{");
        for (int i = 0; i < n; i++)
            sb.append(i == 0 ? "" : ",")
                    .append("\"")
                    .append(prefix)
                    .append(i)
                    .append("\":")
                    .append(i);
        return sb.append("}}").toString();
    }

    @Test
    void events_with_ten_thousand_and_a_hundred_thousand_new_keys_cost_one_ordinary_batch() {
        server = TestServer.start();
        server.xadd(manyKeys("wide-1", "k", 10_000));
        server.xadd(manyKeys("wide-2", "m", 100_000));
        long t0 = System.nanoTime();
        server.xadd("{\"type\":\"task\",\"task_id\":\"normal\",\"workflow_id\":\"wf-big\",\"campaign_id\":\"big\","
                + "\"used\":{\"k1\":1}}");
        TestServer.await(
                seconds(20),
                "the normal event",
                () -> server.count("MATCH (t:Task {task_id: 'normal'}) RETURN count(t)") == 1);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("ms until the normal event is visible").isLessThan(15_000);
        // the first 500 keys of each are queryable, the others listed as left in the document
        var wide = server.query("MATCH (t:Task {task_id: 'wide-2'}) RETURN size(keys(t)) AS n, t._unindexed AS u,"
                + " t._unindexed_count AS c, t.`used.m0` AS first, t.`used.m99999` AS last");
        assertThat(wide.get(0).get("n").asInt()).isLessThan(520);
        assertThat(wide.get(0).get("c").asLong()).isEqualTo(99_500);
        assertThat(wide.get(0).get("u").asList()).hasSize(100).contains("used.m500");
        assertThat(wide.get(0).get("first").asLong()).isEqualTo(0);
        assertThat(wide.get(0).get("last").isNull()).isTrue();
        // the whole document stays readable
        var task = server.get("/api/tasks/wide-2");
        assertThat(task.status()).isEqualTo(200);
        assertThat(task.body()).contains("\"m99999\":99999");
        assertThat(server.count("MATCH (f:Field {scope: 'c:big'}) RETURN count(f)"))
                .isEqualTo(1_000);
    }

    @Test
    void a_campaign_makes_at_most_its_bound_of_keys_queryable() {
        server = TestServer.start(c -> c.withFieldBounds(3, 4));
        post("""
                [{"type":"task","task_id":"a","campaign_id":"c","used":{"x":1,"y":2,"z":3,"w":4}},
                 {"type":"task","task_id":"b","campaign_id":"c","used":{"x":1,"v":5,"u":6}},
                 {"type":"task","task_id":"d","campaign_id":"other","used":{"v":5}}]
                """);
        var a = server.query(
                "MATCH (t:Task {task_id: 'a'}) RETURN t.`used.x` AS x, t.`used.w` AS w, t._unindexed AS u");
        assertThat(a.get(0).get("x").asInt()).isEqualTo(1);
        assertThat(a.get(0).get("w").isNull()).isTrue();
        assertThat(a.get(0).get("u").asList()).containsExactly("used.w");
        // x y z registered by a, v is the campaign's fourth; u finds no room
        var b = server.query("MATCH (t:Task {task_id: 'b'}) RETURN t.`used.v` AS v, t._unindexed AS u");
        assertThat(b.get(0).get("v").asInt()).isEqualTo(5);
        assertThat(b.get(0).get("u").asList()).containsExactly("used.u");
        assertThat(ids("{\"used.v\":5}")).containsExactly("b", "d");
        assertThat(server.post("/api/query", "{\"filter\":{\"campaign_id\":\"c\",\"used.u\":6}}")
                        .status())
                .isEqualTo(400);
        // a later event of the same task changes nothing it was not asked to
        post("{\"type\":\"task\",\"task_id\":\"b\",\"status\":\"FINISHED\"}");
        var again =
                server.query("MATCH (t:Task {task_id: 'b'}) RETURN t.`used.v` AS v, t._unindexed AS u, t.status AS s");
        assertThat(again.get(0).get("v").asInt()).isEqualTo(5);
        assertThat(again.get(0).get("u").asList()).containsExactly("used.u");
        assertThat(again.get(0).get("s").asString()).isEqualTo("FINISHED");
    }

    @Test
    void a_store_from_before_the_registry_gets_its_fields_registered_at_start() {
        Backends.reset();
        try (var s = Backends.driver().session()) {
            s.run(
                            "CREATE (:Task:Activity {task_id: 'old', campaign_id: 'legacy', status: 'FINISHED',"
                                    + " `used.lr`: 0.1, _json: $json})",
                            java.util.Map.of("json", "{\"type\":\"task\",\"task_id\":\"old\"}"))
                    .consume();
        }
        server = TestServer.startKeepingState(c -> c);
        assertThat(ids("{\"campaign_id\":\"legacy\",\"used.lr\":0.1}")).containsExactly("old");
        assertThat(server.count("MATCH (f:Field {scope: 'c:legacy'}) RETURN count(f)"))
                .isEqualTo(1);
    }
}

package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.EventCodec;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Issue 15: an observer sends a short task's {@code telemetry_at_end} as {@code "=telemetry_at_start"}
 * when it is the start's snapshot. Through the stream, a real server stores and answers the same task as
 * for the event sent in full: the task API, the DSL (both engines) and Cypher on {@code
 * telemetry_at_end.*}, the correlation and the PROV export. A compact form without its start goes to the
 * dead letters with the reason; the other events of its entry are kept.
 */
@ExtendWith(Backends.class)
class CompactTelemetryIT {
    private static final EventCodec CODEC = EventCodec.shared();
    /** {@code DslQueries.ENGINE_PROPERTY}: "cypher" makes the DSL skip the columnar mirror. */
    private static final String ENGINE_PROPERTY = "mida.dsl.engine";

    private TestServer server;

    @AfterEach
    void stop() {
        System.clearProperty(ENGINE_PROPERTY);
        if (server != null) server.close();
    }

    private static Map<String, Object> telemetry(int i) {
        var cpu = new LinkedHashMap<String, Object>();
        cpu.put("percent", 10.0 + i);
        cpu.put("per_cpu", List.of(5.0 + i, 15.0));
        var memory = new LinkedHashMap<String, Object>();
        memory.put("used", 1_000_000L + i * 1_000L);
        memory.put("percent", 40.0 + i / 2.0);
        var t = new LinkedHashMap<String, Object>();
        t.put("cpu", cpu);
        t.put("memory", memory);
        t.put("sampled_at", 1_795_000_000.25 + i);
        return t;
    }

    /**
     * One workflow's events (the same for both forms but for ids): {@code tag} "cmp" sends the end
     * telemetry compact, "ful" in full. Task 3 is two events (RUNNING, then a FINISHED with its start).
     */
    private static String entry(String tag, boolean compact) {
        var events = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 6; i++) {
            var e = new LinkedHashMap<String, Object>();
            e.put("type", "task");
            e.put("task_id", tag + "-" + i);
            e.put("workflow_id", "wf-" + tag);
            e.put("campaign_id", "camp-" + tag);
            e.put("activity_id", i % 2 == 0 ? "train" : "prep");
            e.put("status", "FINISHED");
            e.put("started_at", 1_795_000_000.5 + i);
            e.put("ended_at", 1_795_000_000.501 + i + i / 1000.0);
            e.put("used", Map.of("lr", 0.01 * (i + 1)));
            e.put("generated", Map.of("loss", 1.0 / (i + 1)));
            e.put("telemetry_at_start", telemetry(i));
            e.put("telemetry_at_end", compact ? EventCodec.TELEMETRY_SAME_AS_START : telemetry(i));
            if (i == 3) {
                var running = new LinkedHashMap<String, Object>(e);
                running.put("status", "RUNNING");
                running.remove("ended_at");
                running.remove("generated");
                running.remove("telemetry_at_end");
                events.add(0, running);
            }
            events.add(e);
        }
        return CODEC.toJson(events);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** An answer's text with the compact workflow's ids named as the full one's. */
    private static String asFull(JsonNode answer) {
        return answer.toString().replace("cmp", "ful");
    }

    private JsonNode query(String body, boolean cypher) {
        if (cypher) System.setProperty(ENGINE_PROPERTY, "cypher");
        else System.clearProperty(ENGINE_PROPERTY);
        try {
            var r = server.post("/api/query", body);
            assertThat(r.status()).as(body + " → " + r.body()).isEqualTo(200);
            return r.json().get("rows");
        } finally {
            System.clearProperty(ENGINE_PROPERTY);
        }
    }

    @Test
    void a_compact_end_telemetry_is_stored_and_answered_as_the_full_one() {
        server = TestServer.start();
        String compact = entry("cmp", true), full = entry("ful", false);
        assertThat(compact).contains("\"telemetry_at_end\":\"=telemetry_at_start\"");
        assertThat(compact.length()).isLessThan(full.length());
        server.xadd(compact);
        server.xadd(full);
        server.awaitIngested(seconds(60));
        assertThat(server.get("/api/dead-letters").json().get("total").asLong()).isZero();

        for (int i = 0; i < 6; i++) {
            JsonNode c = server.get("/api/tasks/cmp-" + i).json(),
                    f = server.get("/api/tasks/ful-" + i).json();
            assertThat(c.get("status").asText()).isEqualTo("FINISHED");
            assertThat(c.get("telemetry_at_end")).isEqualTo(c.get("telemetry_at_start"));
            assertThat(c.get("telemetry_at_end").get("cpu").get("percent").asDouble())
                    .isEqualTo(10.0 + i);
            assertThat(asFull(c)).isEqualTo(f.toString());
        }
        // the stored document and the flattened properties, as Cypher sees them
        var rows = server.query(
                "MATCH (t:Task) WHERE t.task_id IN ['cmp-2', 'ful-2'] RETURN t.task_id AS id, t._json AS json,"
                        + " t.`telemetry_at_end.cpu.percent` AS p, t.`telemetry_at_end.memory.used` AS m ORDER BY id");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("json").asString()).doesNotContain("=telemetry_at_start");
        assertThat(rows.get(0).get("json").asString().replace("cmp", "ful"))
                .isEqualTo(rows.get(1).get("json").asString());
        assertThat(rows.get(0).get("p").asDouble())
                .isEqualTo(12.0)
                .isEqualTo(rows.get(1).get("p").asDouble());
        assertThat(rows.get(0).get("m").asLong())
                .isEqualTo(1_002_000L)
                .isEqualTo(rows.get(1).get("m").asLong());

        // the DSL on telemetry_at_end.*, both engines: the same tasks of each workflow
        for (boolean cypher : new boolean[] {true, false}) {
            JsonNode found = query("""
                    {"projection": ["task_id", "telemetry_at_end.cpu.percent", "telemetry_at_end.memory.used"],
                     "filter": {"telemetry_at_end.cpu.percent": {"$gte": 12.0}, "telemetry_at_end.memory.used": {"$lt": 1004500}},
                     "sort": [["task_id", "ascending"]]}""", cypher);
            var ids = new ArrayList<String>();
            found.forEach(r -> ids.add(r.get("task_id").asText()));
            assertThat(ids)
                    .as("cypher " + cypher)
                    .containsExactly("cmp-2", "cmp-3", "cmp-4", "ful-2", "ful-3", "ful-4");
            JsonNode agg = query("""
                    {"aggregation": [["avg", "telemetry_at_end.cpu.percent"], ["max", "telemetry_at_end.memory.percent"]],
                     "group_by": ["workflow_id"], "sort": [["workflow_id", "ascending"]]}""", cypher);
            assertThat(agg).hasSize(2);
            assertThat(asFull(agg.get(0))).isEqualTo(agg.get(1).toString());
        }

        // the correlation (telemetry_at_end.* columns) and the PROV export of each workflow
        JsonNode corrC = server.get("/api/analysis/correlation?status=any&workflow_id=wf-cmp")
                .json();
        JsonNode corrF = server.get("/api/analysis/correlation?status=any&workflow_id=wf-ful")
                .json();
        ((com.fasterxml.jackson.databind.node.ObjectNode) corrC).remove("timing"); // how long it took
        ((com.fasterxml.jackson.databind.node.ObjectNode) corrF).remove("timing");
        assertThat(corrF.toString()).contains("telemetry_at_end.cpu.percent");
        assertThat(asFull(corrC)).isEqualTo(corrF.toString());
        var provC = server.get("/api/prov/workflows/" + enc("wf-cmp"));
        var provF = server.get("/api/prov/workflows/" + enc("wf-ful"));
        assertThat(provC.status()).isEqualTo(200);
        assertThat(provF.body()).contains("telemetry_at_end");
        assertThat(provC.body().replace("cmp", "ful")).isEqualTo(provF.body());
    }

    @Test
    void a_compact_end_telemetry_without_its_start_goes_to_the_dead_letters_with_the_reason() {
        server = TestServer.start();
        server.xadd("[{\"type\":\"task\",\"task_id\":\"lost-start\",\"telemetry_at_end\":\"=telemetry_at_start\"},"
                + "{\"type\":\"task\",\"task_id\":\"odd\",\"telemetry_at_start\":{\"cpu\":{\"percent\":1.0}},"
                + "\"telemetry_at_end\":\"same\"},"
                + "{\"type\":\"task\",\"task_id\":\"kept\",\"telemetry_at_start\":{\"cpu\":{\"percent\":1.0}},"
                + "\"telemetry_at_end\":\"=telemetry_at_start\"}]");
        server.awaitIngested(seconds(60));
        TestServer.await(
                seconds(30),
                "two dead letters",
                () -> server.get("/api/dead-letters").json().get("total").asLong() == 2);
        JsonNode letters = server.get("/api/dead-letters").json().get("letters");
        var reasons = new ArrayList<String>();
        letters.forEach(l -> reasons.add(l.get("reason").asText()));
        assertThat(reasons)
                .anySatisfy(r -> assertThat(r)
                        .contains("\"telemetry_at_end\" is \"=telemetry_at_start\" but the event has no"
                                + " \"telemetry_at_start\" object"))
                .anySatisfy(r -> assertThat(r)
                        .contains("\"telemetry_at_end\" must be an object or \"=telemetry_at_start\", got the"
                                + " string \"same\""));
        assertThat(server.get("/api/tasks/lost-start").status()).isEqualTo(404);
        assertThat(server.get("/api/tasks/odd").status()).isEqualTo(404);
        JsonNode kept = server.get("/api/tasks/kept").json();
        assertThat(kept.get("telemetry_at_end").get("cpu").get("percent").asDouble())
                .isEqualTo(1.0);
        // the HTTP intake decodes with the same codec
        var post = server.post(
                "/api/events", "{\"type\":\"task\",\"task_id\":\"h\",\"telemetry_at_end\":\"=telemetry_at_start\"}");
        assertThat(post.status()).as(post.body()).isEqualTo(400);
        assertThat(post.body()).contains("has no \\\"telemetry_at_start\\\" object");
    }
}

package org.mida.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.EventStream;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.StreamEntryID;

/**
 * Issue 14 item 3 through the real ingest: numeric edge cases and times (kept faithfully or dead-lettered
 * with a reason, never turned into strings), and {@code {"a.b":1,"a":{"b":2}}} as two fields end to end.
 */
@ExtendWith(Backends.class)
class WireValuesIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private List<Map<String, String>> deadLetters() {
        String dead = new EventStream(server.stream()).deadLetterName();
        return server.server().redis().xrange(dead, (StreamEntryID) null, (StreamEntryID) null).stream()
                .map(e -> e.getFields())
                .toList();
    }

    @Test
    void numbers_and_times_through_the_stream_are_kept_or_dead_lettered_with_a_reason() {
        server = TestServer.start();
        server.xadd("""
                [{"type":"task","task_id":"nan","workflow_id":"w","campaign_id":"c","status":"FINISHED",
                  "started_at":10,"ended_at":12,
                  "generated":{"loss":NaN,"hi":Infinity,"lo":-Infinity,"z":-0.0,"max":9223372036854775807}},
                 {"type":"task","task_id":"over","workflow_id":"w","used":{"x":1e400}},
                 {"type":"task","task_id":"bigint","workflow_id":"w","custom_metadata":{"a":{"b":[18446744073709551616]}}},
                 {"type":"task","task_id":"negdur","workflow_id":"w","started_at":20,"ended_at":10},
                 {"type":"task","task_id":"y10k","workflow_id":"w","ended_at":253402300800},
                 {"type":"task","task_id":"negepoch","workflow_id":"w","submitted_at":-1}]""");
        server.awaitIngested(seconds(30));
        // the valid one, faithfully: NaN and infinities as doubles in the graph, never strings
        var props = server.query(
                        "MATCH (t:Task {task_id:'nan'}) RETURN t.`generated.loss` AS loss, t.`generated.hi` AS hi,"
                                + " t.`generated.lo` AS lo, t.`generated.z` AS z, t.`generated.max` AS max,"
                                + " t.duration AS d, t._json AS json")
                .get(0);
        assertThat(props.get("loss").asDouble()).isNaN();
        assertThat(props.get("hi").asDouble()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(props.get("lo").asDouble()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Double.doubleToRawLongBits(props.get("z").asDouble())).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(props.get("max").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(props.get("d").asDouble()).isEqualTo(2.0);
        assertThat(props.get("json").asString()).contains("\"loss\":NaN", "\"hi\":Infinity", "\"lo\":-Infinity");
        // the DSL can find it (NaN is a number, not the string "NaN")
        var q = server.post("/api/query", """
                {"filter":{"generated.hi":{"$gt":1e308}},"projection":["task_id","generated.loss"]}""");
        assertThat(q.status()).as(q.body()).isEqualTo(200);
        assertThat(q.json().get("rows").get(0).get("task_id").asText()).isEqualTo("nan");
        // the invalid ones: each a dead letter with its reason; none in the graph
        assertThat(server.count("MATCH (t:Task) WHERE t.task_id <> 'nan' RETURN count(t)"))
                .isZero();
        var reasons = deadLetters().stream().map(f -> f.get("reason")).toList();
        assertThat(reasons).hasSize(5);
        assertThat(String.join("\n", reasons))
                .contains("1E+400", "/used/x", "64-bit double")
                .contains("18446744073709551616", "/custom_metadata/a/b/0", "64 bits")
                .contains("negative duration")
                .contains("the end of the year 9999")
                .contains("\"submitted_at\" must be a finite, non-negative epoch time");
    }

    @Test
    void post_api_events_refuses_a_batch_with_an_unkeepable_number_and_appends_nothing() {
        server = TestServer.start();
        var r = server.post("/api/events", """
                [{"type":"task","task_id":"a","used":{"x":1}},{"type":"task","task_id":"b","used":{"x":-1e999}}]""");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.body()).contains("64-bit double");
        assertThat(server.server().redis().xlen(server.stream())).isZero();
        var ok = server.post("/api/events", """
                [{"type":"task","task_id":"a","generated":{"loss":NaN}}]""");
        assertThat(ok.status()).as(ok.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        var task = server.get("/api/tasks/a");
        assertThat(task.status()).isEqualTo(200);
        // a JSON answer cannot hold NaN: it says "NaN" (documented), the graph holds the double
        assertThat(task.json().get("generated").get("loss").asText()).isEqualTo("NaN");
        assertThat(server.query("MATCH (t:Task {task_id:'a'}) RETURN t.`generated.loss` AS l")
                        .get(0)
                        .get("l")
                        .asDouble())
                .isNaN();
    }

    @Test
    void a_dotted_key_and_a_nested_key_stay_two_fields_end_to_end() {
        server = TestServer.start();
        var r = server.post("/api/events", """
                [{"type":"task","task_id":"t","workflow_id":"w","campaign_id":"c","status":"FINISHED",
                  "used":{"a.b":1,"a":{"b":2}}}]""");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        var p = server.query("MATCH (t:Task {task_id:'t'}) RETURN t.`used.a\\.b` AS dotted, t.`used.a.b` AS nested")
                .get(0);
        assertThat(p.get("dotted").asLong()).isEqualTo(1);
        assertThat(p.get("nested").asLong()).isEqualTo(2);
        // /api/fields lists both
        var f = server.get("/api/fields?campaign_id=c");
        assertThat(f.status()).as(f.body()).isEqualTo(200);
        var byName = new HashMap<String, JsonNode>();
        f.json().get("fields").forEach(x -> byName.put(x.get("name").asText(), x));
        assertThat(byName).containsKeys("used.a\\.b", "used.a.b");
        // the DSL filters on each, and projects each
        for (var c : Map.of("used.a\\\\.b", 1, "used.a.b", 2).entrySet()) {
            var q = server.post("/api/query", """
                    {"filter":{"%s":%d},"projection":["task_id","%s"]}""".formatted(c.getKey(), c.getValue(), c.getKey()));
            assertThat(q.status()).as(q.body()).isEqualTo(200);
            assertThat(q.json().get("count").asInt()).as(c.getKey()).isEqualTo(1);
            var wrong = server.post("/api/query", """
                    {"filter":{"%s":%d}}""".formatted(c.getKey(), 3 - c.getValue()));
            assertThat(wrong.json().get("count").asInt())
                    .as(c.getKey() + " other value")
                    .isZero();
        }
        // read-only Cypher names them as properties
        var cy = server.post("/api/cypher", """
                {"query":"MATCH (t:Task) RETURN t.`used.a\\\\.b` AS dotted, t.`used.a.b` AS nested"}""");
        assertThat(cy.status()).as(cy.body()).isEqualTo(200);
        assertThat(cy.json().get("rows").get(0).get("dotted").asInt()).isEqualTo(1);
        assertThat(cy.json().get("rows").get(0).get("nested").asInt()).isEqualTo(2);
        assertThat(MAPPER).isNotNull();
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

@ExtendWith(Backends.class)
class IngestIT {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    static String running(String id, String wf, double start, String... usedIds) {
        var used = new StringJoiner(",");
        used.add("\"lr\":0.01").add("\"layers\":[64,32]").add("\"optimizer\":{\"name\":\"adam\",\"beta\":0.9}");
        for (int i = 0; i < usedIds.length; i++)
            used.add("\"in" + i + "\":{\"@id\":" + q(usedIds[i]) + ",\"@type\":\"dataset\"}");
        return "{\"type\":\"task\",\"task_id\":" + q(id) + ",\"workflow_id\":" + q(wf)
                + ",\"campaign_id\":\"camp\",\"activity_id\":\"train\",\"status\":\"RUNNING\",\"started_at\":" + start
                + ",\"hostname\":\"node-1\",\"used\":{" + used
                + "},\"telemetry_at_start\":{\"cpu\":{\"percent\":12.5}}}";
    }

    static String finished(String id, double end, String generatedId) {
        return "{\"type\":\"task\",\"task_id\":" + q(id) + ",\"status\":\"FINISHED\",\"ended_at\":" + end
                + ",\"generated\":{\"loss\":0.25,\"model\":{\"@id\":" + q(generatedId)
                + ",\"@type\":\"model\",\"epochs\":3}}}";
    }

    static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String array(List<String> events) {
        return "[" + String.join(",", events) + "]";
    }

    @Test
    void events_become_a_prov_graph() {
        server = TestServer.start();
        server.xadd("{\"type\":\"workflow\",\"workflow_id\":\"wf-a\",\"campaign_id\":\"camp\",\"name\":\"preprocess\","
                + "\"started_at\":1.0}");
        server.xadd(array(List.of(
                running("t1", "wf-a", 10, "file:///raw/scan_1.h5"), finished("t1", 11, "file:///clean/scan_1.h5"))));
        // a second workflow uses t1's output: lineage crosses the workflow boundary through one entity
        server.xadd(array(List.of(
                running("t2", "wf-b", 20, "file:///clean/scan_1.h5", "file:///raw/labels.csv"),
                "{\"type\":\"task\",\"task_id\":\"t2\",\"dependencies\":[\"t1\"],\"user\":\"alice\"}",
                finished("t2", 25, "model://unet/1"))));
        server.awaitIngested(seconds(30));

        assertThat(server.count("MATCH (t:Task:Activity) RETURN count(t)")).isEqualTo(2);
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(4);
        assertThat(server.count(
                        "MATCH (:Task {task_id:'t2'})-[:USED {role:'in0'}]->(:Entity {id:'file:///clean/scan_1.h5'})"
                                + "-[:WAS_GENERATED_BY {role:'model'}]->(:Task {task_id:'t1'}) RETURN count(*)"))
                .isEqualTo(1);
        assertThat(server.count(
                        "MATCH (:Task {task_id:'t2'})-[:WAS_INFORMED_BY]->(:Task {task_id:'t1'}) RETURN count(*)"))
                .isEqualTo(1);
        assertThat(server.count(
                        "MATCH (:Task {task_id:'t1'})-[:PART_OF]->(:Workflow:Activity {workflow_id:'wf-a', name:'preprocess'})"
                                + "-[:PART_OF]->(:Campaign {campaign_id:'camp'}) RETURN count(*)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (:Task {task_id:'t2'})-[:PART_OF]->(w:Workflow {workflow_id:'wf-b'})"
                        + "-[:PART_OF]->(:Campaign {campaign_id:'camp'}) RETURN count(*)"))
                .as("a workflow named only by its tasks takes the tasks' campaign")
                .isEqualTo(1);
        assertThat(server.count("MATCH (:Task {task_id:'t2'})-[:WAS_ASSOCIATED_WITH]->(a:Agent) RETURN count(a)"))
                .isEqualTo(2);
        // flattened properties for analytics, the typed values kept
        var t1 = server.query("MATCH (t:Task {task_id:'t1'}) RETURN t")
                .get(0)
                .get("t")
                .asNode();
        assertThat(t1.get("used.lr").asDouble()).isEqualTo(0.01);
        assertThat(t1.get("used.layers").asList()).containsExactly(64L, 32L);
        assertThat(t1.get("used.optimizer.name").asString()).isEqualTo("adam");
        assertThat(t1.get("used.in0").asString()).isEqualTo("file:///raw/scan_1.h5");
        assertThat(t1.get("generated.loss").asDouble()).isEqualTo(0.25);
        assertThat(t1.get("duration").asDouble()).isEqualTo(1.0);
        assertThat(t1.get("status").asString()).isEqualTo("FINISHED");
        var model = server.query("MATCH (e:Entity {id:'model://unet/1'}) RETURN e")
                .get(0)
                .get("e")
                .asNode();
        assertThat(model.get("type").asString()).isEqualTo("model");
        assertThat(model.get("epochs").asLong()).isEqualTo(3);

        // the task as sent, merged, maps intact
        JsonNode task = server.get("/api/tasks/t2").json();
        assertThat(task.get("status").asText()).isEqualTo("FINISHED");
        assertThat(task.get("used").get("optimizer").get("name").asText()).isEqualTo("adam");
        assertThat(task.get("used").get("in1").get("@id").asText()).isEqualTo("file:///raw/labels.csv");
        assertThat(task.get("generated").get("model").get("epochs").asInt()).isEqualTo(3);
        assertThat(task.get("telemetry_at_start").get("cpu").get("percent").asDouble())
                .isEqualTo(12.5);
        assertThat(task.get("dependencies").get(0).asText()).isEqualTo("t1");
        assertThat(task.get("duration").asDouble()).isEqualTo(5.0);
    }

    @Test
    void running_and_finished_merge_in_either_order_and_across_batches() {
        server = TestServer.start(c -> c.withIngest(50, "test-consumer", 60_000));
        var events = new ArrayList<String>();
        for (int i = 0; i < 300; i++) {
            String id = "task-" + i;
            String r = running(id, "wf", 100 + i, "file:///in/" + (i % 7));
            String f = finished(id, 200 + i, "file:///out/" + i);
            if (i % 3 == 0) {
                events.add(f);
                events.add(r);
            } else {
                events.add(r);
                events.add(f);
            }
        }
        // late, stale events must not move anything back, nor overwrite a final value (an intermediate loss)
        for (int i = 0; i < 300; i += 10)
            events.add("{\"type\":\"task\",\"task_id\":\"task-" + i + "\",\"status\":\"RUNNING\",\"started_at\":"
                    + (150 + i) + ",\"ended_at\":" + (1 + i) + ",\"generated\":{\"loss\":0.9}}");
        for (String e : events) server.xadd(e); // one event per entry: pairs land in different batches
        server.awaitIngested(seconds(60));

        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(300);
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) RETURN count(t)"))
                .isEqualTo(300);
        assertThat(server.count("MATCH (t:Task) WHERE t.started_at = 100.0 + toInteger(substring(t.task_id, 5))"
                        + " AND t.ended_at = 200.0 + toInteger(substring(t.task_id, 5)) AND t.duration = 100.0"
                        + " AND t.`used.lr` = 0.01 AND t.`generated.loss` = 0.25 RETURN count(t)"))
                .isEqualTo(300);
        assertThat(server.count("MATCH (:Task)-[r:USED]->(:Entity) RETURN count(r)"))
                .isEqualTo(300);
        assertThat(server.count("MATCH (:Entity)-[r:WAS_GENERATED_BY]->(:Task) RETURN count(r)"))
                .isEqualTo(300);
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(307);
    }

    @Test
    void nine_thousand_tasks_with_duplicates_out_of_order_and_malformed_events_give_nine_thousand_tasks() {
        server = TestServer.start();
        var rnd = new Random(42);
        var events = new ArrayList<String>();
        for (int i = 0; i < 9000; i++) {
            String id = "job-" + i;
            String r = running(id, "wf-" + (i % 3), i, "file:///shared/" + (i % 100));
            String f = finished(id, i + 0.5, "file:///result/" + i);
            if (i % 5 == 0) { // a fifth out of order
                events.add(f);
                events.add(r);
            } else {
                events.add(r);
                events.add(f);
            }
            if (i % 11 == 0) events.add(r); // some duplicated
            if (i % 13 == 0) events.add(f);
        }
        // neighbours swap now and then, as they would from several observers
        for (int i = 0; i + 1 < events.size(); i += 1 + rnd.nextInt(40)) Collections.swap(events, i, i + 1);
        int dead = 0;
        var batch = new ArrayList<String>();
        for (int i = 0; i < events.size(); i++) {
            batch.add(events.get(i));
            if (i % 997 == 0) {
                batch.add("{\"type\":\"task\",\"task_id\":42}"); // wrong type, inside a good batch
                dead++;
            }
            if (batch.size() >= 100) {
                server.xadd(array(batch));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) server.xadd(array(batch));
        server.xadd("this is not json");
        dead++;
        // the whole stream once more: at-least-once delivery must not duplicate anything
        for (int i = 0; i < events.size(); i += 500)
            server.xadd(array(events.subList(i, Math.min(i + 500, events.size()))));
        server.awaitIngested(seconds(120));

        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(9000);
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) WHERE t.duration = 0.5 RETURN count(t)"))
                .isEqualTo(9000);
        assertThat(server.count("MATCH (:Task)-[r:USED]->() RETURN count(r)")).isEqualTo(9000);
        assertThat(server.count("MATCH ()-[r:WAS_GENERATED_BY]->(:Task) RETURN count(r)"))
                .isEqualTo(9000);
        assertThat(server.count("MATCH (t:Task)-[r:PART_OF]->(:Workflow) RETURN count(r)"))
                .isEqualTo(9000);
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(9100);
        JsonNode health = server.get("/api/health").json();
        assertThat(health.get("dead_letters").asLong()).isEqualTo(dead);
        assertThat(health.get("pending").asLong()).isZero();
        assertThat(health.get("status").asText()).isEqualTo("ok");
    }

    @Test
    void post_api_events_answers_accepted_stream_and_entry_id_and_refuses_a_bad_batch_whole() {
        server = TestServer.start();
        var batch = server.post(
                "/api/events", array(List.of(running("e1", "wf-e", 1.0), finished("e1", 2.0, "file:///m"))));
        assertThat(batch.status()).as(batch.body()).isEqualTo(202);
        JsonNode a = batch.json();
        assertThat(a.fieldNames()).toIterable().containsExactly("accepted", "stream", "entry_id");
        assertThat(a.get("accepted").asInt()).isEqualTo(2);
        assertThat(a.get("stream").asText()).isEqualTo(server.stream());
        assertThat(a.get("entry_id").asText()).matches("\\d+-\\d+");

        var one = server.post("/api/events", "{\"type\":\"task\",\"task_id\":\"e2\"}");
        assertThat(one.status()).as(one.body()).isEqualTo(202);
        assertThat(one.json().fieldNames()).toIterable().containsExactly("accepted", "stream", "entry_id");
        assertThat(one.json().get("accepted").asInt()).isEqualTo(1);
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task) WHERE t.task_id IN ['e1', 'e2'] RETURN count(t)"))
                .isEqualTo(2);

        var bad = server.post("/api/events", "[{\"type\":\"task\",\"task_id\":\"e3\"},{\"type\":\"rocket\"}]");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");
        assertThat(bad.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/1");
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {task_id: 'e3'}) RETURN count(t)"))
                .isZero();
    }

    @Test
    void a_task_event_naming_another_workflow_than_its_task_is_dead_lettered_and_the_rest_applied() {
        server = TestServer.start();
        server.xadd(running("t1", "wf-a", 10));
        server.awaitIngested(seconds(30));
        StreamEntryID second = server.xadd(array(List.of(
                "{\"type\":\"task\",\"task_id\":\"t1\",\"workflow_id\":\"wf-b\",\"status\":\"ERROR\"}",
                "{\"type\":\"task\",\"task_id\":\"t2\",\"workflow_id\":\"wf-b\",\"status\":\"RUNNING\"}",
                finished("t1", 20, "model://t1"),
                // in one batch: the first workflow named wins
                "{\"type\":\"task\",\"task_id\":\"t3\",\"workflow_id\":\"wf-x\",\"status\":\"RUNNING\"}",
                "{\"type\":\"task\",\"task_id\":\"t3\",\"workflow_id\":\"wf-y\",\"status\":\"FINISHED\"}")));
        server.awaitIngested(seconds(30));
        // the same mismatch through POST /api/events: accepted there (it is valid JSON), refused by the ingest
        var posted = server.post("/api/events", "{\"type\":\"task\",\"task_id\":\"t2\",\"workflow_id\":\"wf-a\"}");
        assertThat(posted.status()).as(posted.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));

        JsonNode t1 = server.get("/api/tasks?id=t1").json();
        assertThat(t1.get("workflow_id").asText()).isEqualTo("wf-a");
        assertThat(t1.get("status").asText())
                .as("the event without a workflow applies")
                .isEqualTo("FINISHED");
        assertThat(server.count("MATCH (:Task {task_id:'t1'})-[:PART_OF]->(w:Workflow) RETURN count(w)"))
                .isEqualTo(1);
        assertThat(server.get("/api/tasks?id=t2").json().get("workflow_id").asText())
                .isEqualTo("wf-b");
        JsonNode t3 = server.get("/api/tasks?id=t3").json();
        assertThat(t3.get("workflow_id").asText()).isEqualTo("wf-x");
        assertThat(t3.get("status").asText()).isEqualTo("RUNNING");
        assertThat(server.get("/api/workflows?id=wf-y").status()).isEqualTo(404);

        var dead = server.server().redis().xrange(server.config().deadLetterStream(), "-", "+", 100);
        assertThat(dead).hasSize(3);
        assertThat(dead.get(0).getFields())
                .containsEntry("source_id", second.toString())
                .containsEntry(
                        "reason",
                        "task \"t1\" belongs to workflow \"wf-a\"; this event names \"wf-b\" (a task belongs to one"
                                + " workflow: send it with that workflow_id or none, or use a new task_id)");
        assertThat(dead.get(0).getFields().get("event")).contains("\"ERROR\"");
        assertThat(dead.get(1).getFields().get("reason"))
                .startsWith("task \"t3\" belongs to workflow \"wf-x\"; this event names \"wf-y\"");
        assertThat(dead.get(2).getFields().get("reason"))
                .startsWith("task \"t2\" belongs to workflow \"wf-b\"; this event names \"wf-a\"");
        assertThat(server.get("/api/health").json().get("dead_letters").asLong())
                .isEqualTo(3);
    }

    @Test
    void malformed_events_go_to_the_dead_letter_stream_with_a_reason_and_lose_nothing_else() {
        server = TestServer.start();
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String hostile = "x') DETACH DELETE n //`\"";
        List<String> bad = List.of(
                "not json at all {",
                "{\"type\":\"rocket\",\"task_id\":\"r1\"}",
                "{\"type\":\"task\",\"task_id\":\"t-bad-time\",\"started_at\":\"yesterday\"}",
                "{\"type\":\"task\",\"task_id\":\"t-bad-used\",\"used\":[1,2]}",
                "{\"type\":\"task\",\"task_id\":\"t-bad-status\",\"status\":\"DONE-ISH\"}",
                "{\"type\":\"task\"}",
                "{\"type\":\"task\",\"task_id\":\"t-bad-ref\",\"used\":{\"x\":{\"@id\":7}}}",
                deep,
                "[]",
                "42");
        for (String b : bad) server.xadd(b);
        server.server().redis().xadd(server.stream(), StreamEntryID.NEW_ENTRY, Map.of("not-event", "x"));
        // good events with hostile ids and keys, in the same entry as a bad one
        server.xadd(array(List.of(
                "{\"type\":\"task\",\"task_id\":" + q(hostile) + ",\"workflow_id\":"
                        + q("wf`}) MATCH (n) DETACH DELETE n")
                        + ",\"status\":\"FINISHED\",\"used\":{\"k`ey\\\"} DELETE\":1,\"file\":{\"@id\":"
                        + q(hostile + "/f")
                        + "}}}",
                "{\"type\":\"task\",\"task_id\":\"with space/and#hash?q=%20 ü\",\"status\":\"RUNNING\"}",
                "{\"type\":\"task\",\"task_id\":null}")));
        server.awaitIngested(seconds(30));

        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(2);
        assertThat(server.count(
                        "MATCH (t:Task {task_id:$id}) WHERE t.`used.k``ey\"} DELETE` = 1 RETURN count(t)",
                        "id",
                        hostile))
                .isEqualTo(1);
        assertThat(server.count("MATCH (e:Entity {id:$id}) RETURN count(e)", "id", hostile + "/f"))
                .isEqualTo(1);
        var dead = server.server().redis().xrange(server.config().deadLetterStream(), "-", "+", 100);
        assertThat(dead).hasSize(bad.size() + 2);
        assertThat(dead).allSatisfy(e -> {
            assertThat(e.getFields().get("reason")).isNotBlank();
            assertThat(e.getFields()).containsKeys("source_id", "event");
        });
        assertThat(dead.stream().map(e -> e.getFields().get("reason")))
                .anyMatch(r -> r.contains("not valid JSON"))
                .anyMatch(r -> r.contains("unknown \"type\": \"rocket\""))
                .anyMatch(r -> r.contains("started_at"))
                .anyMatch(r -> r.contains("\"used\" must be an object"))
                .anyMatch(r -> r.contains("DONE-ISH"))
                .anyMatch(r -> r.contains("\"task_id\" is required"))
                .anyMatch(r -> r.contains("nesting depth") || r.contains("depth"))
                .anyMatch(r -> r.contains("no \"event\" field"));
        assertThat(server.get("/api/health").json().get("status").asText()).isEqualTo("ok");
        assertThat(server.get("/api/tasks?id="
                                + java.net.URLEncoder.encode(hostile, java.nio.charset.StandardCharsets.UTF_8))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void entries_left_pending_by_a_dead_consumer_are_claimed_and_ingested_once() {
        server = TestServer.start(c -> c.withIngest(1000, "test-consumer", 300));
        String stream = server.stream();
        server.close(); // the group exists; now a consumer reads entries and dies before acknowledging
        server = null;
        try (var redis = new redis.clients.jedis.JedisPooled(java.net.URI.create(Backends.redisUri()))) {
            for (int i = 0; i < 50; i++)
                redis.xadd(
                        stream,
                        StreamEntryID.NEW_ENTRY,
                        Map.of(
                                "event",
                                array(List.of(
                                        running("c-" + i, "wf", i), finished("c-" + i, i + 1, "file:///o/" + i)))));
            var got = redis.xreadGroup(
                    "mida-ingest",
                    "crashed-consumer",
                    XReadGroupParams.xReadGroupParams().count(100),
                    Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            assertThat(got.get(0).getValue()).hasSize(50);
            assertThat(redis.xpending(stream, "mida-ingest").getTotal()).isEqualTo(50);
        }

        server = TestServer.startKeepingState(c -> c.withIngest(1000, "test-consumer", 300));
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) RETURN count(t)"))
                .isEqualTo(50);
        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(50);
        assertThat(server.get("/metrics").body()).contains("mida_ingest_claimed_total 50");
    }
}

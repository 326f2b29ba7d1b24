package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.CachedJsonMap;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Issue 15: inside one array entry, an observer sends a start telemetry snapshot that an earlier element
 * carries in full as {@code "telemetry_at_start": "=[k]"}. Through the Java emitter (straight, and spilled
 * to disk then replayed), a real server stores every task with the full snapshot: the flattened {@code
 * telemetry_at_start.*} properties and {@code _json} are those of an event sent in full. A refused element
 * is dead-lettered with the snapshot itself (replayable alone); a marker outside an array is refused.
 */
@ExtendWith(Backends.class)
class SharedStartTelemetryIT {

    @TempDir
    Path tmp;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** A sampler-shaped snapshot (sections are cached JSON, as {@code Telemetry} makes them). */
    private static CachedJsonMap snapshot(int i) {
        var cpu = new LinkedHashMap<String, Object>();
        cpu.put("percent", 10.0 + i);
        cpu.put("per_cpu", List.of(5.0 + i, 15.0));
        var s = new LinkedHashMap<String, Object>();
        s.put("cpu", CachedJsonMap.of(cpu));
        s.put("memory", CachedJsonMap.of(Map.of("used", 1_000_000L + i)));
        s.put("sampled_at", 1_795_000_000.25 + i);
        return CachedJsonMap.of(s);
    }

    /** 40 tasks, RUNNING then FINISHED, sharing two snapshots (20 tasks each), the end the start's. */
    private static List<TaskEvent> events(String tag) {
        var out = new ArrayList<TaskEvent>();
        CachedJsonMap a = snapshot(1), b = snapshot(2);
        for (int i = 0; i < 40; i++) {
            CachedJsonMap s = i < 20 ? a : b;
            var base = TaskEvent.builder(tag + "-" + i)
                    .workflowId("wf-" + tag)
                    .activityId("work")
                    .startedAt(1_795_000_000.5 + i)
                    .telemetryAtStart(s);
            out.add(base.status(Status.RUNNING).build());
            out.add(base.status(Status.FINISHED)
                    .endedAt(1_795_000_000.501 + i)
                    .telemetryAtEnd(s)
                    .build());
        }
        return out;
    }

    private EmitterConfig.Builder config(String uri, boolean compact) {
        return EmitterConfig.builder().redisUri(uri).stream(server.stream())
                .spillDir(tmp.resolve("spill"))
                .maxAgeMillis(20)
                .maxBatch(1000)
                .eventsPerEntry(500)
                .retryMillis(100)
                .compactTelemetry(compact);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Each task's stored flattened telemetry and {@code _json}, by task id suffix. */
    private Map<String, String> stored(String tag) {
        var out = new LinkedHashMap<String, String>();
        for (var r : server.query(
                "MATCH (t:Task) WHERE t.workflow_id = $wf RETURN t.task_id AS id, t._json AS json,"
                        + " t.`telemetry_at_start.cpu.percent` AS p, t.`telemetry_at_start.memory.used` AS m,"
                        + " t.`telemetry_at_end.cpu.percent` AS e ORDER BY id",
                "wf",
                "wf-" + tag)) {
            out.put(
                    r.get("id").asString().substring(tag.length()),
                    r.get("p").asDouble() + " " + r.get("m").asLong() + " "
                            + r.get("e").asDouble() + " "
                            + r.get("json").asString().replace(tag, "TAG"));
        }
        return out;
    }

    @Test
    void tasks_whose_start_snapshot_is_an_earlier_elements_are_stored_as_sent_in_full_straight_and_after_a_spill()
            throws Exception {
        server = TestServer.start();
        // the compact form straight to the server, and in full (the setting off)
        Emitter compact = config(Backends.redisUri(), true).start();
        events("cmp").forEach(compact::emit);
        compact.close();
        Emitter full = config(Backends.redisUri(), false).start();
        events("ful").forEach(full::emit);
        full.close();
        // the compact form spilled by an emitter without Redis, replayed by the next one
        Emitter offline = config("redis://127.0.0.1:" + closedPort(), true).start();
        events("spl").forEach(offline::emit);
        offline.close();
        assertThat(offline.stats().spilled()).isEqualTo(80);
        try (var files = Files.list(tmp.resolve("spill"))) {
            Path spill = files.findFirst().orElseThrow();
            assertThat(Files.readString(spill)).contains("\"telemetry_at_start\":\"=[0]\"");
        }
        Emitter online = config(Backends.redisUri(), true).start();
        online.close();
        assertThat(online.stats().replayed()).isEqualTo(80);

        // what went over the wire: markers in the compact entries, none in the full ones
        var texts = new ArrayList<String>();
        try (Jedis j = new Jedis(URI.create(Backends.redisUri()))) {
            for (StreamEntry e : j.xrange(server.stream(), (StreamEntryID) null, (StreamEntryID) null))
                texts.add(e.getFields().get("event"));
        }
        assertThat(texts).anySatisfy(t -> assertThat(t).contains("cmp-").contains("\"=[0]\""));
        assertThat(texts).anySatisfy(t -> assertThat(t).contains("ful-").doesNotContain("\"=["));

        server.awaitIngested(seconds(60));
        assertThat(server.get("/api/dead-letters").json().get("total").asLong()).isZero();
        Map<String, String> ful = stored("ful");
        assertThat(ful).hasSize(40);
        assertThat(ful.get("-0")).startsWith("11.0 1000001 11.0 ");
        assertThat(ful.get("-39")).startsWith("12.0 1000002 12.0 ");
        assertThat(ful.get("-39")).contains("\"telemetry_at_start\":{\"cpu\":{\"percent\":12.0");
        assertThat(stored("cmp")).isEqualTo(ful);
        assertThat(stored("spl")).isEqualTo(ful);
        JsonNode task = server.get("/api/tasks/cmp-7").json();
        assertThat(task.get("telemetry_at_start").get("cpu").get("percent").asDouble())
                .isEqualTo(11.0);
        assertThat(task.get("telemetry_at_end")).isEqualTo(task.get("telemetry_at_start"));
    }

    @Test
    void a_refused_element_is_dead_lettered_with_the_snapshot_and_a_marker_outside_an_array_is_refused() {
        server = TestServer.start();
        server.xadd("[{\"type\":\"task\",\"task_id\":\"first\",\"status\":\"DONE\","
                + "\"telemetry_at_start\":{\"cpu\":{\"percent\":3.5}}},"
                + "{\"type\":\"task\",\"task_id\":\"kept\",\"telemetry_at_start\":\"=[0]\"},"
                + "{\"type\":\"task\",\"task_id\":\"bad-time\",\"started_at\":-1,\"telemetry_at_start\":\"=[0]\"},"
                + "{\"type\":\"task\",\"task_id\":\"ahead\",\"telemetry_at_start\":\"=[9]\"}]");
        server.awaitIngested(seconds(60));
        TestServer.await(
                seconds(30),
                "three dead letters",
                () -> server.get("/api/dead-letters").json().get("total").asLong() == 3);
        // element 0 is refused (its status), its sound snapshot still serves element 1
        JsonNode kept = server.get("/api/tasks/kept").json();
        assertThat(kept.get("telemetry_at_start").get("cpu").get("percent").asDouble())
                .isEqualTo(3.5);
        assertThat(server.query("MATCH (t:Task {task_id: 'kept'}) RETURN t.`telemetry_at_start.cpu.percent` AS p")
                        .get(0)
                        .get("p")
                        .asDouble())
                .isEqualTo(3.5);
        var byReason = new LinkedHashMap<String, String>();
        server.get("/api/dead-letters")
                .json()
                .get("letters")
                .forEach(l ->
                        byReason.put(l.get("reason").asText(), l.get("event").asText()));
        assertThat(byReason.keySet())
                .anySatisfy(r -> assertThat(r).startsWith("[0] unknown \"status\""))
                .anySatisfy(r -> assertThat(r).startsWith("[2] \"started_at\""))
                .anySatisfy(r -> assertThat(r)
                        .startsWith("[3] \"telemetry_at_start\" is \"=[9]\", but a marker may only point at an"
                                + " earlier element"));
        byReason.forEach((reason, text) -> {
            if (reason.startsWith("[2]")) {
                // replayable alone: the snapshot itself, not the marker
                assertThat(text).doesNotContain("=[0]").contains("\"telemetry_at_start\":{\"cpu\":{\"percent\":3.5}}");
                assertThat(EventCodec.shared().decode(text).rejections())
                        .singleElement()
                        .satisfies(r -> assertThat(r.reason()).startsWith("\"started_at\""));
            }
        });
        var post = server.post("/api/events", "{\"type\":\"task\",\"task_id\":\"h\",\"telemetry_at_start\":\"=[0]\"}");
        assertThat(post.status()).as(post.body()).isEqualTo(400);
        assertThat(post.body()).contains("but this event is not in an array entry");
    }
}

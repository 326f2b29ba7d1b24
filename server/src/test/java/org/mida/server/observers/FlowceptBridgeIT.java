package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.controller.ObserverController;
import org.mida.observers.controller.ObserverSettings;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.flowcept.FlowceptBridge;
import org.mida.observers.flowcept.FlowceptSettings;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.msgpack.core.MessagePack;
import redis.clients.jedis.Jedis;

/**
 * The Flowcept bridge: REAL Flowcept ({@code python/flowcept_tasks.py}) publishes to the test Redis,
 * the bridge forwards into a real server through the real {@link Emitter}.
 */
@ExtendWith(Backends.class)
class FlowceptBridgeIT {

    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private Emitter emitter() {
        return EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                .spillDir(dir.resolve("spill"))
                .start();
    }

    @Test
    void real_flowcept_tasks_and_workflows_reach_the_graph() throws Exception {
        Path python = PythonPeers.require("flowcept", "redis", "msgpack", "omegaconf");
        Path script = PythonPeers.script("flowcept_tasks.py", dir);
        server = TestServer.start();
        URI redis = URI.create(Backends.redisUri());
        String channel = "interception";
        try (Emitter emitter = emitter();
                FlowceptBridge bridge = new FlowceptBridge(
                        FlowceptSettings.of(Backends.redisUri()).withChannel(channel));
                ObserverController controller = new ObserverController(emitter)) {
            controller.register(bridge, ObserverSettings.callbackOnly()).start(); // the bridge's start(emitter)
            assertThat(bridge.awaitSubscribed(Duration.ofSeconds(10))).isTrue();

            String out = PythonPeers.runOk(
                    python,
                    List.of(script.toString()),
                    dir,
                    Map.of(
                            "MQ_ENABLED",
                            "true",
                            "MQ_TYPE",
                            "redis",
                            "MQ_HOST",
                            redis.getHost(),
                            "MQ_PORT",
                            String.valueOf(redis.getPort()),
                            "MQ_CHANNEL",
                            channel,
                            // the test Redis requires a password: the URI carries it
                            "MQ_URI",
                            Backends.redisUri(),
                            "DB_FLUSH_MODE",
                            "offline",
                            "DUMP_BUFFER",
                            "false",
                            "FLOWCEPT_SETTINGS_PATH",
                            dir.resolve("no-settings.yaml").toString()),
                    300);
            String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
            String wf = new ObjectMapper().readTree(last).get("workflow_id").asText();

            // 3 tasks + the workflow's RUNNING and FINISHED messages
            TestServer.await(
                    seconds(20), "5 forwarded messages", () -> bridge.stats().forwarded() >= 5);
            assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
            server.awaitIngested(seconds(30));

            assertThat(bridge.stats().rejected())
                    .as(bridge.lastRejections().toString())
                    .isZero();
            assertThat(server.count(
                            "MATCH (w:Workflow {workflow_id:$w, name:'mida-flowcept-it'})-[:PART_OF]->"
                                    + "(:Campaign {campaign_id:'fc-camp'}) RETURN count(w)",
                            "w",
                            wf))
                    .isEqualTo(1);
            assertThat(server.count("MATCH (t:Task)-[:PART_OF]->(:Workflow {workflow_id:$w}) RETURN count(t)", "w", wf))
                    .isEqualTo(3);
            assertThat(server.count("MATCH (t:Task {activity_id:'preprocess', status:'FINISHED'})"
                            + " WHERE t.`used.path` = 'scan.h5' AND t.`generated.n` = 20 RETURN count(t)"))
                    .isEqualTo(1);
            assertThat(server.count("MATCH (t:Task {activity_id:'train', status:'FINISHED'})"
                            + " WHERE t.`used.lr` = 0.01 AND t.`generated.loss` = 0.25 RETURN count(t)"))
                    .isEqualTo(1);
            assertThat(server.count("MATCH (t:Task {activity_id:'boom', status:'ERROR'}) RETURN count(t)"))
                    .isEqualTo(1);
            JsonNode workflow = server.get("/api/workflows/" + URLEncoder.encode(wf, StandardCharsets.UTF_8))
                    .json();
            assertThat(workflow.toString()).contains("mida-flowcept-it");
        }
    }

    /**
     * The paper's Listing 2 ({@code client.map(incr, range(1000))}) plus a map over its futures, under
     * Flowcept 1.0.3's real Dask worker plugin in a real LocalCluster (2 worker processes), published
     * through the test Redis with the settings file docs/OBSERVERS.md gives, bridged into a real
     * server: 2,000 FINISHED tasks with their used/generated values, 1,000 task-to-task links.
     */
    @Test
    void listing_2_under_flowcepts_dask_plugin_gives_finished_tasks_and_lineage() throws Exception {
        Path python = PythonPeers.requireVenv(
                "flowcept-dask", "MIDA_TEST_FLOWCEPT_DASK_PYTHON", "flowcept", "distributed", "redis", "msgpack");
        Path script = PythonPeers.script("flowcept_dask_listing2.py", dir);
        server = TestServer.start();
        String channel = "interception-listing2";
        Path settings = flowceptDaskSettings(channel);
        int n = 1000;
        long t0 = System.nanoTime();
        try (Emitter emitter = emitter();
                FlowceptBridge bridge = new FlowceptBridge(
                        FlowceptSettings.of(Backends.redisUri()).withChannel(channel));
                ObserverController controller = new ObserverController(emitter)) {
            controller.register(bridge, ObserverSettings.callbackOnly()).start();
            assertThat(bridge.awaitSubscribed(Duration.ofSeconds(10))).isTrue();

            String out = PythonPeers.runOk(
                    python,
                    List.of(script.toString(), String.valueOf(n), "listing-2", "fc-dask"),
                    dir,
                    Map.of("FLOWCEPT_SETTINGS_PATH", settings.toString()),
                    300);
            long tPython = System.nanoTime();
            String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
            JsonNode summary = new ObjectMapper().readTree(last);
            String wf = summary.get("workflow_id").asText();
            assertThat(summary.get("sum").asLong()).isEqualTo((long) n * (n + 1));

            // RUNNING + FINISHED of 2n tasks, the workflow's RUNNING and FINISHED
            TestServer.await(
                    seconds(60),
                    "4n + 2 forwarded messages",
                    () -> bridge.stats().forwarded() >= 4L * n + 2);
            assertThat(emitter.flush(Duration.ofSeconds(30))).isTrue();
            server.awaitIngested(seconds(120));
            long tIngested = System.nanoTime();

            assertThat(bridge.stats().rejected())
                    .as(bridge.lastRejections().toString())
                    .isZero();
            assertThat(bridge.counters())
                    .containsEntry("dependencies", 2L * n) // on the RUNNING and the FINISHED message of each double
                    .containsEntry("rejected", 0L);
            assertThat(server.count(
                            "MATCH (w:Workflow {workflow_id:$w, name:'listing-2'})-[:PART_OF]->"
                                    + "(:Campaign {campaign_id:'fc-dask'}) RETURN count(w)",
                            "w",
                            wf))
                    .isEqualTo(1);
            assertThat(server.count(
                            "MATCH (t:Task {status:'FINISHED'})-[:PART_OF]->(:Workflow {workflow_id:$w}) RETURN count(t)",
                            "w",
                            wf))
                    .isEqualTo(2L * n);
            assertThat(server.count(
                            "MATCH (t:Task {workflow_id:$w, activity_id:'incr', status:'FINISHED'})"
                                    + " WHERE t.`generated.result` = t.`used.n` + 1 AND t.ended_at >= t.started_at"
                                    + " RETURN count(t)",
                            "w",
                            wf))
                    .isEqualTo(n);
            assertThat(server.count(
                            "MATCH (d:Task {workflow_id:$w, activity_id:'double', status:'FINISHED'})"
                                    + "-[:WAS_INFORMED_BY]->(i:Task {activity_id:'incr', status:'FINISHED'})"
                                    + " WHERE d.`generated.result` = 2 * i.`generated.result` RETURN count(d)",
                            "w",
                            wf))
                    .isEqualTo(n);
            String aDouble = server.query(
                            "MATCH (d:Task {workflow_id:$w, activity_id:'double'})-[:WAS_INFORMED_BY]->(i:Task)"
                                    + " RETURN d.task_id AS d, i.task_id AS i LIMIT 1",
                            "w",
                            wf)
                    .get(0)
                    .get("d")
                    .asString();
            JsonNode lineage = server.get("/api/lineage?direction=upstream&depth=1&id="
                            + URLEncoder.encode(aDouble, StandardCharsets.UTF_8))
                    .json();
            assertThat(lineage.toString()).contains("incr-");
            assertThat(server.count(
                            "MATCH (t:Task {workflow_id:$w}) WHERE NOT (t)-[:PART_OF]->() RETURN count(t)", "w", wf))
                    .isZero();
            System.out.printf(
                    "FlowceptBridgeIT listing 2 (n=%d, flowcept %s, dask %s): python run %.1f s, bridged and ingested"
                            + " %.1f s later%n",
                    n,
                    summary.get("flowcept").asText(),
                    summary.get("dask").asText(),
                    (tPython - t0) / 1e9,
                    (tIngested - tPython) / 1e9);
        }
    }

    @Test
    void listing_2_under_flowcepts_dask_plugin_through_the_agent_jar_as_a_separate_process() throws Exception {
        Path python = PythonPeers.requireVenv(
                "flowcept-dask", "MIDA_TEST_FLOWCEPT_DASK_PYTHON", "flowcept", "distributed", "redis", "msgpack");
        Path script = PythonPeers.script("flowcept_dask_listing2.py", dir);
        server = TestServer.start();
        String channel = "interception-agent";
        Path settings = flowceptDaskSettings(channel);
        // exactly as docs/OBSERVERS.md says: java -jar mida-observer.jar flowcept --redis … --channel …
        var cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                AgentIT.jar().toString(),
                "flowcept",
                "--redis",
                Backends.redisUri(),
                "--channel",
                channel,
                "--redis-uri",
                Backends.redisUri(),
                "--stream",
                server.stream(),
                "--status-interval",
                "1s",
                "--agent-name",
                "fc-agent");
        Process agent = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.out").toFile())
                .start();
        try {
            TestServer.await(seconds(60), "the agent's flowcept observer running", () -> {
                var o = server.get("/api/observers").json().get("observers");
                for (JsonNode x : o)
                    if (x.get("observer_id").asText().endsWith("/fc-agent/flowcept")
                            && x.get("state").asText().equals("running")) return true;
                return false;
            });
            Thread.sleep(1000); // the subscription follows the start report
            int n = 1000;
            String out = PythonPeers.runOk(
                    python,
                    List.of(script.toString(), String.valueOf(n), "listing-2-agent", "fc-agent"),
                    dir,
                    Map.of("FLOWCEPT_SETTINGS_PATH", settings.toString()),
                    300);
            String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
            String wf = new ObjectMapper().readTree(last).get("workflow_id").asText();
            TestServer.await(
                    seconds(120),
                    "2n FINISHED tasks",
                    () -> server.count("MATCH (t:Task {workflow_id:$w, status:'FINISHED'}) RETURN count(t)", "w", wf)
                            == 2L * n);
            server.awaitIngested(seconds(60));
            assertThat(server.count(
                            "MATCH (d:Task {workflow_id:$w, activity_id:'double'})-[:WAS_INFORMED_BY]->"
                                    + "(i:Task {activity_id:'incr'}) RETURN count(d)",
                            "w",
                            wf))
                    .isEqualTo(n);
        } finally {
            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        assertThat(agent.exitValue())
                .as(Files.readString(dir.resolve("agent.out")))
                .isZero();
        TestServer.await(seconds(30), "the stopped report", () -> {
            for (JsonNode x : server.get("/api/observers").json().get("observers"))
                if (x.get("observer_id").asText().endsWith("/fc-agent/flowcept"))
                    return x.get("state").asText().equals("stopped")
                            && x.get("counters").get("dependencies").asLong() == 2000
                            && x.get("counters").get("rejected").asLong() == 0;
            return false;
        });
    }

    /** {@link #FLOWCEPT_DASK_SETTINGS} for the test Redis and {@code channel}, written to a file. */
    private Path flowceptDaskSettings(String channel) throws java.io.IOException {
        URI redis = URI.create(Backends.redisUri());
        Path settings = dir.resolve("flowcept-settings.yaml");
        Files.writeString(
                settings,
                FLOWCEPT_DASK_SETTINGS
                        .replace("${host}", redis.getHost())
                        .replace("${port}", String.valueOf(redis.getPort()))
                        .replace("${uri}", Backends.redisUri())
                        .replace("${channel}", channel));
        return settings;
    }

    /**
     * The Flowcept settings docs/OBSERVERS.md gives for Dask (mq-only, offline flush: each worker
     * publishes its tasks when it closes; no key-value DB, no MongoDB/LMDB).
     */
    static final String FLOWCEPT_DASK_SETTINGS = """
            project:
              db_flush_mode: offline
              enrich_messages: true
              replace_non_json_serializable: true
              dump_buffer:
                enabled: false
            log:
              log_file_level: disable
              log_stream_level: error
            mq:
              enabled: true
              type: redis
              host: ${host}
              port: ${port}
              uri: ${uri}
              channel: ${channel}
            kv_db:
              enabled: false
            databases:
              mongodb:
                enabled: false
              lmdb:
                enabled: false
            telemetry_capture: {}
            instrumentation:
              enabled: false
            adapters:
              dask:
                kind: dask
                worker_should_get_input: true
                worker_should_get_output: true
                scheduler_should_get_input: true
                scheduler_create_timestamps: true
                worker_create_timestamps: false
            """;

    @Test
    void json_messages_are_forwarded_and_other_kinds_are_counted_not_forwarded() throws Exception {
        server = TestServer.start();
        try (Emitter emitter = emitter();
                FlowceptBridge bridge = new FlowceptBridge(FlowceptSettings.of(Backends.redisUri()));
                Jedis jedis = new Jedis(URI.create(Backends.redisUri()))) {
            bridge.start(emitter);
            assertThat(bridge.awaitSubscribed(Duration.ofSeconds(10))).isTrue();
            byte[] ch = "interception".getBytes(StandardCharsets.UTF_8);
            // JSON, one object and an array
            jedis.publish(
                    "interception",
                    "{\"type\":\"task\",\"task_id\":\"j1\",\"workflow_id\":\"wf-json\","
                            + "\"status\":\"FINISHED\",\"used\":{\"x\":1},\"generated\":{\"y\":2}}");
            jedis.publish(
                    "interception",
                    "[{\"type\":\"workflow\",\"workflow_id\":\"wf-json\",\"name\":\"from-json\"},"
                            + "{\"task_id\":\"j2\",\"workflow_id\":\"wf-json\",\"status\":\"RUNNING\"}]");
            // msgpack, like Flowcept's msgpack.dumps(dict): an untyped task and the kinds MIDA skips
            jedis.publish(
                    ch,
                    pack(Map.of(
                            "task_id",
                            "m1",
                            "activity_id",
                            "act",
                            "workflow_id",
                            "wf-json",
                            "started_at",
                            1.5e9,
                            "used",
                            Map.of("a", List.of(1, 2)))));
            jedis.publish(ch, pack(Map.of("type", "flowcept_control", "info", "mq_flush_complete")));
            jedis.publish(ch, pack(Map.of("type", "agent", "agent_id", "a1")));
            jedis.publish(ch, pack(Map.of("type", "task", "status", "RUNNING"))); // no task_id
            jedis.publish(ch, new byte[] {(byte) 0xc1}); // never-used msgpack byte
            TestServer.await(
                    seconds(10), "every message handled", () -> bridge.stats().received() == 7);
            assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
            server.awaitIngested(seconds(30));

            var stats = bridge.stats();
            assertThat(stats.forwarded()).isEqualTo(4);
            assertThat(stats.control()).isEqualTo(1);
            assertThat(stats.skipped()).containsEntry("agent", 1L);
            assertThat(stats.rejected()).isEqualTo(2);
            assertThat(bridge.lastRejections()).hasSize(2);
            assertThat(bridge.counters()).containsEntry("rejected", 2L).containsEntry("received", 7L);
            // both refusals are dead letters with a reason, the source and the message's text
            String dead = server.stream() + ":dead";
            TestServer.await(seconds(10), "2 dead letters", () -> jedis.xlen(dead) == 2);
            var letters = jedis.xrange(dead, (redis.clients.jedis.StreamEntryID) null, null);
            assertThat(letters)
                    .allSatisfy(l -> assertThat(l.getFields())
                            .containsEntry("source_id", "flowcept:interception")
                            .containsKeys("reason", "event"));
            assertThat(letters.get(0).getFields().get("reason")).contains("task_id");
            assertThat(letters.get(0).getFields().get("event")).contains("\"status\":\"RUNNING\"");
            assertThat(letters.get(1).getFields().get("reason")).contains("undecodable");
            assertThat(letters.get(1).getFields().get("event")).contains("payload_base64");
            assertThat(emitter.stats().rejected()).isEqualTo(2);
            assertThat(server.count("MATCH (t:Task)-[:PART_OF]->(:Workflow {workflow_id:'wf-json', name:'from-json'})"
                            + " RETURN count(t)"))
                    .isEqualTo(3);
            assertThat(server.count("MATCH (t:Task {task_id:'m1', activity_id:'act'}) WHERE t.`used.a` = [1, 2]"
                            + " RETURN count(t)"))
                    .isEqualTo(1);
            assertThat(server.count("MATCH (e) WHERE e.agent_id IS NOT NULL RETURN count(e)"))
                    .isZero();
        }
    }

    private static byte[] pack(Map<String, Object> m) throws java.io.IOException {
        try (var p = MessagePack.newDefaultBufferPacker()) {
            packValue(p, m);
            return p.toByteArray();
        }
    }

    private static void packValue(org.msgpack.core.MessagePacker p, Object v) throws java.io.IOException {
        if (v == null) p.packNil();
        else if (v instanceof String s) p.packString(s);
        else if (v instanceof Integer i) p.packLong(i);
        else if (v instanceof Long l) p.packLong(l);
        else if (v instanceof Double d) p.packDouble(d);
        else if (v instanceof Boolean b) p.packBoolean(b);
        else if (v instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object o : l) packValue(p, o);
        } else if (v instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (var e : m.entrySet()) {
                packValue(p, e.getKey());
                packValue(p, e.getValue());
            }
        } else throw new IllegalArgumentException(String.valueOf(v));
    }
}

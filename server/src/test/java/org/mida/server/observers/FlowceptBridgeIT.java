package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;
import static org.mida.server.testing.Threads.sleep;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.server.backend.EmbeddedRedis;
import org.mida.server.observers.PythonPeers;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * Issue 14, item 4: Redis faults. While Redis is down {@code POST /api/events} answers 503 with a
 * reason and {@code Retry-After}; a {@code kill -9} of the server's redis-server child is healed (the
 * server restarts it with the same configuration and data, re-creates what it needs, and ingests on)
 * while a Java and a Python emitter keep sending through the kill: nothing lost, nothing duplicated.
 * A full Redis ({@code maxmemory}, {@code noeviction}) refuses writes with OOM, which the emitter spills
 * and delivers once memory is free.
 */
@ExtendWith(Backends.class)
class RedisFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(RedisFaultIT.class);

    @Test
    void post_answers_503_with_retry_after_while_redis_is_down(@TempDir Path dir) throws Exception {
        EmbeddedRedis redis = EmbeddedRedis.start(dir.resolve("redis"), 0);
        int port = redis.port();
        try (TestServer server = TestServer.start(c -> c.withBackends(Backends.neo4jUri(), redis.uri()))) {
            assertThat(server.post("/api/events", RestartIT.task(1, "FINISHED")).status())
                    .isEqualTo(202);
            redis.close(); // stopped, not restarted: an external Redis that went away
            var answer = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                            + server.server().port() + "/api/events"))
                                    .header("Content-Type", "application/json")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                            RestartIT.task(2, "FINISHED")))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            LOG.info("POST while Redis is down: {} {}", answer.statusCode(), answer.body());
            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            JsonNode problem = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
            assertThat(problem.get("type").asText()).isEqualTo("/problems/unavailable");
            assertThat(problem.get("detail").asText()).contains("Redis");
            assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
            var health = server.get("/api/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("redis").asText()).startsWith("down");

            try (EmbeddedRedis again = EmbeddedRedis.start(dir.resolve("redis"), port)) {
                // with nothing to ingest the pause must end too (it stayed "degraded, paused" until an event came)
                await(
                        Duration.ofSeconds(30),
                        "health ok again before any event is sent",
                        () -> server.get("/api/health").status() == 200);
                await(
                        Duration.ofSeconds(30),
                        "POST to be taken again",
                        () -> server.post("/api/events", RestartIT.task(2, "FINISHED"))
                                        .status()
                                == 202);
                await(Duration.ofSeconds(60), "both tasks", () -> server.count("MATCH (t:Task) RETURN count(t)") == 2);
            }
        } finally {
            redis.close();
        }
    }

    @Test
    void a_killed_redis_server_child_is_restarted_and_emitters_deliver_everything(@TempDir Path dir) throws Exception {
        Path python = PythonPeers.require("redis");
        Path src = Path.of("..", "observers", "python", "src").toAbsolutePath().normalize();
        int perEmitter = 3000;
        try (TestServer server = TestServer.start(c -> c.withBackends(Backends.neo4jUri(), null)
                .withNeo4jAuth(Backends.neo4jUser(), Backends.neo4jPassword())
                .withDataDir(dir.resolve("data"))
                .withEmbeddedPorts(0, 0))) {
            String uri = server.server().redisUri();
            Path pidFile = dir.resolve("data/redis/redis.pid");
            long pid = Long.parseLong(Files.readString(pidFile).strip());

            // the Python emitter: perEmitter tasks over about 6 s, then close (flush, spill replay)
            Path script = dir.resolve("emit.py");
            Files.writeString(
                    script,
                    String.join(
                            "\n",
                            "import logging, sys, time",
                            "logging.basicConfig(level=logging.INFO)",
                            "from mida.emitter import Emitter",
                            "n = int(sys.argv[1])",
                            "e = Emitter(retry_s=0.1, flush_interval_s=0.02)",
                            "for i in range(n):",
                            "    e.emit({'type': 'task', 'task_id': f'py-{i}', 'workflow_id': 'wf-redis',",
                            "            'status': 'FINISHED', 'started_at': i, 'ended_at': i + 1})",
                            "    if i % 50 == 0: time.sleep(0.1)",
                            "e.close(timeout_s=120)",
                            "print('STATS', e.stats())",
                            ""));
            var pyEnv = Map.of(
                    "PYTHONPATH", src.toString(),
                    "MIDA_REDIS_URI", uri,
                    "MIDA_STREAM", server.stream(),
                    "MIDA_SPILL_DIR", dir.resolve("py-spill").toString());
            var pyResult = new PythonPeers.Result[1];
            Thread py = new Thread(() -> pyResult[0] =
                    PythonPeers.run(python, List.of(script.toString(), String.valueOf(perEmitter)), dir, pyEnv, 300));
            py.start();

            Emitter emitter = EmitterConfig.builder().redisUri(uri).stream(server.stream())
                    .spillDir(dir.resolve("java-spill"))
                    .maxAgeMillis(20)
                    .retryMillis(100)
                    .start();
            Thread java = new Thread(() -> {
                for (int i = 0; i < perEmitter; i++) {
                    emitter.emit(TaskEvent.builder("java-" + i)
                            .workflowId("wf-redis")
                            .status(Status.FINISHED)
                            .startedAt((double) i)
                            .endedAt(i + 1.0)
                            .build());
                    if (i % 50 == 0) sleep(100);
                }
            });
            java.start();

            await(
                    Duration.ofSeconds(60),
                    "the first tasks",
                    () -> server.count("MATCH (t:Task) RETURN count(t)") > 200);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // kill -9 of redis-server
            long t0 = System.nanoTime();
            JsonNode healed = awaitHealth(
                    server,
                    h -> h.path("redis_supervisor").asText().contains("restarts: 1")
                            && h.get("redis").asText().equals("up"));
            LOG.info(
                    "redis-server restarted {} ms after kill -9: {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                    healed);
            long newPid = Long.parseLong(Files.readString(pidFile).strip());
            assertThat(newPid).isNotEqualTo(pid);

            java.join();
            emitter.close();
            py.join();
            LOG.info(
                    "python emitter: {}",
                    pyResult[0]
                            .output()
                            .lines()
                            .filter(l -> l.startsWith("STATS"))
                            .toList());
            assertThat(pyResult[0].exit()).as(pyResult[0].output()).isZero();
            await(
                    Duration.ofSeconds(120),
                    "every task of both emitters",
                    () -> server.count("MATCH (t:Task {workflow_id: 'wf-redis'}) RETURN count(t)") == 2L * perEmitter);
            server.awaitIngested(Duration.ofSeconds(60));
            assertThat(server.count("MATCH (t:Task) WHERE t.task_id STARTS WITH 'java-' RETURN count(t)"))
                    .isEqualTo(perEmitter);
            assertThat(server.count("MATCH (t:Task) WHERE t.task_id STARTS WITH 'py-' RETURN count(t)"))
                    .isEqualTo(perEmitter);
            assertThat(server.count("MATCH (t:Task) RETURN count(DISTINCT t.task_id)"))
                    .isEqualTo(2L * perEmitter);
            JsonNode health = server.get("/api/health").json();
            assertThat(health.get("dead_letters").asLong()).isZero();
            assertThat(health.get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void a_full_redis_refuses_writes_which_the_emitter_spills_and_delivers_later(@TempDir Path dir) throws Exception {
        // 16 MiB, noeviction; fill it with a key of our own until Redis says OOM
        try (EmbeddedRedis redis =
                        EmbeddedRedis.start(dir.resolve("redis"), 0, 16L * 1024 * 1024, EmbeddedRedis.Fsync.ALWAYS);
                TestServer server = TestServer.start(c -> c.withBackends(Backends.neo4jUri(), redis.uri()));
                Jedis jedis = new Jedis(java.net.URI.create(redis.uri()))) {
            // big pieces, then 1 KiB ones, so Redis ends within a query buffer of its bound
            int filled = 0;
            for (int size : new int[] {256 * 1024, 1024}) {
                String chunk = "x".repeat(size);
                try {
                    for (; filled < 100_000; filled++) jedis.rpush("ballast", chunk);
                } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                    assertThat(e.getMessage()).startsWith("OOM");
                }
            }
            assertThat(filled).as("Redis refused more ballast").isLessThan(100_000);
            // Redis frees idle clients' buffers now and then, which lets a few small writes in: keep it full
            var keepFull = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread keeper = new Thread(() -> {
                try (Jedis j = new Jedis(java.net.URI.create(redis.uri()))) {
                    String small = "y".repeat(1024);
                    while (keepFull.get()) {
                        try {
                            j.rpush("ballast", small);
                        } catch (redis.clients.jedis.exceptions.JedisDataException full) {
                            sleep(5);
                        }
                    }
                }
            });
            keeper.start();

            TestServer.Answer post = null;
            for (int i = 0; i < 100; i++) {
                post = server.post("/api/events", RestartIT.task(1, "FINISHED"));
                if (post.status() == 503) break;
                sleep(20);
            }
            assertThat(post.status()).isEqualTo(503);
            assertThat(post.json().get("detail").asText()).contains("OOM");

            Emitter emitter = EmitterConfig.builder().redisUri(redis.uri()).stream(server.stream())
                    .spillDir(dir.resolve("spill"))
                    .maxAgeMillis(20)
                    .retryMillis(100)
                    .start();
            for (int i = 0; i < 500; i++)
                emitter.emit(TaskEvent.builder("oom-" + i)
                        .workflowId("wf-oom")
                        .status(Status.FINISHED)
                        .build());
            await(
                    Duration.ofSeconds(30),
                    "the Java emitter to spill",
                    () -> emitter.stats().spilled() > 0);

            // the Python emitter too: it spills on the OOM reply, then (told to go on) delivers
            Path python = PythonPeers.require("redis");
            Path src =
                    Path.of("..", "observers", "python", "src").toAbsolutePath().normalize();
            Path script = dir.resolve("oom.py");
            Files.writeString(
                    script,
                    String.join(
                            "\n",
                            "import os, sys, time",
                            "from mida.emitter import Emitter",
                            "e = Emitter(retry_s=0.1, flush_interval_s=0.02)",
                            "for i in range(300):",
                            "    e.emit({'type': 'task', 'task_id': f'oom-py-{i}', 'workflow_id': 'wf-oom'})",
                            "deadline = time.time() + 60",
                            "while e.stats()['spilled'] == 0 and time.time() < deadline: time.sleep(0.05)",
                            "print('SPILLED', e.stats()['spilled'], flush=True)",
                            "open(sys.argv[1] + '.spilled', 'w').close()",
                            "while not os.path.exists(sys.argv[1] + '.go') and time.time() < deadline: time.sleep(0.05)",
                            "e.close(timeout_s=60)",
                            "print('STATS', e.stats())",
                            ""));
            Path signal = dir.resolve("signal");
            var env = Map.of(
                    "PYTHONPATH", src.toString(),
                    "MIDA_REDIS_URI", redis.uri(),
                    "MIDA_STREAM", server.stream(),
                    "MIDA_SPILL_DIR", dir.resolve("py-spill").toString());
            var result = new PythonPeers.Result[1];
            Thread py = new Thread(() ->
                    result[0] = PythonPeers.run(python, List.of(script.toString(), signal.toString()), dir, env, 120));
            py.start();
            await(
                    Duration.ofSeconds(90),
                    "the Python emitter to spill",
                    () -> Files.exists(dir.resolve("signal.spilled")));

            keepFull.set(false);
            keeper.join();
            jedis.del("ballast");
            Files.createFile(dir.resolve("signal.go"));
            emitter.close();
            py.join();
            LOG.info("Java emitter under OOM: {}; Python: {}", emitter.stats(), result[0].output());
            assertThat(result[0].exit()).as(result[0].output()).isZero();
            assertThat(result[0].output()).containsPattern("SPILLED [1-9]");
            await(
                    Duration.ofSeconds(60),
                    "every task of both emitters",
                    () -> server.count("MATCH (t:Task {workflow_id: 'wf-oom'}) RETURN count(t)") == 800);
        }
    }

    private static JsonNode awaitHealth(TestServer server, java.util.function.Predicate<JsonNode> ok) {
        var seen = new ArrayList<JsonNode>();
        await(Duration.ofSeconds(60), "health", () -> {
            JsonNode h = server.get("/api/health").json();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(h)) seen.add(h);
            return ok.test(h);
        });
        return seen.get(seen.size() - 1);
    }
}

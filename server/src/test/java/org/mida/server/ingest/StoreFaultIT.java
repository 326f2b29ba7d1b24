package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;
import static org.mida.server.testing.Threads.sleep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.backend.EmbeddedNeo4jMain;
import org.mida.server.testing.Backends;
import org.mida.server.testing.ServerProcess;
import org.mida.server.testing.TestServer;
import org.mida.server.testing.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, item 4: a storage fault pauses the ingest and keeps the entries pending; it never turns
 * valid events into dead letters. Neo4j runs in a JVM of its own (the server's {@code EmbeddedNeo4j},
 * {@link EmbeddedNeo4jMain}), the server is pointed at it by its Bolt URI, user and password, and
 * events keep arriving while the database is stopped (SIGTERM: a clean shutdown that ends transactions
 * in flight), restarted, killed ({@code kill -9}) and restarted again.
 */
@ExtendWith(Backends.class)
class StoreFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(StoreFaultIT.class);

    @Test
    void the_database_going_away_pauses_the_ingest_and_loses_nothing(@TempDir Path dir) throws Exception {
        int bolt = ServerProcess.freePort();
        Path home = dir.resolve("neo4j");
        Process neo4j = startNeo4j(home, bolt, dir);
        var sent = new AtomicInteger();
        var sending = new AtomicBoolean(true);
        String password = Files.readString(home.resolve("password")).strip();
        try (TestServer server = TestServer.start(c -> c.withBackends("bolt://127.0.0.1:" + bolt, Backends.redisUri())
                .withNeo4jAuth("neo4j", password)
                .withIngest(200, "fault-consumer", 60_000))) {
            // a steady producer: 10 events per entry, every 50 ms, each task RUNNING then FINISHED
            Thread producer = new Thread(() -> {
                while (sending.get()) {
                    int from = sent.get();
                    var batch = new ArrayList<String>();
                    for (int i = from; i < from + 10; i++) batch.add(task(i, "RUNNING"));
                    for (int i = from; i < from + 10; i++) batch.add(task(i, "FINISHED"));
                    try {
                        server.xadd("[" + String.join(",", batch) + "]");
                        sent.addAndGet(10);
                    } catch (RuntimeException e) {
                        LOG.warn("producer: {}", e.toString());
                    }
                    sleep(50);
                }
            });
            producer.start();
            await(Duration.ofSeconds(60), "the first tasks", () -> tasks(server) >= 100);

            // 1. a clean stop: transactions in flight are terminated by the shutdown
            neo4j.destroy();
            assertThat(neo4j.waitFor(60, TimeUnit.SECONDS)).isTrue();
            JsonNode paused = awaitPaused(server);
            LOG.info("paused after a clean stop: {}", paused);
            sleep(3000);
            long pendingWhileDown =
                    server.get("/api/health").json().get("pending").asLong();
            assertThat(pendingWhileDown)
                    .as("entries kept pending while Neo4j is down")
                    .isPositive();
            neo4j = startNeo4j(home, bolt, dir);
            await(Duration.ofSeconds(120), "the ingest to resume", () -> healthOk(server));

            // 2. kill -9 in the middle of the ingest
            await(Duration.ofSeconds(60), "more tasks", () -> tasks(server) >= sent.get() - 50);
            neo4j.destroyForcibly();
            assertThat(neo4j.waitFor(60, TimeUnit.SECONDS)).isTrue();
            paused = awaitPaused(server);
            LOG.info("paused after kill -9: {}", paused);
            assertThat(paused.get("status").asText()).isEqualTo("degraded");
            assertThat(paused.at("/ingest/reason").asText()).isNotBlank();
            assertThat(paused.at("/ingest/since").asText()).isNotBlank();
            sleep(5000);
            neo4j = startNeo4j(home, bolt, dir);

            sleep(2000);
            sending.set(false);
            producer.join();
            int total = sent.get();
            await(Duration.ofSeconds(180), "all " + total + " tasks FINISHED", () -> finished(server) == total);
            await(Duration.ofSeconds(30), "health ok", () -> healthOk(server));
            JsonNode health = server.get("/api/health").json();
            LOG.info("after the faults: sent {} tasks; health {}", total, health);
            assertThat(tasks(server)).as("lost or duplicated tasks").isEqualTo(total);
            try (var s = server.server().driver().session()) {
                assertThat(s.run("MATCH (t:Task) RETURN count(DISTINCT t.task_id)")
                                .single()
                                .get(0)
                                .asLong())
                        .isEqualTo(total);
            }
            assertThat(health.get("dead_letters").asLong()).as("dead letters").isZero();
            assertThat(server.server().redis().xlen(server.server().config().deadLetterStream()))
                    .isZero();
            assertThat(health.at("/ingest/state").asText()).isEqualTo("running");
        } finally {
            sending.set(false);
            neo4j.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    static String task(int i, String status) {
        return "{\"type\":\"task\",\"task_id\":\"sf-" + i + "\",\"workflow_id\":\"wf-sf\",\"status\":\"" + status
                + "\",\"started_at\":" + (1000 + i) + (status.equals("FINISHED") ? ",\"ended_at\":" + (1001 + i) : "")
                + ",\"used\":{\"in\":{\"@id\":\"file:///sf/" + (i % 20) + "\"}},\"generated\":{\"x\":" + i + "}}";
    }

    /** Tasks in the graph, read through the server's own driver (the external Neo4j). */
    private static long tasks(TestServer server) {
        try (var s = server.server().driver().session()) {
            return s.run("MATCH (t:Task) RETURN count(t)").single().get(0).asLong();
        }
    }

    private static long finished(TestServer server) {
        try (var s = server.server().driver().session()) {
            return s.run(
                            "MATCH (t:Task {status: 'FINISHED'}) WHERE t.`generated.x` = toInteger(substring(t.task_id, 3))"
                                    + " RETURN count(t)")
                    .single()
                    .get(0)
                    .asLong();
        }
    }

    private static boolean healthOk(TestServer server) {
        var h = server.get("/api/health");
        return h.status() == 200 && h.json().at("/ingest/state").asText().equals("running");
    }

    private static JsonNode awaitPaused(TestServer server) {
        var seen = new JsonNode[1];
        await(Duration.ofSeconds(60), "health to say the ingest is paused", () -> {
            var h = server.get("/api/health");
            seen[0] = h.json();
            return h.status() == 503 && seen[0].at("/ingest/state").asText().equals("paused");
        });
        return seen[0];
    }

    /** Runs {@link EmbeddedNeo4jMain} in a JVM of its own and waits for its READY line. */
    static Process startNeo4j(Path home, int bolt, Path logDir) throws IOException {
        var cmd = ServerProcess.javaCommand(
                List.of("-Xmx512m"), EmbeddedNeo4jMain.class.getName(), home.toString(), String.valueOf(bolt));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path log = logDir.resolve("neo4j-" + System.nanoTime() + ".log");
        var ready = new java.util.concurrent.CountDownLatch(1);
        Threads.daemon("neo4j-output", () -> {
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    var out = Files.newBufferedWriter(log)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.startsWith("READY ")) ready.countDown();
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        try {
            if (!ready.await(180, TimeUnit.SECONDS) || !p.isAlive()) {
                p.destroyForcibly();
                throw new AssertionError("Neo4j did not start; log:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
        return p;
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;
import static org.mida.server.testing.Threads.sleep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.testing.Tmpfs;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.GraphDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, item 4: a full disk. The server's data dir (the embedded Neo4j's store and transaction logs
 * and the embedded Redis's append-only file, on one file system: the common case) is a small tmpfs;
 * events stream in over HTTP while a filler file takes every free byte. Neo4j panics, redis-server
 * exits on its failed AOF write: the ingest pauses with the entries pending, {@code /api/health}
 * answers 503 and says why, {@code POST /api/events} answers 503 (never 500). Once the filler is
 * removed, redis-server is restarted and the embedded Neo4j restarts itself (the torn end of its
 * transaction log cut off), the ingest resumes by itself, and every event accepted lands exactly once
 * with no dead letter.
 *
 * <p>Needs root (to mount a tmpfs), as CI runs it ({@code .ci/run}); skipped otherwise.
 */
class DiskFullIT {
    private static final Logger LOG = LoggerFactory.getLogger(DiskFullIT.class);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TMPFS_SIZE = "160m";

    @Test
    void a_full_disk_pauses_everything_and_heals_by_itself_when_space_is_freed(@TempDir Path dir) throws Exception {
        Path mnt = dir.resolve("disk");
        Files.createDirectories(mnt);
        Tmpfs.mount(mnt, TMPFS_SIZE);
        MidaServer server = null;
        var sending = new AtomicBoolean(true);
        Thread producer = null;
        try {
            Config config = Config.defaults()
                    .withDataDir(mnt.resolve("data"))
                    .withPort(0)
                    .withEmbeddedPorts(0, 0)
                    .withIngest(500, "disk-consumer", 60_000);
            server = MidaServer.start(config);
            int port = server.port();
            MidaServer s = server;

            // a client that sends 10 tasks per POST and, like the emitters, sends a refused POST again
            var accepted = new AtomicInteger();
            var codes = new ConcurrentHashMap<Integer, AtomicInteger>();
            producer = new Thread(() -> {
                int next = 0;
                while (sending.get()) {
                    var batch = new ArrayList<String>();
                    for (int i = next; i < next + 10; i++) batch.add(task(i));
                    int code = post(port, "[" + String.join(",", batch) + "]");
                    codes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                    if (code == 202 || code == 200) {
                        next += 10;
                        accepted.set(next);
                    }
                    sleep(code >= 500 ? 200 : 40);
                }
            });
            producer.start();
            await(Duration.ofSeconds(60), "the first tasks", () -> tasks(s) >= 200);

            // fill the disk
            Path filler = mnt.resolve("filler");
            long filled = Tmpfs.fill(filler);
            LOG.info(
                    "filler: {} MiB; free now {} bytes",
                    filled >> 20,
                    Files.getFileStore(mnt).getUsableSpace());
            // the ingest's next batch usually meets the full disk; if redis-server died first (its AOF
            // write failed) and nothing wrote to Neo4j, another writer of the graph does
            try {
                await(
                        Duration.ofSeconds(10),
                        "Neo4j to panic",
                        () -> !get(port, "/api/health")
                                .json()
                                .path("neo4j")
                                .asText()
                                .equals("up"));
            } catch (AssertionError stillUp) {
                // (a small transaction may still fit in the log file's last, partly used page)
                LOG.info("no ingest write met the full disk; writing to the graph directly");
                String big = "d".repeat(256 * 1024);
                for (int i = 0;
                        i < 20
                                && get(port, "/api/health")
                                        .json()
                                        .path("neo4j")
                                        .asText()
                                        .equals("up");
                        i++) {
                    try (var session = s.driver().session()) {
                        session.run(
                                        "MATCH (w:Workflow {workflow_id: 'wf-df'}) SET w.disk_probe = $big",
                                        Map.of("big", big + i))
                                .consume();
                    } catch (RuntimeException expected) {
                        LOG.info("the direct write failed as expected: {}", expected.toString());
                    }
                    sleep(500);
                }
            }
            JsonNode paused = awaitHealth(
                    port,
                    "the ingest paused by the full disk",
                    h -> h.status() == 503
                            && h.json().at("/ingest/state").asText().equals("paused"));
            LOG.info("health with the disk full: {}", paused);
            assertThat(paused.get("status").asText()).isEqualTo("degraded");
            assertThat(paused.at("/ingest/reason").asText())
                    .as("why the ingest is paused")
                    .isNotBlank();
            // with the disk full the Neo4j supervisor waits for space, and says so
            JsonNode waiting = awaitHealth(
                    port,
                    "neo4j waiting for free disk space",
                    h -> h.json().path("neo4j").asText().equals("waiting for free disk space"));
            assertThat(waiting.get("neo4j_supervisor").asText())
                    .as("why Neo4j panicked")
                    .contains("last panic")
                    .contains("No space left on device");
            // Redis cannot append either: POST answers 503, never 500
            await(Duration.ofSeconds(60), "a POST refused with 503", () -> codes.containsKey(503));
            sleep(3000);
            assertThat(codes.keySet())
                    .as("HTTP answers to POST /api/events while full")
                    .doesNotContain(500);
            int acceptedBeforeFree = accepted.get();

            // free the space: everything heals by itself
            long freedAt = System.nanoTime();
            Files.delete(filler);
            JsonNode healed = awaitHealth(
                    port, "health ok after the space was freed", Duration.ofSeconds(180), h -> h.status() == 200);
            double recoverS = (System.nanoTime() - freedAt) / 1e9;
            LOG.info("healed {} s after the space was freed: {}", recoverS, healed);
            assertThat(healed.get("neo4j").asText()).isEqualTo("up");
            assertThat(healed.get("neo4j_supervisor").asText()).contains("recovered at");
            // events posted after the space was freed land too
            await(Duration.ofSeconds(60), "more accepted events", () -> accepted.get() >= acceptedBeforeFree + 100);
            sending.set(false);
            producer.join();
            int total = accepted.get();
            await(Duration.ofSeconds(120), "all " + total + " accepted tasks in the graph", () -> finished(s) == total);
            await(Duration.ofSeconds(30), "nothing pending", () -> {
                var h = get(port, "/api/health");
                return h.status() == 200 && h.json().get("pending").asLong() == 0;
            });
            JsonNode health = get(port, "/api/health").json();
            long deadLetters = s.redis().xlen(s.config().deadLetterStream());
            long distinct = count(s, "MATCH (t:Task) RETURN count(DISTINCT t.task_id)");
            LOG.info(
                    "disk full: accepted {} tasks, in the graph {} ({} distinct), dead letters {}, POST answers {},"
                            + " recovered {} s after the space was freed; health {}",
                    total,
                    tasks(s),
                    distinct,
                    deadLetters,
                    codes,
                    recoverS,
                    health);
            assertThat(tasks(s)).as("tasks lost or duplicated").isEqualTo(total);
            assertThat(distinct).isEqualTo(total);
            assertThat(deadLetters).as("valid events dead-lettered").isZero();
            assertThat(health.get("dead_letters").asLong()).isZero();
            assertThat(health.at("/ingest/state").asText()).isEqualTo("running");
        } finally {
            sending.set(false);
            if (producer != null) producer.join(10_000);
            Files.deleteIfExists(mnt.resolve("filler"));
            if (server != null) server.close();
            Tmpfs.unmount(mnt);
        }
    }

    /**
     * The embedded Neo4j alone: a write that fails for lack of space leaves a torn transaction at the end
     * of the log (Neo4j 5.26 cannot start on it); the supervisor cuts it off and restarts the DBMS once
     * space is freed; every committed write is kept, a driver made before the panic reconnects to the same
     * Bolt port with the same password.
     */
    @Test
    void a_panicked_embedded_neo4j_restarts_by_itself_and_keeps_every_committed_write(@TempDir Path dir)
            throws Exception {
        Path mnt = dir.resolve("disk");
        Files.createDirectories(mnt);
        Tmpfs.mount(mnt, "64m");
        try (var neo4j = EmbeddedNeo4j.start(mnt.resolve("neo4j"), 0, "16m");
                var driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()))) {
            String pad = "x".repeat(1000);
            int committed = 0;
            for (; committed < 200; committed++) write(driver, committed, pad);
            Path filler = mnt.resolve("filler");
            Tmpfs.fill(filler);
            RuntimeException failed = null;
            for (int i = committed; i < 100_000 && failed == null; i++) {
                try {
                    write(driver, i, pad);
                    committed++;
                } catch (RuntimeException e) {
                    failed = e;
                }
            }
            LOG.info("after {} committed writes the disk is full: {}", committed, String.valueOf(failed));
            assertThat(failed).as("a write on the full disk").isNotNull();
            await(
                    Duration.ofSeconds(30),
                    "the supervisor to wait for space",
                    () -> neo4j.state().state().equals("waiting for free disk space"));
            assertThat(neo4j.state().lastPanic()).contains("No space left on device");
            sleep(2000);
            assertThat(neo4j.state().state())
                    .as("no restart while the disk is full")
                    .isEqualTo("waiting for free disk space");

            Files.delete(filler);
            long t0 = System.nanoTime();
            await(
                    Duration.ofSeconds(120),
                    "the restart",
                    () -> neo4j.state().state().equals("up"));
            LOG.info(
                    "restarted {} ms after the space was freed: {}",
                    (System.nanoTime() - t0) / 1_000_000,
                    neo4j.state());
            assertThat(neo4j.state().restarts()).isEqualTo(1);
            assertThat(neo4j.state().recoveredAt()).isNotNull();
            // the driver made before the panic reconnects; every committed write is there, the failed one is not
            int before = committed;
            await(Duration.ofSeconds(30), "the driver to reconnect", () -> nodes(driver) == before);
            try (var session = driver.session()) {
                assertThat(session.run("MATCH (n:N) RETURN max(n.i)")
                                .single()
                                .get(0)
                                .asInt())
                        .isEqualTo(before - 1);
            }
            write(driver, -1, pad);
            assertThat(nodes(driver)).isEqualTo(before + 1);
        } finally {
            Files.deleteIfExists(mnt.resolve("filler"));
            Tmpfs.unmount(mnt);
        }
    }

    private static void write(org.neo4j.driver.Driver driver, int i, String pad) {
        try (var session = driver.session()) {
            session.executeWrite(tx -> tx.run("CREATE (:N {i: $i, pad: $pad})", Map.of("i", i, "pad", pad))
                    .consume());
        }
    }

    private static long nodes(org.neo4j.driver.Driver driver) {
        try (var session = driver.session()) {
            return session.run("MATCH (n:N) RETURN count(n)").single().get(0).asLong();
        }
    }

    static String task(int i) {
        return "{\"type\":\"task\",\"task_id\":\"df-" + i + "\",\"workflow_id\":\"wf-df\",\"status\":\"FINISHED\","
                + "\"started_at\":" + (1000 + i) + ",\"ended_at\":" + (1001 + i)
                + ",\"used\":{\"in\":{\"@id\":\"file:///df/" + (i % 20) + "\"}},\"generated\":{\"x\":" + i
                + ",\"note\":\"" + "n".repeat(200) + "\"}}";
    }

    private static long tasks(MidaServer s) {
        return count(s, "MATCH (t:Task) RETURN count(t)");
    }

    private static long finished(MidaServer s) {
        return count(
                s,
                "MATCH (t:Task {status: 'FINISHED'}) WHERE t.`generated.x` = toInteger(substring(t.task_id, 3))"
                        + " RETURN count(t)");
    }

    private static long count(MidaServer s, String query) {
        try (var session = s.driver().session()) {
            return session.run(query).single().get(0).asLong();
        }
    }

    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private static Answer get(int port, String path) {
        try {
            var r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POSTs events; the HTTP status, or -1 when the request itself failed. */
    private static int post(int port, String body) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events"))
                                    .header("Content-Type", "application/json")
                                    .timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (IOException e) {
            LOG.warn("POST failed: {}", e.toString());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static JsonNode awaitHealth(int port, String what, java.util.function.Predicate<Answer> condition) {
        return awaitHealth(port, what, Duration.ofSeconds(90), condition);
    }

    private static JsonNode awaitHealth(
            int port, String what, Duration timeout, java.util.function.Predicate<Answer> condition) {
        var seen = new Answer[1];
        try {
            await(timeout, what, () -> {
                seen[0] = get(port, "/api/health");
                return condition.test(seen[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last health: " + (seen[0] == null ? null : seen[0].body()));
        }
        return seen[0].json();
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

/** Restarts on the same data dir with the embedded Neo4j and Redis: in-process, and after kill -9. */
class RestartIT {

    static String task(int i, String status) {
        return "{\"type\":\"task\",\"task_id\":\"r-" + i + "\",\"workflow_id\":\"wf\",\"status\":\"" + status
                + "\",\"started_at\":" + i + (status.equals("FINISHED") ? ",\"ended_at\":" + (i + 1) : "")
                + ",\"used\":{\"in\":{\"@id\":\"file:///in/" + (i % 50) + "\"}}}";
    }

    static void xaddTasks(JedisPooled redis, int from, int to, String status) {
        var batch = new ArrayList<String>();
        for (int i = from; i < to; i++) {
            batch.add(task(i, status));
            if (batch.size() == 100 || i == to - 1) {
                redis.xadd(
                        "mida:events", StreamEntryID.NEW_ENTRY, Map.of("event", "[" + String.join(",", batch) + "]"));
                batch.clear();
            }
        }
    }

    static long tasks(MidaServer s, String where) {
        try (var session = s.driver().session()) {
            return session.run("MATCH (t:Task) " + where + " RETURN count(t)")
                    .single()
                    .get(0)
                    .asLong();
        }
    }

    @Test
    void a_restart_on_the_same_data_dir_keeps_the_graph_and_the_stream(@TempDir Path dir) {
        Config config = Config.defaults().withDataDir(dir).withPort(0).withEmbeddedPorts(0, 0);
        try (MidaServer s = MidaServer.start(config)) {
            xaddTasks((JedisPooled) s.redis(), 0, 1000, "RUNNING");
            await(Duration.ofSeconds(60), "1000 running tasks", () -> tasks(s, "WHERE t.status = 'RUNNING'") == 1000);
        }
        try (MidaServer s = MidaServer.start(config)) {
            assertThat(tasks(s, "")).isEqualTo(1000);
            xaddTasks((JedisPooled) s.redis(), 0, 1000, "FINISHED");
            await(Duration.ofSeconds(60), "1000 finished tasks", () -> tasks(s, "WHERE t.status = 'FINISHED'") == 1000);
            assertThat(tasks(s, "WHERE t.started_at = toFloat(toInteger(substring(t.task_id, 2)))"))
                    .isEqualTo(1000);
            assertThat(tasks(s, "")).isEqualTo(1000);
        }
    }

    @Test
    void after_kill_minus_9_in_the_middle_of_an_ingest_a_restart_finishes_it_exactly_once(@TempDir Path dir)
            throws Exception {
        int http = freePort(), bolt = freePort(), redisPort = freePort();
        int total = 30_000;
        Process first = launch(dir, http, bolt, redisPort);
        Process second = null;
        try {
            awaitHealthy(http, first);
            // the embedded Redis requires the password the server generated in its data dir
            String password = java.nio.file.Files.readString(dir.resolve("redis/password"))
                    .strip();
            try (var redis = new JedisPooled(java.net.URI.create("redis://:" + password + "@127.0.0.1:" + redisPort))) {
                xaddTasks(redis, 0, total, "FINISHED");
            }
            Thread.sleep(1500); // the append-only file is fsynced every second
            long before = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                before = healthTasks(http);
                if (before >= 2000) break;
                Thread.sleep(20);
            }
            first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no drain
            assertThat(before).as("killed in the middle of the ingest").isBetween(2000L, (long) total - 1);

            second = launch(dir, http, bolt, redisPort);
            awaitHealthy(http, second);
            long deadline2 = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            String health = "";
            while (System.nanoTime() < deadline2) {
                health = get(http, "/api/health");
                if (health.contains("\"pending\":0,") && healthTasks(http) == total) break;
                Thread.sleep(200);
            }
            assertThat(healthTasks(http)).isEqualTo(total);
            assertThat(health).contains("\"pending\":0,").contains("\"dead_letters\":0");
        } finally {
            first.destroyForcibly();
            if (second != null) {
                second.destroy(); // SIGTERM: graceful
                if (!second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) second.destroyForcibly();
            }
        }
    }

    private static Process launch(Path dir, int http, int bolt, int redis) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new ArrayList<>(List.of(
                java,
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                "org.mida.server.app.Main",
                "--data-dir",
                dir.toString(),
                "--port",
                String.valueOf(http),
                "--bolt-port",
                String.valueOf(bolt),
                "--redis-port",
                String.valueOf(redis),
                "--batch-size",
                "500"));
        Path log = dir.resolve("server-" + System.nanoTime() + ".log");
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void awaitHealthy(int http, Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new AssertionError("server exited with " + p.exitValue());
            try {
                if (get(http, "/api/health").contains("\"status\":\"ok\"")) return;
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("server did not become healthy");
    }

    private static long healthTasks(int http) throws Exception {
        String h = get(http, "/api/health");
        var m = java.util.regex.Pattern.compile("\"tasks\":(\\d+)").matcher(h);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        var client = HttpClient.newHttpClient();
        return client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

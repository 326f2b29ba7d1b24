package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;

class EmbeddedRedisIT {

    @TempDir
    Path dir;

    @Test
    void answers_ping_on_loopback_and_writes_its_files() throws IOException {
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, 0)) {
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                assertThat(jedis.ping()).isEqualTo("PONG");
                assertThat(jedis.configGet("bind").values()).containsExactly("127.0.0.1");
                assertThat(jedis.configGet("appendonly").values()).containsExactly("yes");
                assertThat(jedis.configGet("save").values()).containsExactly("");
            }
            assertThat(dir.resolve("bin/redis-server")).isExecutable();
            assertThat(Files.readString(dir.resolve("redis.pid")).trim()).isEqualTo(Long.toString(redis.pid()));
            assertThat(dir.resolve("redis.log")).isNotEmptyFile();
        }
        assertThat(dir.resolve("redis.pid")).doesNotExist();
    }

    @Test
    void data_survives_a_restart_through_the_append_only_file() {
        int port;
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, 0)) {
            port = redis.port();
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                jedis.set("k", "v");
                jedis.xadd("s", StreamEntryID.NEW_ENTRY, Map.of("f", "1"));
            }
        }
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, port);
                Jedis jedis = new Jedis(URI.create(redis.uri()))) {
            assertThat(jedis.get("k")).isEqualTo("v");
            assertThat(jedis.xlen("s")).isEqualTo(1);
        }
    }

    @Test
    void close_leaves_no_process_behind_and_is_idempotent() {
        EmbeddedRedis redis = EmbeddedRedis.start(dir, 0);
        long pid = redis.pid();
        long t0 = System.nanoTime();
        redis.close();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(Procs.running(pid)).isFalse();
        assertThat(Procs.portFree(redis.port())).isTrue();
        assertThat(millis).isLessThan(3_000);
        redis.close();
    }

    @Test
    void a_busy_port_fails_with_a_clear_message() {
        try (EmbeddedRedis first = EmbeddedRedis.start(dir.resolve("a"), 0)) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> EmbeddedRedis.start(dir.resolve("b"), first.port()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already in use");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(15_000);
        }
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void redis_dies_soon_after_its_jvm_is_killed() throws Exception {
        Process jvm = launchMain(dir, 0);
        try {
            String[] ready = awaitReady(jvm);
            int port = Integer.parseInt(ready[1]);
            long redisPid = Long.parseLong(ready[2]);
            assertThat(Procs.running(redisPid)).isTrue();

            long t0 = System.nanoTime();
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            jvm.waitFor(5, TimeUnit.SECONDS);
            assertThat(Procs.awaitExit(redisPid, 5_000))
                    .as("redis-server (pid %d) still running after its JVM was killed", redisPid)
                    .isTrue();
            long millis = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("redis-server gone " + millis + " ms after kill -9 of its JVM");
            assertThat(millis).isLessThan(3_000);
            assertThat(Procs.portFree(port)).isTrue();
        } finally {
            jvm.destroyForcibly();
        }
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void a_redis_server_left_by_a_crashed_run_is_stopped_before_starting() throws Exception {
        // simulate an orphan: a redis-server recorded in redis.pid with no watchdog around it
        EmbeddedRedis.start(dir, 0).close(); // extracts the binary
        int port = Procs.freePort();
        Process orphan = new ProcessBuilder(List.of(
                        dir.resolve("bin/redis-server").toString(),
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--dir",
                        dir.toString(),
                        "--save",
                        "",
                        "--logfile",
                        dir.resolve("orphan.log").toString()))
                .start();
        try {
            Files.writeString(dir.resolve("redis.pid"), orphan.pid() + "\n", StandardCharsets.US_ASCII);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Procs.portFree(port) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Procs.portFree(port)).isFalse();

            try (EmbeddedRedis redis = EmbeddedRedis.start(dir, port)) {
                assertThat(orphan.waitFor(5, TimeUnit.SECONDS)).isTrue();
                assertThat(redis.pid()).isNotEqualTo(orphan.pid());
                try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                    assertThat(jedis.ping()).isEqualTo("PONG");
                }
            }
        } finally {
            orphan.destroyForcibly();
        }
    }

    @Test
    void a_failed_start_reports_the_tail_of_the_log() throws IOException {
        // a directory named like the AOF makes redis-server exit at start-up
        Files.createDirectories(dir.resolve("appendonly.aof"));
        assertThatThrownBy(() -> EmbeddedRedis.start(dir, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tail of")
                .hasMessageContaining("redis.log");
    }

    static Process launchMain(Path dir, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        EmbeddedRedisMain.class.getName(),
                        dir.toString(),
                        Integer.toString(port))
                .redirectErrorStream(true)
                .start();
    }

    static String[] awaitReady(Process jvm) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + 60_000_000_000L;
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                // keep draining so the child never blocks on a full pipe
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {}
                    } catch (IOException ignored) {
                        // the child is gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line.split(" ");
            }
            seen.append(line).append('\n');
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new AssertionError("child JVM did not report READY; output:\n" + seen);
    }
}

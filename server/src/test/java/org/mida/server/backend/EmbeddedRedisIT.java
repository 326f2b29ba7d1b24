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
import org.mida.server.testing.ServerProcess;
import org.mida.server.testing.Threads;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;

class EmbeddedRedisIT {

    @TempDir
    Path dir;

    @Test
    void answers_ping_on_loopback_and_writes_its_files() throws IOException {
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, 0)) {
            assertThat(redis.uri()).isEqualTo("redis://:" + redis.password() + "@127.0.0.1:" + redis.port());
            assertThat(redis.uriWithoutPassword()).isEqualTo("redis://127.0.0.1:" + redis.port());
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                assertThat(jedis.ping()).isEqualTo("PONG");
                assertThat(jedis.info("persistence")).contains("aof_enabled:1");
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

    /**
     * The blocker of issue 14: any local user connected, CONFIG SET dir + dbfilename + SAVE wrote an
     * attacker-chosen file (e.g. ~/.ssh/authorized_keys), and SHUTDOWN stopped the server.
     */
    @Test
    void clients_without_the_password_are_refused_and_cannot_write_files() throws Exception {
        Path target = dir.resolve("planted");
        Files.createDirectories(target);
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir.resolve("redis"), 0)) {
            // no password: every command refused
            assertThat(EmbeddedRedis.command(redis.port(), 2_000, null, "PING")).startsWith("-NOAUTH");
            // (a disabled command is "unknown" even before AUTH)
            assertThat(EmbeddedRedis.command(redis.port(), 2_000, null, "CONFIG", "SET", "dir", target.toString()))
                    .startsWith("-ERR unknown command");
            assertThat(EmbeddedRedis.command(redis.port(), 2_000, null, "SET", "k", "v"))
                    .startsWith("-NOAUTH");
            assertThat(EmbeddedRedis.command(redis.port(), 2_000, null, "XADD", "mida:events", "*", "event", "{}"))
                    .startsWith("-NOAUTH");
            assertThat(EmbeddedRedis.command(redis.port(), 2_000, "guess", "PING"))
                    .startsWith("-WRONGPASS");
            // with the password, the commands that reach files, the configuration or other servers are gone
            for (List<String> attack : List.of(
                    List.of("CONFIG", "SET", "dir", target.toString()),
                    List.of("CONFIG", "SET", "dbfilename", "authorized_keys"),
                    List.of("CONFIG", "GET", "*"),
                    List.of("SAVE"),
                    List.of("BGSAVE"),
                    List.of("BGREWRITEAOF"),
                    List.of("DEBUG", "SLEEP", "0"),
                    List.of("MODULE", "LOAD", target.resolve("evil.so").toString()),
                    List.of("SLAVEOF", "127.0.0.1", "1"),
                    List.of("REPLICAOF", "127.0.0.1", "1"),
                    List.of("MIGRATE", "127.0.0.1", "1", "k", "0", "1000"),
                    List.of("ACL", "SETUSER", "intruder", "on", ">pw", "allcommands", "allkeys"),
                    List.of("SHUTDOWN", "NOSAVE"))) {
                String reply =
                        EmbeddedRedis.command(redis.port(), 2_000, redis.password(), attack.toArray(String[]::new));
                assertThat(reply).as(String.join(" ", attack)).startsWith("-ERR unknown command");
            }
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                assertThat(jedis.ping()).isEqualTo("PONG"); // still up after SHUTDOWN
                jedis.set("k", "v");
            }
            try (var files = Files.list(target)) {
                assertThat(files).isEmpty();
            }
            // the password is on disk for the owner only, and not on redis-server's command line
            Path pw = redis.dir().resolve(EmbeddedRedis.PASSWORD_FILE);
            assertThat(Files.readString(pw).strip()).isEqualTo(redis.password());
            if (java.nio.file.FileSystems.getDefault()
                    .supportedFileAttributeViews()
                    .contains("posix")) {
                assertThat(perms(pw)).isEqualTo("rw-------");
                assertThat(perms(redis.dir().resolve("redis.conf"))).isEqualTo("rw-------");
                assertThat(perms(redis.dir())).isEqualTo("rwx------");
            }
            Path cmdline = Path.of("/proc/" + redis.pid() + "/cmdline");
            if (Files.exists(cmdline)) {
                assertThat(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8))
                        .contains("redis-server")
                        .doesNotContain(redis.password());
            }
        }
    }

    @Test
    void the_password_is_kept_across_restarts_and_rotated_by_deleting_its_file() throws IOException {
        String first;
        int port;
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, 0)) {
            first = redis.password();
            port = redis.port();
        }
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, port)) {
            assertThat(redis.password()).isEqualTo(first);
        }
        Files.delete(dir.resolve(EmbeddedRedis.PASSWORD_FILE));
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, port)) {
            assertThat(redis.password()).isNotEqualTo(first).hasSizeGreaterThanOrEqualTo(40);
            assertThat(EmbeddedRedis.command(port, 2_000, first, "PING")).startsWith("-WRONGPASS");
        }
    }

    private static String perms(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
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
        return new ProcessBuilder(ServerProcess.javaCommand(
                        List.of(), EmbeddedRedisMain.class.getName(), dir.toString(), Integer.toString(port)))
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
                Threads.daemon("redis-main-output", () -> {
                    try {
                        while (out.readLine() != null) {}
                    } catch (IOException ignored) {
                        // the child is gone
                    }
                });
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

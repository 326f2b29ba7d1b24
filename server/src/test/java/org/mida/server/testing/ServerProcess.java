package org.mida.server.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

/**
 * The server as a user runs it: {@code org.mida.server.app.Main} in a JVM of its own on a data dir, with
 * fixed free ports (so a second launch on the same dir finds the same Redis and Neo4j ports) and its
 * output in a log file under the data dir.
 */
public final class ServerProcess implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final Path dir;
    private final int http;
    private final int bolt;
    private final int redisPort;
    private final Path log;
    private Process process;

    private ServerProcess(Path dir, int http, int bolt, int redisPort, Path log) {
        this.dir = dir;
        this.http = http;
        this.bolt = bolt;
        this.redisPort = redisPort;
        this.log = log;
    }

    /** Picks free ports for a server on {@code dir}; {@link #launch} starts it (again). */
    public static ServerProcess on(Path dir) throws IOException {
        return new ServerProcess(dir, freePort(), freePort(), freePort(), null);
    }

    /** Starts (or restarts, on the same dir and ports) {@code Main} with {@code extraArgs}; a new log file each time. */
    public ServerProcess launch(String... extraArgs) throws IOException {
        var cmd = javaCommand(
                List.of("-Xmx1g"),
                "org.mida.server.app.Main",
                "--data-dir",
                dir.toString(),
                "--port",
                String.valueOf(http),
                "--bolt-port",
                String.valueOf(bolt),
                "--redis-port",
                String.valueOf(redisPort));
        cmd.addAll(List.of(extraArgs));
        Path newLog = dir.resolve("server-" + System.nanoTime() + ".log");
        var started = new ServerProcess(dir, http, bolt, redisPort, newLog);
        started.process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(newLog.toFile())
                .start();
        return started;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public int httpPort() {
        return http;
    }

    /** Waits until {@code /api/health} says ok; fails if the process exits first. */
    public ServerProcess awaitHealthy(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive())
                throw new AssertionError("server exited with " + process.exitValue() + ": " + logText());
            try {
                if (get("/api/health").contains("\"status\":\"ok\"")) return this;
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("server did not become healthy within " + timeout + ": " + logText());
    }

    /** A client of the embedded Redis, with the password the server generated in its data dir. */
    public JedisPooled redis() throws IOException {
        String password = Files.readString(dir.resolve("redis/password")).strip();
        return new JedisPooled(URI.create("redis://:" + password + "@127.0.0.1:" + redisPort));
    }

    /**
     * XADDs {@code events} (JSON objects) to {@code mida:events} in entries of 100, as an observer's flushed
     * buffer arrives.
     */
    public static void xaddInEntries(JedisPooled redis, List<String> events) {
        for (int i = 0; i < events.size(); i += 100) {
            String entry = "[" + String.join(",", events.subList(i, Math.min(events.size(), i + 100))) + "]";
            redis.xadd("mida:events", StreamEntryID.NEW_ENTRY, Map.of("event", entry));
        }
    }

    public String get(String path) throws IOException, InterruptedException {
        return CLIENT.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The task count {@code /api/health} reports, -1 if it reports none. */
    public long healthTasks() throws IOException, InterruptedException {
        var m = Pattern.compile("\"tasks\":(\\d+)").matcher(get("/api/health"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Waits until {@code /api/health} reports {@code tasks} tasks and no pending entry; returns its last answer
     * (the caller asserts on it, e.g. {@code "dead_letters":0}).
     */
    public String awaitIngested(long tasks, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String health = "";
        while (System.nanoTime() < deadline) {
            health = get("/api/health");
            if (health.contains("\"pending\":0,") && healthTasks() == tasks) break;
            Thread.sleep(200);
        }
        return health;
    }

    /** Waits until {@code /api/health} reports at least {@code tasks} tasks; returns the last count. */
    public long awaitTasksAtLeast(long tasks, Duration timeout) throws Exception {
        long seen = -1;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && (seen = healthTasks()) < tasks) Thread.sleep(20);
        return seen;
    }

    public String logText() {
        try {
            return log == null || !Files.exists(log) ? "" : Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM, as a service manager or Ctrl-C stops it; true if it exited within {@code timeout}. */
    public boolean stop(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL if still running. */
    @Override
    public void close() {
        if (process != null) process.destroyForcibly();
    }

    /**
     * The command that runs {@code mainClass} with {@code args} in a JVM of its own: this JVM's {@code java},
     * then {@code jvmOptions}, this test's class path; a list the caller may add to.
     */
    public static List<String> javaCommand(List<String> jvmOptions, String mainClass, String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A port free on the loopback address now. */
    public static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

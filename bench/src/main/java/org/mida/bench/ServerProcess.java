package org.mida.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One MIDA server run the way a user runs it, {@code java -jar server/target/mida-server.jar}, on its own
 * data dir and free ports, with an API token (the benchmarks read through /api/cypher). The ports are
 * chosen once, so a restart after {@link #kill9()} comes back on the same ones and the same data dir.
 * Output goes to {@code <data dir name>-server-N.log} in a log dir.
 */
final class ServerProcess implements AutoCloseable {
    static final String TOKEN = "bench-" + Long.toHexString(System.nanoTime());

    final Path dataDir;
    final int port;
    final int boltPort;
    final int redisPort;
    private final Path jar;
    private final List<String> extraArgs;
    private final java.util.Map<String, String> env;
    private final Path logDir;
    private final MidaClient client;
    private Process process;
    private int starts;
    private Path log;

    /**
     * @param logDir where the server's output goes (not the data dir: the disk-full fault fills that)
     * @param env variables added to the server's environment (secrets stay off its command line)
     */
    ServerProcess(Path jar, Path dataDir, Path logDir, List<String> extraArgs, java.util.Map<String, String> env)
            throws IOException {
        this.jar = jar;
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.env = java.util.Map.copyOf(env);
        this.extraArgs = List.copyOf(extraArgs);
        this.port = BenchSupport.freePort();
        this.boltPort = BenchSupport.freePort();
        this.redisPort = BenchSupport.freePort();
        this.client = new MidaClient(port, TOKEN);
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("mida.bench.server.jar", "server/target/mida-server.jar"));
        if (!Files.exists(jar)) throw new IllegalStateException("no server jar at " + jar.toAbsolutePath());
        return jar;
    }

    MidaClient client() {
        return client;
    }

    /** Starts the process (does not wait for it to be healthy). */
    void start() throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException("already running");
        starts++;
        log = logDir.resolve(dataDir.getFileName() + "-server-" + starts + ".log");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new ArrayList<String>();
        cmd.add(javaBin);
        String opts = System.getenv("BENCH_SERVER_OPTS");
        if (opts != null && !opts.isBlank()) cmd.addAll(List.of(opts.trim().split("\\s+")));
        cmd.addAll(List.of(
                "-jar",
                jar.toString(),
                "--data-dir",
                dataDir.toString(),
                "--port",
                String.valueOf(port),
                "--bolt-port",
                String.valueOf(boltPort),
                "--redis-port",
                String.valueOf(redisPort),
                "--api-token",
                TOKEN,
                "--cypher-timeout-ms",
                "300000",
                "--cypher-max-rows",
                "20000"));
        cmd.addAll(extraArgs);
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putIfAbsent("MIDA_LOG_LEVEL", "INFO");
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** Waits until /api/health says ok; the seconds waited. Fails when the process exits or time runs out. */
    double awaitHealthy(long timeoutSeconds) throws Exception {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < timeoutSeconds * 1_000_000_000L) {
            if (!process.isAlive())
                throw new IllegalStateException(
                        "server exited (status " + process.exitValue() + ") before it was healthy:\n" + tail());
            if (client.health().ok()) return (System.nanoTime() - t0) / 1e9;
            Thread.sleep(100);
        }
        throw new IllegalStateException("server not healthy within " + timeoutSeconds + " s:\n" + tail());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Unix
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The embedded redis-server's pid (from {@code data/redis/redis.pid}), -1 when there is none. */
    long redisPid() {
        try {
            return Long.parseLong(Files.readString(dataDir.resolve("redis/redis.pid"), StandardCharsets.US_ASCII)
                    .trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The embedded Redis's URI with its password (from the data dir, docs/SECURITY.md). */
    String redisUri() throws IOException {
        String pw = Files.readString(dataDir.resolve("redis/password"), StandardCharsets.UTF_8)
                .strip();
        return "redis://:" + pw + "@127.0.0.1:" + redisPort;
    }

    Path log() {
        return log;
    }

    /** The log's first error lines (not stack frames) and its last lines, for a failure message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            var errors = lines.stream()
                    .filter(l -> !l.startsWith("\t") && (l.contains("ERROR") || l.contains("Exception")))
                    .limit(6)
                    .toList();
            return "first errors in " + log + ":\n" + String.join("\n", errors) + "\n--- last lines:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM (graceful stop), SIGKILL after 60 s. */
    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill9();
    }
}

package org.mida.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code bench/run startup [--quick]}: launches {@code java -jar server/target/mida-server.jar} with
 * embedded defaults the way a user does (no JVM flags), on a new data dir and then again on the same
 * one, and measures the time from process start until {@code /api/health} answers "ok", and the heap
 * in use once idle (after a GC, read through {@code jcmd}). Targets: start ≤ 15 s, idle heap ≤ 512 MiB.
 */
public final class StartupBench {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int restarts = quick ? 1 : 3;
        Path jar = Path.of(System.getProperty("mida.bench.server.jar", "server/target/mida-server.jar"));
        if (!Files.exists(jar)) throw new IllegalStateException("no server jar at " + jar.toAbsolutePath());
        Path dir = Files.createTempDirectory("mida-startup-");
        var out = new LinkedHashMap<String, Object>();
        try {
            List<Double> warm = new ArrayList<>();
            double fresh = 0;
            long idleHeap = 0;
            for (int i = 0; i <= restarts; i++) {
                var r = startOnce(jar, dir.resolve("data"));
                System.out.printf(
                        "[startup] run %d (%s store): healthy after %.2f s, idle heap %d MiB%n",
                        i, i == 0 ? "new" : "existing", r.seconds(), r.heapBytes() >> 20);
                if (i == 0) fresh = r.seconds();
                else warm.add(r.seconds());
                idleHeap = Math.max(idleHeap, r.heapBytes());
            }
            warm.sort(Comparator.naturalOrder());
            out.put("start_new_store_s", round(fresh));
            out.put("start_existing_store_s_median", round(warm.get(warm.size() / 2)));
            out.put("start_existing_store_s_max", round(warm.get(warm.size() - 1)));
            out.put("idle_heap_used_mib_max", idleHeap >> 20);
            out.put("restarts", restarts);
            out.put("cores", Runtime.getRuntime().availableProcessors());
            out.put(
                    "load_average_at_end",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            BenchSupport.deleteTree(dir);
        }
        System.out.println(json(out));
    }

    record Result(double seconds, long heapBytes) {}

    static Result startOnce(Path jar, Path data) throws Exception {
        int port = BenchSupport.freePort(), bolt = BenchSupport.freePort(), redis = BenchSupport.freePort();
        Path log = Files.createTempFile("mida-startup-", ".log");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(
                        javaBin,
                        "-jar",
                        jar.toString(),
                        "--data-dir",
                        data.toString(),
                        "--port",
                        String.valueOf(port),
                        "--bolt-port",
                        String.valueOf(bolt),
                        "--redis-port",
                        String.valueOf(redis))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            double seconds = -1;
            while (System.nanoTime() - t0 < 120_000_000_000L) {
                if (!p.isAlive()) throw new IllegalStateException("server exited; see " + log);
                if (health(port).contains("\"status\":\"ok\"")) {
                    seconds = (System.nanoTime() - t0) / 1e9;
                    break;
                }
                Thread.sleep(50);
            }
            if (seconds < 0) throw new IllegalStateException("server not healthy within 120 s; see " + log);
            Thread.sleep(3000); // idle: the ingest loop is polling an empty stream
            jcmd(p.pid(), "GC.run");
            String metrics = get(port, "/metrics");
            var m = Pattern.compile("mida_jvm_heap_used_bytes (\\d+)").matcher(metrics);
            long heap = m.find() ? Long.parseLong(m.group(1)) : -1;
            return new Result(seconds, heap);
        } finally {
            p.destroy(); // SIGTERM: graceful stop, embedded Redis and Neo4j shut down
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                p.destroyForcibly().waitFor();
            Files.deleteIfExists(log);
        }
    }

    private static void jcmd(long pid, String command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, String.valueOf(pid), command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }

    private static String health(int port) {
        try {
            return get(port, "/api/health");
        } catch (Exception e) {
            return "";
        }
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String json(Map<String, Object> m) {
        var sb = new StringBuilder("{");
        for (var e : m.entrySet()) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            sb.append(v instanceof Number ? v.toString() : "\"" + v + "\"");
        }
        return sb.append('}').toString();
    }
}

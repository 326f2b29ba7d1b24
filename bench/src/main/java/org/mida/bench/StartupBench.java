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
 * one, and measures the time from process start until {@code /api/health} answers "ok", then how long
 * the first event POSTed right after that takes to be visible ({@code GET /api/tasks/{id}} answers 200)
 * and, for comparison, a second one, and the heap in use once idle (after a GC, read through {@code
 * jcmd}). Targets: start ≤ 15 s, idle heap ≤ 512 MiB, the first event visible within one batch.
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
            List<Double> firstEvent = new ArrayList<>();
            List<Double> secondEvent = new ArrayList<>();
            double fresh = 0;
            long idleHeap = 0;
            for (int i = 0; i <= restarts; i++) {
                var r = startOnce(jar, dir.resolve("data"));
                System.out.printf(
                        "[startup] run %d (%s store): healthy after %.2f s, first event visible %.2f s after"
                                + " that (a second one %.2f s), idle heap %d MiB%n",
                        i,
                        i == 0 ? "new" : "existing",
                        r.seconds(),
                        r.firstEventSeconds(),
                        r.secondEventSeconds(),
                        r.heapBytes() >> 20);
                if (i == 0) {
                    fresh = r.seconds();
                    out.put("first_event_new_store_s", round(r.firstEventSeconds()));
                } else {
                    warm.add(r.seconds());
                    firstEvent.add(r.firstEventSeconds());
                }
                secondEvent.add(r.secondEventSeconds());
                idleHeap = Math.max(idleHeap, r.heapBytes());
            }
            warm.sort(Comparator.naturalOrder());
            out.put("start_new_store_s", round(fresh));
            out.put("start_existing_store_s_median", round(warm.get(warm.size() / 2)));
            out.put("start_existing_store_s_max", round(warm.get(warm.size() - 1)));
            firstEvent.sort(Comparator.naturalOrder());
            secondEvent.sort(Comparator.naturalOrder());
            out.put("first_event_existing_store_s_max", round(firstEvent.get(firstEvent.size() - 1)));
            out.put("second_event_s_max", round(secondEvent.get(secondEvent.size() - 1)));
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

    record Result(double seconds, double firstEventSeconds, double secondEventSeconds, long heapBytes) {}

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
            // as a new user: one event right after health says ok, then poll until it is there
            double first = visibleAfter(port, "startup-first-" + System.nanoTime());
            double second = visibleAfter(port, "startup-second-" + System.nanoTime());
            Thread.sleep(3000); // idle: the ingest loop is polling an empty stream
            jcmd(p.pid(), "GC.run");
            String metrics = get(port, "/metrics");
            // Prometheus text writes the value as a float ("1.2345E8")
            var m = Pattern.compile("mida_jvm_heap_used_bytes ([0-9.eE+-]+)").matcher(metrics);
            long heap = m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
            return new Result(seconds, first, second, heap);
        } finally {
            p.destroy(); // SIGTERM: graceful stop, embedded Redis and Neo4j shut down
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                p.destroyForcibly().waitFor();
            Files.deleteIfExists(log);
        }
    }

    /** Seconds from POSTing one task event until {@code GET /api/tasks/{id}} answers 200. */
    private static double visibleAfter(int port, String taskId) throws IOException, InterruptedException {
        String event = "{\"type\":\"task\",\"task_id\":\"" + taskId
                + "\",\"workflow_id\":\"startup\",\"campaign_id\":\"startup\",\"status\":\"FINISHED\","
                + "\"started_at\":1732400000.0,\"ended_at\":1732400001.0,"
                + "\"used\":{\"data\":{\"@id\":\"file:///data/in.csv\"}},"
                + "\"generated\":{\"model\":{\"@id\":\"file:///data/" + taskId + ".pt\"}}}";
        long t0 = System.nanoTime();
        var post = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(event))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (post.statusCode() != 202) throw new IllegalStateException("POST /api/events: " + post.body());
        var get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/tasks/" + taskId))
                .build();
        while (System.nanoTime() - t0 < 120_000_000_000L) {
            if (HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200)
                return (System.nanoTime() - t0) / 1e9;
            Thread.sleep(20);
        }
        throw new IllegalStateException("event " + taskId + " not visible within 120 s");
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

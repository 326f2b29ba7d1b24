package org.mida.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mida.event.EventCodec;
import redis.clients.jedis.Jedis;

/**
 * {@code bench/run soak [--quick] [--minutes N] [--rate R] [--png FILE] [--csv FILE]}: one server ({@code
 * java -jar server/target/mida-server.jar}, embedded backends) fed {@code R} events/s (default 2,000:
 * every 50 ms one POST of 100 events, RUNNING of 50 tasks and FINISHED of the 50 before) for {@code N}
 * minutes (default 30; --quick: 3), with an SSE client on {@code /api/stream} open all the time (as the
 * web UI keeps it). Every 5 s: the server's heap in use (/metrics), RSS and threads (/proc/PID/status),
 * open file descriptors (/proc/PID/fd), Redis used_memory and the stream's length (XLEN, with the
 * password from the data dir), the dead-letter stream's length, and the visibility latency p50/p99 of the
 * tasks that became visible in those 5 s: from the POST of a task's FINISHED event to its FINISHED
 * message on the SSE stream. Writes the samples as CSV and draws them as a PNG; the last stdout line is
 * one JSON object with start/end/max and the slope (per minute) of every series.
 */
public final class SoakBench {
    private static final Pattern TASK = Pattern.compile("\"task_id\":\"([^\"]*)/t-(\\d+)\"");
    private static final String[] COLUMNS = {
        "t_min",
        "sent_events",
        "ingested_events",
        "heap_used_mib",
        "rss_mib",
        "threads",
        "fds",
        "redis_used_memory_mib",
        "stream_len",
        "dead_letters",
        "visibility_p50_ms",
        "visibility_p99_ms",
        "visibility_samples",
        "sse_messages",
        "sse_dropped",
        "server_cpu_s"
    };

    private final String prefix = "soak-" + Long.toString(System.currentTimeMillis(), 36);
    private final int perEntry = 100;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong postErrors = new AtomicLong();
    private final AtomicLong sseMessages = new AtomicLong();
    private final AtomicLong sseDropped = new AtomicLong();
    private final AtomicLong sseMalformed = new AtomicLong();
    private long[] finishedSentNanos = new long[1 << 16]; // per block of 50 tasks
    private final BitSet seenFinished = new BitSet();
    private final List<Double> window = new ArrayList<>();
    private double[] all = new double[1 << 16];
    /** When the FINISHED event of each latency in {@link #all} was posted, seconds after the first POST. */
    private double[] allAt = new double[1 << 16];

    private int allCount;
    private volatile long t0;

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        var argv = Arrays.asList(args);
        boolean quick = argv.contains("--quick");
        double minutes = Double.parseDouble(opt(argv, "--minutes", quick ? "3" : "30"));
        double rate = Double.parseDouble(opt(argv, "--rate", "2000"));
        Path png = Path.of(opt(argv, "--png", "docs/img/soak.png"));
        Path csv = Path.of(opt(argv, "--csv", "bench/target/soak.csv"));
        int sampleSeconds = Integer.parseInt(opt(argv, "--sample-seconds", "5"));
        new SoakBench().run(minutes, rate, png, csv, sampleSeconds);
        System.exit(0);
    }

    private static String opt(List<String> argv, String name, String dflt) {
        int i = argv.indexOf(name);
        return i >= 0 && i + 1 < argv.size() ? argv.get(i + 1) : dflt;
    }

    private static void progress(String s) {
        System.out.printf("[soak] %tT %s%n", System.currentTimeMillis(), s);
        System.out.flush();
    }

    private void run(double minutes, double rate, Path png, Path csv, int sampleSeconds) throws Exception {
        Path root = Files.createTempDirectory("mida-soak-");
        var s = new ServerProcess(ServerProcess.jar(), root.resolve("soak-data"), root, List.of(), Map.of());
        var rows = new ArrayList<double[]>();
        var out = new LinkedHashMap<String, Object>();
        ExecutorService posters = Executors.newFixedThreadPool(8);
        Thread sse = null;
        try {
            s.start();
            progress(String.format("server up after %.1f s (pid %d)", s.awaitHealthy(300), s.pid()));
            sse = sseClient(s.client().base);
            Thread.sleep(500);
            MidaClient c = s.client();
            String redisUri = s.redisUri();
            t0 = System.nanoTime();
            long end = t0 + (long) (minutes * 60e9);
            long nextSample = t0;
            double entryNanos = perEntry * 1e9 / rate;
            long k = 0;
            try (var jedis = new Jedis(URI.create(redisUri), 5000)) {
                while (true) {
                    long now = System.nanoTime();
                    if (now >= nextSample) {
                        rows.add(sample(s, c, jedis, (now - t0) / 60e9));
                        double[] r = rows.get(rows.size() - 1);
                        progress(String.format(
                                "%5.1f min: sent %,d ingested %,d heap %.0f MiB rss %.0f MiB fds %.0f redis %.1f MiB"
                                        + " xlen %.0f p50 %.0f ms p99 %.0f ms sse %,d",
                                r[0], (long) r[1], (long) r[2], r[3], r[4], r[6], r[7], r[8], r[10], r[11], (long)
                                        r[13]));
                        nextSample += sampleSeconds * 1_000_000_000L;
                    }
                    if (now >= end) break;
                    long due = t0 + (long) (k * entryNanos);
                    if (now < due) {
                        LockSupport.parkNanos(Math.min(due, nextSample) - now);
                        continue;
                    }
                    long block = k;
                    String body = entry(block);
                    posters.execute(() -> post(c, body, block));
                    k++;
                }
                posters.shutdown();
                posters.awaitTermination(2, TimeUnit.MINUTES);
                double sendSeconds = (System.nanoTime() - t0) / 1e9;
                progress("sending stopped; waiting for the ingest to drain");
                boolean drained = HealthWatch.drain(c, 60, 600);
                Thread.sleep(2000); // the last SSE messages
                rows.add(sample(s, c, jedis, (System.nanoTime() - t0) / 60e9));
                out.put("benchmark", "soak");
                out.put("minutes", minutes);
                out.put("rate_target", rate);
                out.put("rate_sent", Math.round(sent.get() / sendSeconds));
                out.put("events_sent", sent.get());
                out.put("events_ingested", c.health().ingested());
                out.put("drained", drained);
                out.put("post_errors", postErrors.get());
                out.put("sse_messages", sseMessages.get());
                out.put("sse_dropped", sseDropped.get());
                long finishedSent = Math.max(0, (k - 1) * (perEntry / 2));
                int seen;
                synchronized (seenFinished) {
                    seen = seenFinished.cardinality();
                }
                out.put("finished_tasks_sent", finishedSent);
                out.put("finished_seen_on_sse", seen);
                synchronized (window) {
                    double[] lat = Arrays.copyOf(all, allCount);
                    Arrays.sort(lat);
                    out.put("visibility_samples", lat.length);
                    out.put("visibility_p50_ms", round(pct(lat, 0.50)));
                    out.put("visibility_p99_ms", round(pct(lat, 0.99)));
                    out.put("visibility_max_ms", round(lat.length == 0 ? Double.NaN : lat[lat.length - 1]));
                    // the first minute after the server said healthy (issue 14: the cold start)
                    out.put("first_minute", firstMinute(rows));
                }
            }
        } finally {
            posters.shutdownNow();
            if (sse != null) sse.interrupt();
            s.close();
            keepLog(s, csv);
            BenchSupport.deleteTree(root);
        }
        writeCsv(csv, rows);
        double[] time = rows.stream().mapToDouble(r -> r[0]).toArray();
        double[][] data = new double[COLUMNS.length][rows.size()];
        for (int i = 0; i < rows.size(); i++) for (int j = 0; j < COLUMNS.length; j++) data[j][i] = rows.get(i)[j];
        SoakChart.draw(
                png,
                String.format(
                        "MIDA soak: %.0f events/s for %s min, SSE client open (%s, %d cores)",
                        rate,
                        minutes == Math.rint(minutes) ? String.valueOf((long) minutes) : String.valueOf(minutes),
                        java.time.LocalDate.now(),
                        Runtime.getRuntime().availableProcessors()),
                time,
                data,
                COLUMNS,
                List.of(
                        new SoakChart.Panel("server heap used", "MiB", List.of(3)),
                        new SoakChart.Panel("server RSS", "MiB", List.of(4)),
                        new SoakChart.Panel("open file descriptors", "count", List.of(6)),
                        new SoakChart.Panel("Redis used_memory", "MiB", List.of(7)),
                        new SoakChart.Panel("stream length (XLEN)", "entries", List.of(8)),
                        new SoakChart.Panel("visibility POST -> SSE, p50 / p99", "ms", List.of(10, 11), true)));
        var series = new LinkedHashMap<String, Object>();
        for (int j : new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11}) series.put(COLUMNS[j], stats(time, data[j]));
        out.put("series", series);
        out.put("csv", csv.toString());
        out.put("png", png.toString());
        System.out.println(EventCodec.shared().toJson(out));
    }

    /** Copies the server's log next to the CSV ({@code soak-server.log}): start-up timings are in it. */
    private static void keepLog(ServerProcess s, Path csv) {
        try {
            if (s.log() == null || !Files.exists(s.log())) return;
            Path dir = csv.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Files.copy(s.log(), dir.resolve("soak-server.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            progress("could not keep the server log: " + e);
        }
    }

    /** Entry {@code k}: RUNNING of block k and FINISHED of block k-1 (50 tasks each). */
    private String entry(long k) {
        int half = perEntry / 2;
        var list = new ArrayList<Map<String, Object>>(perEntry);
        for (int i = 0; i < half; i++) list.add(FaultWorkload.event(prefix, (int) (k * half + i), 0, 2));
        if (k > 0)
            for (int i = 0; i < half; i++) list.add(FaultWorkload.event(prefix, (int) ((k - 1) * half + i), 1, 2));
        return EventCodec.shared().toJson(list);
    }

    private void post(MidaClient c, String body, long k) {
        long t = System.nanoTime();
        if (k > 0) {
            synchronized (this) {
                if (k - 1 >= finishedSentNanos.length)
                    finishedSentNanos = Arrays.copyOf(finishedSentNanos, (int) Math.max(k * 2, 1 << 16));
                finishedSentNanos[(int) (k - 1)] = t;
            }
        }
        int code = c.postEvents(body);
        if (code == 202) sent.addAndGet(k > 0 ? perEntry : perEntry / 2);
        else postErrors.incrementAndGet();
    }

    /** Reads /api/stream for as long as the run lasts, timing the FINISHED messages of this run's tasks. */
    private Thread sseClient(String base) {
        var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Thread t = new Thread(
                () -> {
                    try {
                        var res = http.send(
                                HttpRequest.newBuilder(URI.create(base + "/api/stream?events=task"))
                                        .header("Accept", "text/event-stream")
                                        .build(),
                                HttpResponse.BodyHandlers.ofLines());
                        if (res.statusCode() != 200) {
                            progress("SSE answered " + res.statusCode());
                            return;
                        }
                        String event = "message";
                        try (Stream<String> lines = res.body()) {
                            var it = lines.iterator();
                            while (it.hasNext() && !Thread.currentThread().isInterrupted()) {
                                String line = it.next();
                                if (line.startsWith("event:"))
                                    event = line.substring(6).trim();
                                else if (line.startsWith("data:")) {
                                    onMessage(event, line.substring(5).trim());
                                    event = "message";
                                }
                            }
                        }
                    } catch (IOException e) {
                        progress("SSE client stopped: " + e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "sse-client");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void onMessage(String event, String data) {
        long now = System.nanoTime();
        if (event.equals("dropped")) {
            var m = Pattern.compile("\"dropped\":(\\d+)").matcher(data);
            if (m.find()) sseDropped.addAndGet(Long.parseLong(m.group(1)));
            return;
        }
        sseMessages.incrementAndGet();
        var m = TASK.matcher(data);
        if (!m.find()) {
            sseMalformed.incrementAndGet();
            return;
        }
        if (!m.group(1).equals(prefix) || !data.contains("\"status\":\"FINISHED\"")) return;
        int i = Integer.parseInt(m.group(2));
        synchronized (seenFinished) {
            if (seenFinished.get(i)) return;
            seenFinished.set(i);
        }
        long sentAt;
        synchronized (this) {
            int block = i / (perEntry / 2);
            sentAt = block < finishedSentNanos.length ? finishedSentNanos[block] : 0;
        }
        if (sentAt == 0) return; // FINISHED of the newest block is sent in the next entry
        double ms = (now - sentAt) / 1e6;
        synchronized (window) {
            window.add(ms);
            if (allCount == all.length) {
                all = Arrays.copyOf(all, all.length * 2);
                allAt = Arrays.copyOf(allAt, all.length);
            }
            allAt[allCount] = (sentAt - t0) / 1e9;
            all[allCount++] = ms;
        }
    }

    private double[] sample(ServerProcess s, MidaClient c, Jedis jedis, double tMin) {
        double[] r = new double[COLUMNS.length];
        Arrays.fill(r, Double.NaN);
        r[0] = tMin;
        r[1] = sent.get();
        var h = c.health();
        r[2] = h.ingested() < 0 ? Double.NaN : h.ingested();
        var m = Pattern.compile("(?m)^mida_jvm_heap_used_bytes ([0-9.eE+-]+)").matcher(c.get("/metrics"));
        if (m.find()) r[3] = Double.parseDouble(m.group(1)) / (1 << 20);
        try {
            String status = Files.readString(Path.of("/proc/" + s.pid() + "/status"));
            var rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(status);
            if (rss.find()) r[4] = Long.parseLong(rss.group(1)) / 1024.0;
            var th = Pattern.compile("Threads:\\s+(\\d+)").matcher(status);
            if (th.find()) r[5] = Long.parseLong(th.group(1));
            try (var fds = Files.list(Path.of("/proc/" + s.pid() + "/fd"))) {
                r[6] = fds.count();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone: NaN
        }
        try {
            var mem = Pattern.compile("used_memory:(\\d+)").matcher(jedis.info("memory"));
            if (mem.find()) r[7] = Long.parseLong(mem.group(1)) / (1024.0 * 1024.0);
            r[8] = jedis.xlen("mida:events");
            r[9] = jedis.xlen("mida:events:dead");
        } catch (RuntimeException e) {
            // Redis away: NaN
        }
        double[] lat;
        synchronized (window) {
            lat = window.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            window.clear();
        }
        r[10] = pct(lat, 0.50);
        r[11] = pct(lat, 0.99);
        r[12] = lat.length;
        r[13] = sseMessages.get();
        r[14] = sseDropped.get();
        r[15] = cpuSeconds(s.pid());
        return r;
    }

    /**
     * Over the tasks whose FINISHED was posted in the first 60 s: visibility p50/p99/max; the backlog (events
     * sent, not ingested yet) at its peak among the samples of that minute, and when the last sample over
     * 1,000 events was (how long the start-up backlog lasted). Caller holds {@code window}.
     */
    private Map<String, Object> firstMinute(List<double[]> rows) {
        double[] lat = new double[allCount];
        int n = 0;
        for (int i = 0; i < allCount; i++) if (allAt[i] < 60) lat[n++] = all[i];
        lat = Arrays.copyOf(lat, n);
        Arrays.sort(lat);
        double peak = 0, peakAt = 0, lastOver = 0, cpuAt0 = Double.NaN, cpuAt60 = Double.NaN, ingestedAt60 = 0;
        for (double[] r : rows) {
            if (Double.isNaN(cpuAt0)) cpuAt0 = r[15];
            if (r[0] * 60 <= 60) {
                cpuAt60 = r[15];
                ingestedAt60 = r[2];
            }
            if (Double.isNaN(r[2])) continue;
            double backlog = r[1] - r[2];
            if (r[0] * 60 <= 60 && backlog > peak) {
                peak = backlog;
                peakAt = r[0] * 60;
            }
            if (backlog > 1000) lastOver = r[0] * 60;
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("visibility_samples", n);
        m.put("visibility_p50_ms", round(pct(lat, 0.50)));
        m.put("visibility_p99_ms", round(pct(lat, 0.99)));
        m.put("visibility_max_ms", round(n == 0 ? Double.NaN : lat[n - 1]));
        m.put("backlog_peak_events", (long) peak);
        m.put("backlog_peak_at_s", round(peakAt));
        m.put("backlog_over_1000_until_s", round(lastOver));
        // CPU the server took until it said healthy, and in the first minute of load: comparable across runs on a
        // machine shared with other work, where the wall-clock figures above are not
        m.put("server_cpu_s_until_healthy", round(cpuAt0));
        m.put("server_cpu_s", round(cpuAt60 - cpuAt0));
        m.put("events_ingested", (long) ingestedAt60);
        m.put("server_cpu_ms_per_1000_events", round((cpuAt60 - cpuAt0) * 1e6 / Math.max(1, ingestedAt60)));
        // the same after the first minute, to the end of the run (the drain included): warm
        double[] last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
        if (last != null && last[2] > ingestedAt60)
            m.put("later_server_cpu_ms_per_1000_events", round((last[15] - cpuAt60) * 1e6 / (last[2] - ingestedAt60)));
        return m;
    }

    /** The process's CPU time so far (user + system, {@code /proc/PID/stat}), NaN off Linux. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime), counted after the command name's ')' from field 3
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ = 100 on Linux
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** start, end, max and the least-squares slope per minute, over the samples that have a value. */
    private static Map<String, Object> stats(double[] t, double[] v) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, max = Double.NaN, first = Double.NaN, last = Double.NaN;
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) continue;
            if (Double.isNaN(first)) first = v[i];
            last = v[i];
            max = Double.isNaN(max) ? v[i] : Math.max(max, v[i]);
            n++;
            sx += t[i];
            sy += v[i];
            sxx += t[i] * t[i];
            sxy += t[i] * v[i];
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("start", round(first));
        m.put("end", round(last));
        m.put("max", round(max));
        double den = n * sxx - sx * sx;
        m.put("slope_per_min", n < 2 || den == 0 ? null : round((n * sxy - sx * sy) / den));
        return m;
    }

    private static void writeCsv(Path csv, List<double[]> rows) throws IOException {
        var sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (double[] r : rows) {
            for (int j = 0; j < r.length; j++) {
                if (j > 0) sb.append(',');
                if (!Double.isNaN(r[j])) sb.append(r[j] == Math.rint(r[j]) ? Long.toString((long) r[j]) : round(r[j]));
            }
            sb.append('\n');
        }
        Files.createDirectories(csv.toAbsolutePath().getParent());
        Files.writeString(csv, sb, StandardCharsets.UTF_8);
    }

    private static Double round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
    }
}

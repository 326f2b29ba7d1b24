package org.mida.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.mida.event.EventCodec;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import redis.clients.jedis.Jedis;

/**
 * {@code bench/run faults [--quick] [--only a,b]}: the fault classes of docs/RELIABILITY.md, each on
 * fresh data dirs with servers run as {@code java -jar server/target/mida-server.jar}, each measured as
 * events the clients had delivered vs. what the graph holds afterwards ({@link GraphCheck}):
 *
 * <ul>
 *   <li>{@code server_kill9}: the server killed -9 and restarted on the same data dir, 5 times while
 *       200,000 events are POSTed (quick: twice, 20,000);
 *   <li>{@code redis_kill9}: the embedded redis-server child killed -9 under a running Java emitter, a
 *       Python emitter and a POSTing client (the server is expected to restart it);
 *   <li>{@code neo4j_unavailable_30s}: Neo4j (run out of process for this) killed -9 and started again 30
 *       s later (quick: 10 s) while events arrive;
 *   <li>{@code disk_full}: the data dir on a small tmpfs, filled while events arrive, then freed (needs
 *       root; else {@code skipped} with the reason);
 *   <li>{@code two_instances}: two servers on one Redis and one Neo4j, each task's 4 events shuffled and
 *       POSTed to both.
 * </ul>
 *
 * Per class: {@code tries}, {@code events_sent}, {@code lost}, {@code duplicated}, {@code dead_lettered},
 * {@code 5xx} (answers >= 500 to POSTs and health polls; {@code 5xx_not_503} of them other than 503,
 * which is the contract while a backend is down) and {@code recovery_seconds}. Progress lines, then one
 * JSON object as the last stdout line.
 */
public final class FaultsBench {
    static final List<String> CLASSES =
            List.of("server_kill9", "redis_kill9", "neo4j_unavailable_30s", "disk_full", "two_instances");

    private final boolean quick;
    private final Path root;
    private final Path jar;
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private FaultsBench(boolean quick, Path root) {
        this.quick = quick;
        this.root = root;
        this.jar = ServerProcess.jar();
    }

    public static void main(String[] args) throws Exception {
        var argv = Arrays.asList(args);
        boolean quick = argv.contains("--quick");
        List<String> only = CLASSES;
        int at = argv.indexOf("--only");
        if (at >= 0 && at + 1 < args.length) only = List.of(args[at + 1].split(","));
        for (String c : only)
            if (!CLASSES.contains(c))
                throw new IllegalArgumentException("unknown fault class " + c + "; one of " + CLASSES);
        Path root = Files.createTempDirectory("mida-faults-");
        var b = new FaultsBench(quick, root);
        var out = new LinkedHashMap<String, Object>();
        out.put("benchmark", "faults");
        out.put("quick", quick);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        long lost = 0, dup = 0, bad5xx = 0, all5xx = 0;
        var failed = new ArrayList<String>();
        boolean keep = Boolean.getBoolean("mida.bench.keep");
        try {
            for (String c : only) {
                long t0 = System.nanoTime();
                progress("--- " + c + " ---");
                Map<String, Object> r;
                try {
                    r = switch (c) {
                        case "server_kill9" -> b.serverKill9();
                        case "redis_kill9" -> b.redisKill9();
                        case "neo4j_unavailable_30s" -> b.neo4jUnavailable();
                        case "disk_full" -> b.diskFull();
                        default -> b.twoInstances();
                    };
                } catch (Exception | AssertionError e) {
                    e.printStackTrace();
                    r = new LinkedHashMap<>();
                    r.put("error", e.toString());
                }
                r.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
                progress(c + ": " + EventCodec.shared().toJson(r));
                out.put(c, r);
                if (r.containsKey("error")) failed.add(c);
                lost += num(r.get("lost"));
                dup += num(r.get("duplicated"));
                bad5xx += num(r.get("5xx_not_503"));
                all5xx += num(r.get("5xx"));
            }
        } finally {
            if (keep) System.err.println("kept " + root);
            else BenchSupport.deleteTree(root);
        }
        var total = new LinkedHashMap<String, Object>();
        total.put("lost", lost);
        total.put("duplicated", dup);
        total.put("5xx", all5xx);
        total.put("5xx_not_503", bad5xx);
        total.put("errors", failed);
        out.put("total", total);
        System.out.println(EventCodec.shared().toJson(out));
        System.exit(0);
    }

    private static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    static void progress(String s) {
        System.out.printf("[faults] %tT %s%n", System.currentTimeMillis(), s);
        System.out.flush();
    }

    private String prefix(String c) {
        return "fault-" + run + "-" + c;
    }

    // ------------------------------------------------------------------ server_kill9

    private Map<String, Object> serverKill9() throws Exception {
        int tasks = quick ? 10_000 : 100_000, kills = quick ? 2 : 5;
        var w = FaultWorkload.ordered(prefix("kill9"), tasks, 2, 100);
        var s = new ServerProcess(jar, root.resolve("kill9-data"), root, List.of(), Map.of());
        var r = new LinkedHashMap<String, Object>();
        try {
            s.start();
            progress(String.format(
                    "server up after %.1f s; POSTing %,d events at 2,000/s", s.awaitHealthy(300), w.events()));
            var load = new PostLoad(List.of(s.client()), w, 2000, 2, 600);
            var recoveries = new ArrayList<Double>();
            try (var watch = new HealthWatch(List.of(s.client()))) {
                load.start();
                long upSince = System.nanoTime();
                for (int k = 1; k <= kills; k++) {
                    double at = k / (double) (kills + 1);
                    while (load.progress() < at || System.nanoTime() - upSince < 5_000_000_000L) Thread.sleep(100);
                    var h = s.client().health();
                    long t = System.nanoTime();
                    s.kill9();
                    progress(String.format(
                            "kill -9 #%d at %.0f %% acknowledged (ingested %,d, pending %,d)",
                            k, 100 * load.progress(), h.ingested(), h.pending()));
                    s.start();
                    s.awaitHealthy(300);
                    double rec = (System.nanoTime() - t) / 1e9;
                    recoveries.add(round(rec));
                    upSince = System.nanoTime();
                    progress(String.format("restarted, healthy %.1f s after the kill", rec));
                }
                if (!load.await(quick ? 600 : 1800)) progress("POSTing did not finish in time");
                load.stop();
                boolean drained = HealthWatch.drain(s.client(), 90, quick ? 600 : 1800);
                progress("drained: " + drained);
                r.put("tries", kills);
                r.put("drained", drained);
                put(r, GraphCheck.check(s.client(), w.prefix, tasks, 2, load::sent), s, load, watch);
                r.put("recovery_seconds", recoveries);
                r.put(
                        "recovery_seconds_max",
                        recoveries.stream().mapToDouble(d -> d).max().orElse(0));
            }
        } finally {
            s.close();
        }
        return r;
    }

    // ------------------------------------------------------------------ redis_kill9

    private Map<String, Object> redisKill9() throws Exception {
        int seconds = quick ? 30 : 90, kills = quick ? 1 : 3;
        int emitRate = 500, postRate = 200;
        var s = new ServerProcess(jar, root.resolve("redis-data"), root, List.of(), Map.of());
        var r = new LinkedHashMap<String, Object>();
        try {
            s.start();
            progress(String.format("server up after %.1f s", s.awaitHealthy(300)));
            String uri = s.redisUri();
            var post = FaultWorkload.ordered(prefix("redis-post"), postRate * seconds / 2, 2, 50);
            var load = new PostLoad(List.of(s.client()), post, postRate, 1, 600);
            var java = new JavaEmitterRun(prefix("redis-java"), uri, root.resolve("spill-java"), emitRate, seconds);
            var py = PythonEmitterRun.start(prefix("redis-py"), uri, root.resolve("spill-py"), emitRate, seconds, root);
            var recoveries = new ArrayList<Double>();
            boolean restarted = true;
            int tries = 0;
            try (var watch = new HealthWatch(List.of(s.client()))) {
                long t0 = System.nanoTime();
                load.start();
                java.start();
                progress("Java emitter, Python emitter ("
                        + (py == null ? "skipped: " + PythonEmitterRun.why() : "running")
                        + ") and a POSTing client sending for " + seconds + " s");
                for (int k = 1; k <= kills && restarted; k++) {
                    long due = t0 + (long) (seconds * 1e9 * k / (kills + 1));
                    LockSupport.parkNanos(due - System.nanoTime());
                    long pid = s.redisPid();
                    if (pid <= 0) throw new IllegalStateException("no redis.pid in " + s.dataDir.resolve("redis"));
                    long t = System.nanoTime();
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    tries++;
                    progress("kill -9 redis-server pid " + pid);
                    double rec = awaitRedis(uri, pid, s, quick ? 30 : 60, t);
                    restarted = rec >= 0;
                    if (restarted) recoveries.add(round(rec));
                    progress(
                            restarted
                                    ? String.format("Redis answers again %.1f s after the kill", rec)
                                    : "Redis did not come back within " + (quick ? 30 : 60) + " s");
                }
                java.join(seconds + 120);
                var pyOut = py == null ? null : py.await(seconds + 180);
                // Redis gone for good: nothing more will be accepted, so do not wait out the retries
                load.await(restarted ? (quick ? 300 : 900) : 15);
                load.stop();
                boolean drained = HealthWatch.drain(s.client(), restarted ? 90 : 20, quick ? 600 : 1800);
                progress("drained: " + drained);
                var results = new ArrayList<GraphCheck.Result>();
                var per = new LinkedHashMap<String, Object>();
                var jr = GraphCheck.check(s.client(), java.prefix, java.tasks(), 2, (i, j) -> i < java.tasks());
                results.add(jr);
                per.put("java_emitter", withStats(jr.asMap(), java.stats()));
                if (pyOut != null) {
                    int pt = ((Number) pyOut.get("tasks")).intValue();
                    var pr = GraphCheck.check(s.client(), py.prefix, pt, 2, (i, j) -> i < pt);
                    results.add(pr);
                    per.put("python_emitter", withStats(pr.asMap(), pyOut.get("stats")));
                } else per.put("python_emitter", Map.of("skipped", py == null ? PythonEmitterRun.why() : "no result"));
                var lr = GraphCheck.check(s.client(), post.prefix, post.tasks, 2, load::sent);
                results.add(lr);
                per.put("post_client", lr.asMap());
                r.put("tries", tries);
                r.put("restarted", restarted);
                r.put("drained", drained);
                put(r, GraphCheck.sum(results), s, load, watch);
                r.put("recovery_seconds", recoveries);
                r.put("observers", per);
            }
        } finally {
            s.close();
        }
        return r;
    }

    private static Map<String, Object> withStats(Map<String, Object> m, Object stats) {
        m.put("emitter_stats", stats);
        return m;
    }

    /** Seconds from {@code t} until Redis answers PING again (a new redis-server), -1 after the time-out. */
    private static double awaitRedis(String uri, long oldPid, ServerProcess s, int timeoutSeconds, long t)
            throws InterruptedException {
        while (System.nanoTime() - t < timeoutSeconds * 1_000_000_000L) {
            if (s.redisPid() != oldPid
                    || !ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)) {
                try (var j = new Jedis(java.net.URI.create(uri), 1000)) {
                    if ("PONG".equals(j.ping())) return (System.nanoTime() - t) / 1e9;
                } catch (RuntimeException notYet) {
                    // down
                }
            }
            Thread.sleep(100);
        }
        return -1;
    }

    /** The Java SDK's emitter (observers/) sending a FaultWorkload's task events at a steady rate. */
    private static final class JavaEmitterRun extends Thread {
        final String prefix;
        private final String uri;
        private final Path spill;
        private final int rate;
        private final int seconds;
        private final AtomicInteger tasks = new AtomicInteger();
        private volatile Emitter.Stats stats;

        JavaEmitterRun(String prefix, String uri, Path spill, int rate, int seconds) {
            super("java-emitter");
            setDaemon(true);
            this.prefix = prefix;
            this.uri = uri;
            this.spill = spill;
            this.rate = rate;
            this.seconds = seconds;
        }

        int tasks() {
            return tasks.get();
        }

        Map<String, Object> stats() {
            var s = stats;
            if (s == null) return Map.of();
            var m = new LinkedHashMap<String, Object>();
            m.put("emitted", s.emitted());
            m.put("flushed", s.flushed());
            m.put("spilled", s.spilled());
            m.put("replayed", s.replayed());
            m.put("dropped", s.dropped());
            m.put("buffered", s.buffered());
            return m;
        }

        @Override
        public void run() {
            var codec = EventCodec.shared();
            var cfg = EmitterConfig.builder().redisUri(uri).spillDir(spill).build();
            int lag = 50;
            try (var em = Emitter.start(cfg)) {
                long t0 = System.nanoTime();
                long end = t0 + seconds * 1_000_000_000L;
                int i = 0;
                while (System.nanoTime() < end) {
                    em.emit(codec.decodeEvent(FaultWorkload.event(prefix, i, 0, 2)));
                    if (i >= lag) em.emit(codec.decodeEvent(FaultWorkload.event(prefix, i - lag, 1, 2)));
                    i++;
                    long due = t0 + (long) (2e9 * i / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                }
                for (int k = Math.max(0, i - lag); k < i; k++)
                    em.emit(codec.decodeEvent(FaultWorkload.event(prefix, k, 1, 2)));
                tasks.set(i);
                em.flush(Duration.ofSeconds(60));
                stats = em.stats();
            }
            // close() sent what was left (or spilled it when Redis stayed away)
        }

        void join(int timeoutSeconds) throws InterruptedException {
            super.join(timeoutSeconds * 1000L);
        }
    }

    /** The Python emitter (observers/python) run by bench/python/fault_emitter.py. */
    private static final class PythonEmitterRun {
        final String prefix;
        private final Process process;
        private final Path log;

        private PythonEmitterRun(String prefix, Process process, Path log) {
            this.prefix = prefix;
            this.process = process;
            this.log = log;
        }

        static String python() {
            return System.getenv("MIDA_BENCH_PYTHON");
        }

        static String why() {
            return "no Python with the redis package (set MIDA_BENCH_PYTHON or create .venv/mida-ci)";
        }

        static PythonEmitterRun start(String prefix, String uri, Path spill, int rate, int seconds, Path logDir)
                throws IOException, InterruptedException {
            String py = python();
            if (py == null || py.isBlank()) return null;
            if (new ProcessBuilder(py, "-c", "import redis").start().waitFor() != 0) return null;
            Path log = logDir.resolve("python-emitter.log");
            var pb = new ProcessBuilder(
                            py,
                            "bench/python/fault_emitter.py",
                            "--prefix",
                            prefix,
                            "--rate",
                            String.valueOf(rate),
                            "--seconds",
                            String.valueOf(seconds),
                            "--spill-dir",
                            spill.toString())
                    .redirectError(log.toFile());
            pb.environment().put("MIDA_REDIS_URI", uri); // not on the command line: it holds the password
            String pp = pb.environment().get("PYTHONPATH");
            pb.environment().put("PYTHONPATH", "observers/python/src" + (pp == null || pp.isBlank() ? "" : ":" + pp));
            return new PythonEmitterRun(prefix, pb.start(), log);
        }

        /** The script's last stdout line, parsed ({@code {"tasks": n, "stats": {...}}}); null on failure. */
        @SuppressWarnings("unchecked")
        Map<String, Object> await(int timeoutSeconds) throws IOException, InterruptedException {
            String last = null;
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) last = line;
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) process.destroyForcibly();
            if (last == null || !last.startsWith("{")) {
                progress("Python emitter failed; its log:\n" + Files.readString(log));
                return null;
            }
            return MidaClient.JSON.readValue(last, Map.class);
        }
    }

    // ------------------------------------------------------------------ neo4j_unavailable_30s

    private Map<String, Object> neo4jUnavailable() throws Exception {
        int outage = quick ? 10 : 30, before = 10, after = 20;
        var neo = new BackendProcess("neo4j", root.resolve("neo-neo4j"));
        var r = new LinkedHashMap<String, Object>();
        ServerProcess s = null;
        try {
            progress(String.format("Neo4j (own process) up after %.1f s", neo.start()));
            s = new ServerProcess(
                    jar,
                    root.resolve("neo-data"),
                    root,
                    List.of(),
                    Map.of(
                            "MIDA_NEO4J_URI", neo.uri(),
                            "MIDA_NEO4J_USER", "neo4j",
                            "MIDA_NEO4J_PASSWORD", neo.password()));
            s.start();
            progress(String.format("server up after %.1f s", s.awaitHealthy(300)));
            int rate = 1000;
            var w = FaultWorkload.ordered(prefix("neo4j"), rate * (before + outage + after) / 2, 2, 50);
            var load = new PostLoad(List.of(s.client()), w, rate, 2, 600);
            try (var watch = new HealthWatch(List.of(s.client()))) {
                load.start();
                Thread.sleep(before * 1000L);
                neo.kill9();
                progress("kill -9 Neo4j; back in " + outage + " s");
                Thread.sleep(outage * 1000L);
                progress(String.format("Neo4j restarted in %.1f s", neo.start()));
                long back = System.nanoTime();
                double rec = watch.firstOkAfter(0, back, 300);
                progress(
                        rec >= 0
                                ? String.format("server healthy %.1f s after Neo4j was back", rec)
                                : "server not healthy within 300 s");
                load.await(quick ? 300 : 900);
                load.stop();
                r.put("tries", 1);
                r.put("outage_s", outage);
                finish(r, s, load, watch, w);
                r.put("recovery_seconds", rec < 0 ? null : round(rec));
            }
        } finally {
            if (s != null) s.close();
            neo.close();
        }
        return r;
    }

    /** Drains; when the server does not heal by itself, restarts it once and drains again; then counts. */
    private void finish(Map<String, Object> r, ServerProcess s, PostLoad load, HealthWatch watch, FaultWorkload w)
            throws Exception {
        boolean drained = HealthWatch.drain(s.client(), quick ? 30 : 60, quick ? 600 : 1800);
        progress("drained: " + drained);
        r.put("healed_without_restart", drained);
        if (!drained) {
            progress("restarting the server to count what survived");
            s.close();
            s.start();
            s.awaitHealthy(300);
            drained = HealthWatch.drain(s.client(), 60, quick ? 600 : 1800);
            progress("drained after the restart: " + drained);
        }
        r.put("drained", drained);
        put(r, GraphCheck.check(s.client(), w.prefix, w.tasks, w.phases, load::sent), s, load, watch);
    }

    // ------------------------------------------------------------------ disk_full

    private Map<String, Object> diskFull() throws Exception {
        var r = new LinkedHashMap<String, Object>();
        String uid = new String(
                        new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes())
                .trim();
        if (!uid.equals("0")) {
            r.put("skipped", "not root: a small file system (tmpfs with size=) cannot be mounted");
            return r;
        }
        Path mnt = Files.createDirectories(root.resolve("disk-mnt"));
        var mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1024m,mode=0700", "tmpfs", mnt.toString())
                .redirectErrorStream(true)
                .start();
        String mountOut = new String(mount.getInputStream().readAllBytes()).trim();
        if (mount.waitFor() != 0) {
            r.put("skipped", "cannot mount a tmpfs: " + mountOut);
            return r;
        }
        ServerProcess s = null;
        try {
            s = new ServerProcess(jar, mnt.resolve("data"), root, List.of(), Map.of());
            s.start();
            progress(String.format("server up after %.1f s, data dir on a 1 GiB tmpfs", s.awaitHealthy(300)));
            int hold = quick ? 10 : 30, before = 10, after = 20, rate = 1000;
            var w = FaultWorkload.ordered(prefix("disk"), rate * (before + hold + after) / 2, 2, 50);
            var load = new PostLoad(List.of(s.client()), w, rate, 2, 600);
            try (var watch = new HealthWatch(List.of(s.client()))) {
                load.start();
                Thread.sleep(before * 1000L);
                Path filler = mnt.resolve("filler");
                long filled = fill(filler);
                progress(String.format(
                        "disk full (%,d MiB written to a filler file); freed in %d s", filled >> 20, hold));
                Thread.sleep(hold * 1000L);
                Files.deleteIfExists(filler);
                long freed = System.nanoTime();
                progress("filler deleted");
                double rec = watch.firstOkAfter(0, freed, quick ? 60 : 120);
                progress(
                        rec >= 0
                                ? String.format("server healthy %.1f s after the space was freed", rec)
                                : "server not healthy within 60-120 s of the space freed");
                load.await(quick ? 300 : 900);
                load.stop();
                r.put("tries", 1);
                r.put("full_s", hold);
                finish(r, s, load, watch, w);
                r.put("recovery_seconds", rec < 0 ? null : round(rec));
            }
        } finally {
            if (s != null) s.close();
            for (int i = 0; i < 10; i++) {
                if (new ProcessBuilder("umount", mnt.toString()).start().waitFor() == 0) break;
                Thread.sleep(1000);
            }
        }
        return r;
    }

    /** Writes zeros until the file system is full; the bytes written. */
    private static long fill(Path file) throws IOException {
        long n = 0;
        byte[] big = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            int chunk = big.length;
            while (chunk > 0) {
                try {
                    out.write(big, 0, chunk);
                    out.flush();
                    n += chunk;
                } catch (IOException full) {
                    chunk /= 2; // fill the last bytes too
                }
            }
        } catch (IOException closeOnFullDisk) {
            // close may fail to flush the last buffer: the disk is full either way
        }
        return n;
    }

    // ------------------------------------------------------------------ two_instances

    private Map<String, Object> twoInstances() throws Exception {
        int tasks = quick ? 2_000 : 20_000;
        var redis = new BackendProcess("redis", root.resolve("two-redis"));
        var neo = new BackendProcess("neo4j", root.resolve("two-neo4j"));
        var r = new LinkedHashMap<String, Object>();
        ServerProcess a = null, b = null;
        try {
            redis.start();
            progress(String.format("Neo4j and Redis (own processes) up; Neo4j took %.1f s", neo.start()));
            var env = Map.of(
                    "MIDA_REDIS_URI", redis.redisUriWithPassword(),
                    "MIDA_NEO4J_URI", neo.uri(),
                    "MIDA_NEO4J_USER", "neo4j",
                    "MIDA_NEO4J_PASSWORD", neo.password());
            // small batches: both instances merge the same tasks at the same time, which is the point
            var args = List.of("--batch-size", "200");
            a = new ServerProcess(jar, root.resolve("two-a"), root, args, env);
            b = new ServerProcess(jar, root.resolve("two-b"), root, args, env);
            // both started at once on a new store, as a job script or compose would
            a.start();
            b.start();
            var startErrors = new ArrayList<String>();
            for (var srv : List.of(a, b)) {
                try {
                    srv.awaitHealthy(300);
                } catch (IllegalStateException e) {
                    startErrors.add(firstLine(e.getMessage(), srv));
                    progress("a server failed when both started at once; starting it again: "
                            + startErrors.get(startErrors.size() - 1));
                    srv.start();
                    srv.awaitHealthy(300);
                }
            }
            r.put("simultaneous_start_failures", startErrors);
            var w = FaultWorkload.shuffled(prefix("two"), tasks, 4, 25, 8, 42);
            progress(String.format("two servers up; POSTing %,d events (4 per task, shuffled) to both", w.events()));
            var load = new PostLoad(List.of(a.client(), b.client()), w, 4000, 4, 600);
            try (var watch = new HealthWatch(List.of(a.client(), b.client()))) {
                load.start();
                load.await(quick ? 300 : 900);
                load.stop();
                boolean drained =
                        HealthWatch.drain(a.client(), 60, quick ? 600 : 1800) && HealthWatch.drain(b.client(), 60, 120);
                progress("drained: " + drained);
                r.put("tries", 1);
                r.put("tasks", tasks);
                r.put("drained", drained);
                put(r, GraphCheck.check(a.client(), w.prefix, tasks, 4, load::sent), a, load, watch);
            }
        } finally {
            if (a != null) a.close();
            if (b != null) b.close();
            neo.close();
            redis.close();
        }
        return r;
    }

    // ------------------------------------------------------------------ common

    private static void put(
            Map<String, Object> r, GraphCheck.Result g, ServerProcess s, PostLoad load, HealthWatch watch) {
        // a valid event the client could not deliver (refused with a 4xx, or no 202 within 10 minutes) is lost too
        long undelivered = load.undeliveredEvents.get();
        r.put("events_sent", g.sentEvents() + undelivered);
        r.put("lost", g.lost() + undelivered);
        r.put("undelivered", undelivered);
        r.put("duplicated", g.duplicated());
        long dead = s.client().health().deadLetters();
        r.put("dead_lettered", dead < 0 ? null : dead);
        long post5 = load.http5xx.get(), health5 = watch.http5xx.get();
        long post503 = load.http503.get(), health503 = watch.http503.get();
        r.put("5xx", post5 + health5);
        r.put("5xx_not_503", post5 - post503 + health5 - health503);
        r.put("5xx_post", post5);
        r.put("5xx_post_503", post503);
        r.put("5xx_health", health5);
        r.put("no_answer", load.noAnswer.get() + watch.noAnswer.get());
        r.put("post_4xx", load.http4xx.get());
        r.put("post_retries", load.retries.get());
        r.put("post_gave_up_entries", load.gaveUpEntries.get());
        r.put("graph", g.detail());
    }

    /** The first ERROR line of a start-up failure message (see ServerProcess#tail). */
    private static String firstLine(String message, ServerProcess s) {
        return message.lines()
                .filter(l -> l.contains("ERROR"))
                .findFirst()
                .orElse(message.lines().findFirst().orElse(""));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}

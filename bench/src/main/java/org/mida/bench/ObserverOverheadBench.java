package org.mida.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.executor.ObservedExecutorService;
import org.mida.observers.executor.TaskFuture;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.WorkflowContext;
import org.mida.observers.telemetry.Telemetry;
import org.mida.server.backend.EmbeddedRedis;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * {@code bench/run observer-overhead [--quick]}: the paper's IV-E overhead experiment scaled to one
 * machine. A two-map workflow (N/2 sleeping tasks, then N/2 tasks each consuming one output of the
 * first map) on a 64-thread pool, run without observers ({@code CompletableFuture} on the bare pool)
 * and with them (the same pool wrapped by {@link ObservedExecutorService}, telemetry attached,
 * events to a real embedded Redis), alternating, several repetitions. Then the caller-thread cost of
 * one {@code emit}, and a Redis outage in the middle of 50,000 emitted events. Progress lines, then
 * one JSON object as the last stdout line.
 */
public final class ObserverOverheadBench {

    static final int THREADS = Integer.getInteger("mida.bench.threads", 64);

    private final boolean quick;
    private final Path root;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private EmbeddedRedis redis;

    private ObserverOverheadBench(boolean quick, Path root) {
        this.quick = quick;
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        Path root = Files.createTempDirectory("mida-observer-bench");
        var b = new ObserverOverheadBench(quick, root);
        try {
            b.run();
        } finally {
            if (b.redis != null) b.redis.close();
            BenchSupport.deleteTree(root);
        }
        System.out.println(EventCodec.shared().toJson(b.result));
        System.exit(0);
    }

    private void run() throws Exception {
        redis = EmbeddedRedis.start(root.resolve("redis"), 0);
        Telemetry.shared().latest();
        Thread.sleep(1_100); // a second sample, so snapshots carry CPU figures
        result.put("benchmark", "observer-overhead");
        result.put("quick", quick);
        result.put("threads", THREADS);
        result.put("cpus", Runtime.getRuntime().availableProcessors());

        int reps = Integer.getInteger("mida.bench.reps", quick ? 3 : 5);
        String given = System.getProperty("mida.bench.workloads"); // e.g. 100000x1,10000x10
        List<int[]> workloads = given != null
                ? Arrays.stream(given.split(","))
                        .map(w -> new int[] {Integer.parseInt(w.split("x")[0]), Integer.parseInt(w.split("x")[1])})
                        .toList()
                : quick
                        ? List.of(new int[] {10_000, 1}, new int[] {10_000, 10})
                        : List.of(new int[] {10_000, 1}, new int[] {10_000, 10}, new int[] {100_000, 1}, new int[] {
                            100_000, 10
                        });
        result.put("reps", reps);
        result.put("load_average_at_start", loadAverage());
        List<String> sections = Arrays.asList(System.getProperty("mida.bench.sections", "overhead,emit,outage")
                .split(","));
        if (sections.contains("overhead")) overhead(workloads, reps);
        if (sections.contains("emit")) emitCost();
        if (sections.contains("taskside")) taskSide();
        if (sections.contains("outage")) redisDown();
        result.put("load_average_at_end", loadAverage());
    }

    // ------------------------------------------------------------------ overhead

    /** One variant of the overhead runs: no observers ({@code emitter == null}) or an emitter of its own. */
    private record Variant(String name, Emitter emitter) {}

    /**
     * The variants per repetition, in an order that rotates: no observers; observers as configured by
     * default (a task that ends within the emitter's linger is one event); observers with {@code
     * lingerMillis(0)} (every task two events, RUNNING and FINISHED, as before the linger existed); and
     * the default observers with a flusher that waits until the run is over ({@code with_flush_after}: the
     * same events built and queued on the task threads, but no encoding, no Redis and no flusher CPU
     * during the timed run — what the task threads alone cost, so that the difference to {@code with} is
     * the flusher's and redis-server's share of the two cores). Each with its own emitter and stream.
     * Wall time of the workflow, and the CPU the JVM (split by thread group from /proc), its flusher
     * thread(s) and redis-server spent until its events were all in Redis.
     */
    private void overhead(List<int[]> workloads, int reps) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (Emitter emitter = emitter("mida:bench:overhead", EmitterConfig.DEFAULT_LINGER_MILLIS);
                Emitter twoEvents = emitter("mida:bench:overhead2", 0);
                // issue 15 (obs16): the default observers, telemetry_at_end always sent in full (as before)
                Emitter fullTelemetry = EmitterConfig.builder().redisUri(redis.uri()).stream("mida:bench:overhead4")
                        .spillDir(root.resolve("spill"))
                        .compactTelemetry(false)
                        .start();
                // issue 15 (obs19): the default observers as before obs19: each start snapshot in full (no
                // "=[k]"), constant fields written one by one (no runs)
                Emitter beforeObs19 =
                        beforeObs19(() -> emitter("mida:bench:overhead5", EmitterConfig.DEFAULT_LINGER_MILLIS));
                Emitter later = EmitterConfig.builder().redisUri(redis.uri()).stream("mida:bench:overhead3")
                        .spillDir(root.resolve("spill"))
                        .maxBatch(400_000)
                        .maxBuffered(400_000)
                        .maxAgeMillis(3_600_000)
                        .start()) {
            List<Variant> variants = new ArrayList<>(List.of(
                    new Variant("without", null),
                    new Variant("with", emitter),
                    new Variant("with_two_events", twoEvents),
                    new Variant("with_flush_after", later),
                    new Variant("with_full_telemetry", fullTelemetry),
                    new Variant("with_before_obs19", beforeObs19)));
            String only = System.getProperty("mida.bench.variants");
            if (only != null) {
                var keep = Arrays.asList(only.split(","));
                variants.removeIf(v -> v.emitter() != null && !keep.contains(v.name()));
            }
            result.put("variants", variants.stream().map(Variant::name).toList());
            int warmRounds = Integer.getInteger("mida.bench.warmup", 5);
            // five rounds: with two, C2 was still compiling the observer's paths during the first
            // measured repetitions (≈ 0.3-0.7 s of compiler-thread CPU per 50,000 observed tasks)
            progress("warm-up (" + warmRounds + " x 10,000 x 1 ms, each variant)");
            for (int i = 0; i < warmRounds; i++) {
                for (Variant v : variants) {
                    workflow(pool, v.emitter(), 10_000, 1);
                    if (v.emitter() != null) drain(v.emitter());
                }
            }
            var rows = new ArrayList<Map<String, Object>>();
            double worst = Double.NEGATIVE_INFINITY;
            String worstName = null;
            int k = variants.size();
            for (int[] w : workloads) {
                int n = w[0], ms = w[1];
                var wall = new LinkedHashMap<String, List<Double>>();
                var pct = new LinkedHashMap<String, List<Double>>();
                var cpuUs = new LinkedHashMap<String, List<Map<String, Double>>>();
                for (Variant v : variants) {
                    wall.put(v.name(), new ArrayList<>());
                    pct.put(v.name(), new ArrayList<>());
                    cpuUs.put(v.name(), new ArrayList<>());
                }
                var loads = new ArrayList<Double>();
                for (int r = 0; r < reps; r++) {
                    var order = new ArrayList<Variant>(k);
                    for (int i = 0; i < k; i++) order.add(variants.get((i + r) % k));
                    var t = new LinkedHashMap<String, Double>();
                    var line = new StringBuilder();
                    for (Variant v : order) {
                        // each variant starts on an empty young generation and pays for its own garbage
                        // only (with_flush_after holds a whole run's events until its drain: collected
                        // during the next variant's run, that cost GC threads 3-9 us per task there)
                        System.gc();
                        Map<String, Long> c0 = cpuGroups();
                        double ms0 = workflow(pool, v.emitter(), n, ms);
                        // CPU until this variant's events are all in Redis: its flusher's work, none left over
                        if (v.emitter() != null) drain(v.emitter());
                        Map<String, Long> c1 = cpuGroups();
                        var per = new LinkedHashMap<String, Double>();
                        for (String g : c1.keySet()) per.put(g, round((c1.get(g) - c0.getOrDefault(g, 0L)) / 1e3 / n));
                        t.put(v.name(), ms0);
                        cpuUs.get(v.name()).add(per);
                    }
                    double base = t.get("without");
                    for (Variant v : variants) {
                        wall.get(v.name()).add(t.get(v.name()));
                        pct.get(v.name()).add(100.0 * (t.get(v.name()) - base) / base);
                        line.append(String.format(
                                "%n    %-17s %6.0f ms %+7.2f %%  CPU us/task %s",
                                v.name(),
                                t.get(v.name()),
                                100.0 * (t.get(v.name()) - base) / base,
                                cpuUs.get(v.name()).get(r)));
                    }
                    double load = loadAverage();
                    loads.add(load);
                    progress(String.format("%,d tasks x %d ms, rep %d (load %.2f):%s", n, ms, r + 1, load, line));
                }
                var row = new LinkedHashMap<String, Object>();
                String name = n + "x" + ms + "ms";
                row.put("workload", name);
                row.put("tasks", n);
                row.put("task_ms", ms);
                row.put("ideal_ms", Math.round(2.0 * Math.ceil(n / 2.0 / THREADS) * ms));
                row.put("load_average_reps", loads);
                row.put("without_ms_median", round(median(wall.get("without"))));
                for (Variant v : variants) {
                    if (v.emitter() == null) continue;
                    String p = v.name().equals("with") ? "" : v.name().substring("with_".length()) + "_";
                    row.put(
                            (p.isEmpty() ? "with" : "with_" + p.substring(0, p.length() - 1)) + "_ms_median",
                            round(median(wall.get(v.name()))));
                    row.put(p + "overhead_pct_median", round(median(pct.get(v.name()))));
                    row.put(
                            p + "overhead_pct_reps",
                            pct.get(v.name()).stream()
                                    .map(ObserverOverheadBench::round)
                                    .toList());
                }
                var cpuMed = new LinkedHashMap<String, Object>();
                for (Variant v : variants) cpuMed.put(v.name(), medians(cpuUs.get(v.name())));
                row.put("cpu_us_per_task_median", cpuMed);
                row.put("cpu_us_per_task_reps", cpuUs);
                rows.add(row);
                double med = median(pct.get("with"));
                if (med > worst) {
                    worst = med;
                    worstName = name;
                }
            }
            result.put("overhead_pct", round(worst));
            result.put("worst_workload", worstName);
            result.put("workloads", rows);
            var emitters = new LinkedHashMap<String, Object>();
            for (Variant v : variants) {
                if (v.emitter() == null) continue;
                Emitter.Stats s = v.emitter().stats();
                emitters.put(
                        v.name(),
                        Map.of(
                                "emitted", s.emitted(),
                                "flushed", s.flushed(),
                                "spilled", s.spilled(),
                                "dropped", s.dropped(),
                                "coalesced", s.coalesced()));
            }
            result.put("emitters", emitters);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Makes something (an emitter, a writer) whose {@code WireWriter} writes as before obs19: every start
     * snapshot in full, constant fields one by one.
     */
    private static <T> T beforeObs19(java.util.concurrent.Callable<T> make) throws Exception {
        return withProperties(Map.of("mida.wire.sharedStart", "false", "mida.wire.runs", "false"), make);
    }

    private static <T> T withProperties(Map<String, String> props, java.util.concurrent.Callable<T> make)
            throws Exception {
        var before = new LinkedHashMap<String, String>();
        props.forEach((k, v) -> before.put(k, System.getProperty(k)));
        props.forEach(System::setProperty);
        try {
            return make.call();
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }

    private static Map<String, Double> medians(List<Map<String, Double>> reps) {
        var out = new LinkedHashMap<String, Double>();
        if (reps.isEmpty()) return out;
        for (String g : reps.get(0).keySet())
            out.put(
                    g,
                    round(median(reps.stream().map(m -> m.getOrDefault(g, 0.0)).toList())));
        return out;
    }

    /** One two-map workflow; returns its wall time in ms. {@code emitter == null}: no observers. */
    private static double workflow(ExecutorService pool, Emitter emitter, int n, int ms) throws Exception {
        int half = n / 2;
        long t0 = System.nanoTime();
        if (emitter == null) {
            var second = new ArrayList<CompletableFuture<Integer>>(half);
            for (int i = 0; i < half; i++) {
                int x = i;
                CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> inc(x, ms), pool);
                second.add(a.thenApplyAsync(v -> dbl(v, ms), pool));
            }
            CompletableFuture.allOf(second.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        } else {
            try (WorkflowContext wf = Mida.workflow(emitter).name("two-map").start()) {
                ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf);
                var second = new ArrayList<TaskFuture<Integer>>(half);
                for (int i = 0; i < half; i++) {
                    int x = i;
                    TaskFuture<Integer> a = observed.supply("inc", Map.of("x", x), () -> inc(x, ms));
                    second.add(observed.thenApply(a, "double", v -> dbl(v, ms)));
                }
                CompletableFuture.allOf(second.toArray(CompletableFuture[]::new))
                        .get(10, TimeUnit.MINUTES);
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static int inc(int x, int ms) {
        sleep(ms);
        return x + 1;
    }

    private static int dbl(int x, int ms) {
        sleep(ms);
        return 2 * x;
    }

    // ------------------------------------------------------------------ the task side alone

    /**
     * Issue 15 (obs18): the observer's work on the task's own threads, without the sleeping tasks and
     * their 64 threads around it: the two-map workflow's tasks (supply, then thenApply) run on the calling
     * thread by a direct executor, bodies that return at once; that thread's CPU and bytes allocated per
     * task (submission, RUNNING deferred and withdrawn, the FINISHED event built and queued), the flusher
     * sending them meanwhile on its own thread (not counted). {@code -Dmida.bench.taskside.rounds} rounds
     * of 50,000 tasks after as many warm-up rounds; medians.
     */
    private void taskSide() throws Exception {
        int rounds = Integer.getInteger("mida.bench.taskside.rounds", 20);
        int pairs = 25_000;
        progress("task side: " + rounds + " warm-up + " + rounds + " rounds of " + 2 * pairs
                + " tasks on one thread (direct executor)");
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        ExecutorService direct = new java.util.concurrent.AbstractExecutorService() {
            private volatile boolean down;

            @Override
            public void execute(Runnable r) {
                r.run();
            }

            @Override
            public void shutdown() {
                down = true;
            }

            @Override
            public List<Runnable> shutdownNow() {
                down = true;
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return down;
            }

            @Override
            public boolean isTerminated() {
                return down;
            }

            @Override
            public boolean awaitTermination(long t, TimeUnit u) {
                return true;
            }
        };
        var cpu = new ArrayList<Double>();
        var bytes = new ArrayList<Double>();
        try (Emitter emitter = emitter("mida:bench:taskside", EmitterConfig.DEFAULT_LINGER_MILLIS)) {
            for (int round = 0; round < 2 * rounds; round++) {
                try (WorkflowContext wf =
                        Mida.workflow(emitter).name("task-side").start()) {
                    ObservedExecutorService observed = ObservedExecutorService.wrap(direct, wf);
                    long c0 = bean.getThreadCpuTime(tid);
                    long a0 = bean.getThreadAllocatedBytes(tid);
                    for (int i = 0; i < pairs; i++) {
                        int x = i;
                        TaskFuture<Integer> a = observed.supply("inc", Map.of("x", x), () -> x + 1);
                        observed.thenApply(a, "double", v -> 2 * v);
                    }
                    long c1 = bean.getThreadCpuTime(tid);
                    long a1 = bean.getThreadAllocatedBytes(tid);
                    if (round >= rounds) {
                        cpu.add((c1 - c0) / 1e3 / (2.0 * pairs));
                        bytes.add((a1 - a0) / (2.0 * pairs));
                    }
                }
                drain(emitter);
            }
            Emitter.Stats st = emitter.stats();
            result.put("taskside_emitted", st.emitted());
            result.put("taskside_coalesced", st.coalesced());
        }
        result.put("taskside_cpu_us_per_task_median", round(median(cpu)));
        result.put(
                "taskside_cpu_us_per_task",
                cpu.stream().map(ObserverOverheadBench::round).toList());
        result.put("taskside_bytes_per_task_median", round(median(bytes)));
        progress(String.format(
                "task side: %.3f us CPU and %.0f bytes allocated per task on the task's thread (medians of %d)",
                median(cpu), median(bytes), rounds));
    }

    // ------------------------------------------------------------------ emit cost

    private void emitCost() throws Exception {
        int warm = 200_000, measured = quick ? 200_000 : 500_000;
        progress("emit cost: " + warm + " warm-up + " + measured + " measured emits, telemetry attached");
        var cfg = EmitterConfig.builder().redisUri(redis.uri()).stream("mida:bench:emit")
                .spillDir(root.resolve("spill-emit"))
                .maxBuffered(2_000_000)
                .build();
        Telemetry telemetry = Telemetry.shared();
        long[] emitNs = new long[measured];
        long[] buildNs = new long[measured];
        try (Emitter emitter = Emitter.start(cfg)) {
            for (int round = 0; round < 2; round++) {
                int n = round == 0 ? warm : measured;
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    TaskEvent e = TaskEvent.builder("emit-" + round + "-" + i)
                            .workflowId("wf-emit")
                            .activityId("probe")
                            .status(Status.RUNNING)
                            .startedAt(1.7e9)
                            .used(Map.of("i", i))
                            .telemetryAtStart(telemetry.latest())
                            .build();
                    long t1 = System.nanoTime();
                    emitter.emit(e);
                    long t2 = System.nanoTime();
                    if (round == 1) {
                        emitNs[i] = t2 - t1;
                        buildNs[i] = t2 - t0;
                    }
                    if ((i & 0xffff) == 0) emitter.flush(Duration.ofMinutes(1)); // keep the buffer from growing
                }
                emitter.flush(Duration.ofMinutes(1));
                try (Jedis j = new Jedis(java.net.URI.create(redis.uri()))) {
                    j.del("mida:bench:emit");
                }
            }
            result.put("emit_dropped", emitter.stats().dropped());
        }
        Arrays.sort(emitNs);
        Arrays.sort(buildNs);
        result.put("emit_ns_median", emitNs[measured / 2]);
        result.put("emit_ns_p99", emitNs[(int) (measured * 0.99)]);
        result.put("build_and_emit_ns_median", buildNs[measured / 2]);
        result.put(
                "emit_method",
                "System.nanoTime() around each emit() of a TaskEvent carrying the latest telemetry"
                        + " snapshot, after a warm-up; includes the ~20-30 ns of the clock reads");
        progress(String.format(
                "emit: median %d ns, p99 %d ns; build+emit median %d ns",
                emitNs[measured / 2], emitNs[(int) (measured * 0.99)], buildNs[measured / 2]));
        encodeCost();
        encodeShortcuts();
        encodeObs19();
    }

    /**
     * 500 FINISHED events as the executor wrapper sends them: ids from {@code Ids.next()}, times as {@code
     * Values.now()} makes them, one sampler snapshot as start and end telemetry.
     */
    private static List<TaskEvent> executorLikeBatch() {
        Map<String, Object> tel = Telemetry.shared().latest();
        var batch = new ArrayList<TaskEvent>(500);
        for (int i = 0; i < 500; i++) {
            double t = org.mida.observers.sdk.Values.now();
            batch.add(TaskEvent.builder(org.mida.observers.sdk.Ids.next())
                    .workflowId("wf-encode")
                    .campaignId("campaign-encode")
                    .activityId("inc")
                    .status(Status.FINISHED)
                    .submittedAt(t)
                    .startedAt(t + 1.234567e-5)
                    .endedAt(org.mida.observers.sdk.Values.now() + 1.0012345e-3)
                    .generated(Map.of("result", i + 1))
                    .hostname("host")
                    .user("user")
                    .adapterId("java-sdk")
                    .telemetryAtStart(tel)
                    .telemetryAtEnd(tel)
                    .build());
        }
        return batch;
    }

    /**
     * Issue 15 (obs19): four writers in this JVM, rotating after a warm-up — the default, without {@code
     * "=[k]"} for a start snapshot already written in the entry, without the runs of constant fields, and
     * without both (before obs19) — on 500-event entries of FINISHED events as the executor wrapper sends
     * them (one sampler snapshot, the end the start's); CPU of this thread and bytes per event.
     */
    private void encodeObs19() throws Exception {
        var batch = executorLikeBatch();
        // 0: the default; 1: no "=[k]"; 2: no runs of constant fields; 3: neither (before obs19)
        String[] names = {"default", "no_shared_start", "no_runs", "before_obs19"};
        var writers = new org.mida.observers.emit.WireWriter[] {
            new org.mida.observers.emit.WireWriter(true, true, true),
            new org.mida.observers.emit.WireWriter(true, true, false),
            withProperties(
                    Map.of("mida.wire.runs", "false"), () -> new org.mida.observers.emit.WireWriter(true, true, true)),
            beforeObs19(() -> new org.mida.observers.emit.WireWriter(true, true, false))
        };
        EventCodec codec = EventCodec.shared();
        var expected = codec.decode(codec.encodeAll(batch)).events();
        for (var w : writers)
            if (!codec.decode(w.array(batch)).events().equals(expected))
                throw new IllegalStateException("a writer changes the events");
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int rounds = quick ? 400 : 1200;
        int k = writers.length;
        long[] cpu = new long[k];
        long[] bytes = new long[k];
        for (int r = 0; r < 2 * rounds; r++) {
            for (int i = 0; i < k; i++) {
                int v = (r + i) % k; // which goes first rotates
                long c0 = mx.getCurrentThreadCpuTime();
                byte[] b = writers[v].arrayBytes(batch);
                long c1 = mx.getCurrentThreadCpuTime();
                if (r >= rounds) {
                    cpu[v] += c1 - c0;
                    bytes[v] = b.length;
                }
            }
        }
        double n = (double) rounds * batch.size();
        var line = new StringBuilder();
        for (int v = 0; v < k; v++) {
            result.put("encode_obs19_cpu_ns_per_event_" + names[v], round(cpu[v] / n));
            result.put("encode_obs19_bytes_per_event_" + names[v], bytes[v] / batch.size());
            line.append(String.format(" %s %.0f ns %d bytes;", names[v], cpu[v] / n, bytes[v] / batch.size()));
        }
        progress("encode obs19 (executor-like FINISHED events, 500 per entry), CPU per event:" + line);
    }

    /**
     * Issue 15 part 5's two {@code WireWriter} shortcuts (epoch digits from the double's bits, this
     * process's task ids copied unscanned) on and off, in this JVM, alternating rounds after a warm-up:
     * 500-event entries of FINISHED events as the executor wrapper sends them (ids from {@code Ids.next()},
     * times as {@code Values.now()} makes them, the compact end telemetry), {@code arrayBytes} as the
     * flusher calls it; CPU time of this thread and wall time per event.
     */
    private void encodeShortcuts() throws Exception {
        var batch = executorLikeBatch();
        var on = new org.mida.observers.emit.WireWriter(true, true);
        var off = new org.mida.observers.emit.WireWriter(true, false);
        EventCodec codec = EventCodec.shared();
        if (!codec.decode(on.array(batch))
                .events()
                .equals(codec.decode(off.array(batch)).events()))
            throw new IllegalStateException("the shortcuts change the events");
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int rounds = quick ? 400 : 1200;
        long[] cpu = new long[2], wall = new long[2];
        long bytesOn = 0, bytesOff = 0;
        for (int r = 0; r < 2 * rounds; r++) {
            boolean measure = r >= rounds;
            for (int k = 0; k < 2; k++) {
                int v = (r + k) % 2; // 0 = on, 1 = off; which goes first alternates
                long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                byte[] b = (v == 0 ? on : off).arrayBytes(batch);
                long t1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
                if (measure) {
                    cpu[v] += c1 - c0;
                    wall[v] += t1 - t0;
                    if (v == 0) bytesOn = b.length;
                    else bytesOff = b.length;
                }
            }
        }
        double n = (double) rounds * batch.size();
        result.put("encode_shortcuts_cpu_ns_per_event_on", round(cpu[0] / n));
        result.put("encode_shortcuts_cpu_ns_per_event_off", round(cpu[1] / n));
        result.put("encode_shortcuts_wall_ns_per_event_on", round(wall[0] / n));
        result.put("encode_shortcuts_wall_ns_per_event_off", round(wall[1] / n));
        result.put("encode_shortcuts_bytes_per_event_on", bytesOn / batch.size());
        result.put("encode_shortcuts_bytes_per_event_off", bytesOff / batch.size());
        progress(String.format(
                "encode shortcuts (executor-like FINISHED events): CPU %.0f ns on vs %.0f ns off per event"
                        + " (wall %.0f vs %.0f), %d vs %d bytes",
                cpu[0] / n, cpu[1] / n, wall[0] / n, wall[1] / n, bytesOn / batch.size(), bytesOff / batch.size()));
    }

    /**
     * The flusher's encoding, per event: the codec's map path ({@code EventCodec.encodeAll}: each
     * event's {@code toMap()}, then Jackson over the maps) against the emitter's {@link WireWriter}, on
     * the same 500-event entries of FINISHED events as the executor sends them (used, generated, both
     * telemetry snapshots), alternating, after a warm-up.
     */
    private void encodeCost() throws Exception {
        Map<String, Object> tel = Telemetry.shared().latest();
        var batch = new ArrayList<TaskEvent>(500);
        for (int i = 0; i < 500; i++)
            batch.add(TaskEvent.builder("encode-" + i)
                    .workflowId("wf-encode")
                    .campaignId("campaign-encode")
                    .activityId("inc")
                    .status(Status.FINISHED)
                    .submittedAt(1.764e9 + i * 1e-3)
                    .startedAt(1.764e9 + i * 1e-3 + 1e-4)
                    .endedAt(1.764e9 + i * 1e-3 + 1.1e-3)
                    .used(Map.of("x", i))
                    .generated(Map.of("result", i + 1))
                    .hostname("host")
                    .user("user")
                    .adapterId("java-sdk")
                    .telemetryAtStart(tel)
                    .telemetryAtEnd(tel)
                    .build());
        var writer = new org.mida.observers.emit.WireWriter();
        EventCodec codec = EventCodec.shared();
        int rounds = quick ? 200 : 600;
        long codecNs = 0, writerNs = 0, bytes = 0;
        for (int r = 0; r < 2 * rounds; r++) {
            boolean measure = r >= rounds;
            long t0 = System.nanoTime();
            String a = codec.encodeAll(batch);
            long t1 = System.nanoTime();
            String b = writer.array(batch);
            long t2 = System.nanoTime();
            if (r == 0 && !codec.decode(a).events().equals(codec.decode(b).events()))
                throw new IllegalStateException("WireWriter and EventCodec differ");
            if (measure) {
                codecNs += t1 - t0;
                writerNs += t2 - t1;
                bytes = b.length();
            }
        }
        double perCodec = codecNs / (double) rounds / batch.size(),
                perWriter = writerNs / (double) rounds / batch.size();
        result.put("encode_ns_per_event_codec_maps", round(perCodec));
        result.put("encode_ns_per_event_wire_writer", round(perWriter));
        result.put("encode_bytes_per_event", bytes / batch.size());
        result.put(
                "encode_bytes_per_event_full_telemetry",
                new org.mida.observers.emit.WireWriter(false).array(batch).length() / batch.size());
        progress(String.format(
                "encode a FINISHED event (%d chars): codec maps %.0f ns, WireWriter %.0f ns",
                bytes / batch.size(), perCodec, perWriter));
    }

    // ------------------------------------------------------------------ Redis outage

    private void redisDown() throws Exception {
        int tasks = 25_000; // x 2 events (RUNNING, FINISHED) = 50,000 task events
        long runMs = quick ? 12_000 : 60_000;
        long outageMs = quick ? 5_000 : 30_000;
        int taskMs = (int) Math.max(1, runMs * THREADS / tasks);
        String stream = "mida:bench:outage";
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        var out = new LinkedHashMap<String, Object>();
        try {
            progress(String.format("Redis outage: %,d tasks x %d ms, baseline run (Redis up)", tasks, taskMs));
            double baseline;
            try (Emitter e = emitter(stream)) {
                baseline = flat(pool, e, tasks, taskMs);
                drain(e);
            }
            try (Jedis j = new Jedis(java.net.URI.create(redis.uri()))) {
                j.del(stream);
            }
            progress(String.format(
                    "Redis outage: same run, Redis stopped for %d s after %d s", outageMs / 1000, runMs / 4000));
            Emitter e = emitter(stream);
            Path redisDir = redis.dir();
            int port = redis.port();
            long[] downAt = new long[2];
            Thread chaos = new Thread(() -> {
                sleep(runMs / 4);
                downAt[0] = System.nanoTime();
                redis.close();
                sleep(outageMs);
                redis = EmbeddedRedis.start(redisDir, port);
                downAt[1] = System.nanoTime();
            });
            chaos.start();
            double withOutage = flat(pool, e, tasks, taskMs);
            chaos.join();
            Emitter.Stats mid = e.stats();
            long t0 = System.nanoTime();
            long deadline = t0 + 120_000_000_000L;
            while (e.stats().replayed() < e.stats().spilled() && System.nanoTime() < deadline) sleep(50);
            e.flush(Duration.ofMinutes(2));
            long catchUpMs = (System.nanoTime() - t0) / 1_000_000;
            e.close();
            Emitter.Stats s = e.stats();
            long[] counted = countTaskEvents(stream);
            long arrived = counted[0], finished = counted[1];
            // every task event the emitter took (its two workflow events aside); the coalesced RUNNING
            // events were withdrawn before sending, their content is in the task's FINISHED event
            long expected = s.emitted() - 2;
            out.put("tasks", tasks);
            out.put("task_events_emitted", expected);
            out.put("coalesced", s.coalesced());
            out.put("task_ms", taskMs);
            out.put("outage_s", round((downAt[1] - downAt[0]) / 1e9));
            out.put("baseline_ms", round(baseline));
            out.put("with_outage_ms", round(withOutage));
            out.put("slowdown_pct", round(100.0 * (withOutage - baseline) / baseline));
            out.put("spilled", s.spilled());
            out.put("replayed", s.replayed());
            out.put("dropped", s.dropped());
            out.put("spilled_when_workflow_ended", mid.spilled());
            out.put("catch_up_ms_after_workflow", catchUpMs);
            out.put("arrived", arrived);
            out.put("tasks_finished_in_stream", finished);
            out.put("all_arrived", arrived == expected && finished == tasks && expected + s.coalesced() == 2L * tasks);
            progress(String.format(
                    "Redis outage: baseline %.0f ms, with outage %.0f ms (%+.2f %%); spilled %d, replayed %d, dropped %d;"
                            + " %d of %d task events in the stream (%d coalesced), %d of %d tasks FINISHED",
                    baseline,
                    withOutage,
                    100.0 * (withOutage - baseline) / baseline,
                    s.spilled(),
                    s.replayed(),
                    s.dropped(),
                    arrived,
                    expected,
                    s.coalesced(),
                    finished,
                    tasks));
        } finally {
            pool.shutdownNow();
        }
        result.put("redis_down", out);
    }

    /** One map of {@code tasks} observed sleeping tasks; returns its wall time in ms. */
    private static double flat(ExecutorService pool, Emitter emitter, int tasks, int ms) throws Exception {
        long t0 = System.nanoTime();
        try (WorkflowContext wf = Mida.workflow(emitter).name("outage").start()) {
            ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf);
            var fs = new ArrayList<TaskFuture<Integer>>(tasks);
            for (int i = 0; i < tasks; i++) {
                int x = i;
                fs.add(observed.supply("sleep", Map.of("x", x), () -> inc(x, ms)));
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The task events in the stream, and the distinct tasks among them with a FINISHED event. */
    private long[] countTaskEvents(String stream) {
        long n = 0;
        var finished = new java.util.HashSet<String>();
        try (Jedis j = new Jedis(java.net.URI.create(redis.uri()))) {
            StreamEntryID from = null;
            while (true) {
                List<StreamEntry> page = j.xrange(stream, from, (StreamEntryID) null, 1000);
                int start = 0;
                if (from != null && !page.isEmpty() && page.get(0).getID().equals(from)) start = 1;
                if (page.size() <= start) break;
                for (int i = start; i < page.size(); i++) {
                    var d = EventCodec.shared().decode(page.get(i).getFields().get(EventStream.FIELD));
                    for (var ev : d.events()) {
                        if (!(ev instanceof TaskEvent t)) continue;
                        n++;
                        if (t.status() == Status.FINISHED) finished.add(t.taskId());
                    }
                }
                from = page.get(page.size() - 1).getID();
            }
        }
        return new long[] {n, finished.size()};
    }

    // ------------------------------------------------------------------ helpers

    private Emitter emitter(String stream) {
        return emitter(stream, EmitterConfig.DEFAULT_LINGER_MILLIS);
    }

    private Emitter emitter(String stream, long lingerMillis) {
        return EmitterConfig.builder().redisUri(redis.uri()).stream(stream)
                .spillDir(root.resolve("spill"))
                .lingerMillis(lingerMillis)
                .start();
    }

    /**
     * CPU time so far, ns, by group: {@code jvm} (the whole process), and its threads from {@code
     * /proc/self/task/<tid>/schedstat} (nanoseconds on CPU, all threads, Java or native) grouped by name:
     * {@code tasks} (the pool's threads: the workflow and the observer's task-side work), {@code flusher}
     * (the emitters' flush threads), {@code gc}, {@code jit}, {@code main} (the submitting thread),
     * {@code other} (telemetry sampler, Jedis, …); {@code redis} = redis-server (10 ms resolution).
     * Threads that ended between two readings drop out of their group (the pool's do not end).
     */
    private Map<String, Long> cpuGroups() {
        var g = new LinkedHashMap<String, Long>();
        g.put(
                "jvm",
                ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime());
        for (String k : List.of("tasks", "flusher", "gc", "jit", "main", "other")) g.put(k, 0L);
        try (var dirs = Files.list(Path.of("/proc/self/task"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String comm = Files.readString(d.resolve("comm")).strip();
                    String stat = Files.readString(d.resolve("schedstat"));
                    long ns = Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                    g.merge(group(comm), ns, Long::sum);
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            // no /proc: the groups stay 0
        }
        g.put(
                "redis",
                ProcessHandle.of(redis.pid())
                        .flatMap(h -> h.info().totalCpuDuration())
                        .map(java.time.Duration::toNanos)
                        .orElse(-1L));
        return g;
    }

    private static String group(String comm) {
        if (comm.startsWith("pool-")) return "tasks";
        if (comm.startsWith("mida-emitter")) return "flusher";
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) return "gc";
        if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) return "jit";
        if (comm.equals("main") || comm.equals("java")) return "main";
        return "other";
    }

    /** The 1-minute load average, or -1 where /proc/loadavg cannot be read. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Waits until the emitter sent everything, then empties the stream; returns the wait in ms. */
    private long drain(Emitter e) {
        long t0 = System.nanoTime();
        e.flush(Duration.ofMinutes(2));
        try (Jedis j = new Jedis(java.net.URI.create(redis.uri()))) {
            j.del(e.config().stream());
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static double median(List<Double> xs) {
        var s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void progress(String line) {
        System.out.println("[observer-overhead] " + line);
        System.out.flush();
    }
}

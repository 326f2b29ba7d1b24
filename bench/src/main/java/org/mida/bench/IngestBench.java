package org.mida.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mida.cypher.Cypher;
import org.mida.event.EntityRef;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.ingest.IngestMetrics;
import org.mida.server.ingest.IngestTransport;
import org.mida.server.ingest.NodeProperties;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import redis.clients.jedis.JedisPooled;

/**
 * {@code bench/run ingest [--quick]}: end-to-end ingest throughput (XADD → graph holds every task as
 * FINISHED, through the real server) side by side with the raw ceiling (the same final graph written
 * straight to a fresh Neo4j with batched Cypher), then the latency at a steady event rate (XADD →
 * visible through {@code GET /api/tasks}). Prints progress, then one JSON object as the last line.
 */
public final class IngestBench {

    static final String PAGE_CACHE = "2g";
    static final int PER_ENTRY = 100;
    static final int RAW_BATCH = 5_000;

    private final EventCodec codec = EventCodec.shared();
    private final NodeProperties properties = new NodeProperties(codec);
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final Path root;
    /** Phases run so far: each gets a data directory of its own. */
    private int phases;
    /**
     * {@code mida.bench.rounds.store=kept}: while {@link #alternate} runs, each phase key's server (e2e and
     * variants) and raw store, kept from round to round (a long-lived server's steady state: its plans and
     * their generated code stay), each round writing a workload of its own ids; null otherwise.
     */
    private Map<String, AutoCloseable> kept;

    private IngestBench(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int tasks = intProp("mida.bench.tasks", quick ? 20_000 : 200_000);
        int warmTasks = intProp("mida.bench.warmup", quick ? 5_000 : 20_000);
        int latencySeconds = intProp("mida.bench.latency.seconds", quick ? 10 : 20);
        // visibility at steady rates (issue 15: 1,000 and 2,000 events/s); mida.bench.latency.rate = one rate
        String rates = System.getProperty("mida.bench.latency.rate", "1000,2000");
        int batch = intProp("mida.bench.batch", Config.defaults().batchSize());
        Path root = Files.createTempDirectory("mida-bench-ingest");
        var b = new IngestBench(root);
        try {
            b.run(quick, tasks, warmTasks, latencySeconds, rates, batch);
        } finally {
            BenchSupport.deleteTree(root);
        }
        System.out.println(b.codec.toJson(b.result));
        System.out.flush();
        System.exit(0);
    }

    private void run(boolean quick, int tasks, int warmTasks, int latencySeconds, String rates, int batch)
            throws Exception {
        result.put("benchmark", "ingest");
        result.put("quick", quick);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        result.put("batch_size", batch);

        progress("generating workloads: %d tasks (+%d warm-up)", tasks, warmTasks);
        Workload warm = Workload.generate("warm", warmTasks, PER_ENTRY, 7, codec);
        Workload main = Workload.generate("bench", tasks, PER_ENTRY, 42, codec);
        result.put("tasks_sent", tasks);
        result.put("events_sent", main.eventCount);
        result.put("stream_entries", main.entries.size());
        result.put("events_per_entry", PER_ENTRY);
        result.put("distinct_entities", main.distinctEntities);
        result.put("shared_reference_fraction", round((double) main.sharedReferences / main.references, 3));

        String variants = System.getProperty("mida.bench.variants", "driver,linger0,everysec");
        progress("warm-up (JIT): end to end and raw, %d tasks each, on throw-away stores", warmTasks);
        endToEnd(warm, "warm-e2e", batch, null, c -> c);
        // the ingest's driver path and the raw phases (both transports) get warm too
        if (Arrays.asList(variants.split(",")).contains("driver"))
            overDriver(() -> endToEnd(warm, "warm-e2e-driver", batch, null, c -> c));
        raw(warm, "warm-raw", null, false);
        raw(warm, "warm-raw-embedded", null, true);

        if (Boolean.getBoolean("mida.bench.latency.only")) {
            // the visibility phases alone, after the e2e warm-up (JIT): for looking into the latency
            // mida.bench.latency.rules=nearest,fresh,…: the linger rules side by side, alternated, one fresh
            // server each (A/B of the ingest's Linger rule; the server reads mida.ingest.linger.rule at start)
            String rules = System.getProperty("mida.bench.latency.rules", "");
            if (!rules.isBlank()) {
                String[] each = rules.split(",");
                for (int i = 0; i < each.length; i++) {
                    String suffix = "_" + each[i].trim() + "_" + i;
                    withProperty("mida.ingest.linger.rule", each[i].trim(), () -> {
                        for (String r : rates.split(","))
                            latency(Integer.parseInt(r.trim()), latencySeconds, batch, suffix);
                    });
                }
                return;
            }
            for (String r : rates.split(",")) latency(Integer.parseInt(r.trim()), latencySeconds, batch, "");
            return;
        }
        progress("measuring end to end: %d tasks, %d events", tasks, main.eventCount);
        int rounds = intProp("mida.bench.rounds", 0);
        if (rounds > 0) {
            alternate(main, batch, variants, rounds);
        } else {
            // mida.bench.e2e.last=true: the default e2e after the variants (alternate the order between runs)
            boolean mainLast = Boolean.getBoolean("mida.bench.e2e.last");
            if (!mainLast) endToEnd(main, "e2e", batch, "e2e", c -> c);
            for (String v : variants.split(",")) variant(v.trim(), main, batch);
            if (mainLast) endToEnd(main, "e2e", batch, "e2e", c -> c);
        }
        progress("measuring raw ceiling: the same final graph through the driver, then in-process");
        raw(main, "raw", "raw", false);
        raw(main, "raw-embedded", "raw_embedded", true);
        double e2eTasks = (double) result.get("e2e_tasks_per_s");
        double rawTasks = (double) result.get("raw_tasks_per_s");
        // the ceiling: the fastest path found that writes the same final graph once per task: the faster of
        // the raw phase over Bolt and the same statements through the embedded Neo4j's in-process API
        double ceiling = Math.max(rawTasks, (double) result.get("raw_embedded_tasks_per_s"));
        result.put("ceiling_tasks_per_s", round(ceiling, 0));
        result.put("ratio_e2e_to_raw", round(e2eTasks / rawTasks, 3));
        result.put("ratio_e2e_to_ceiling", round(e2eTasks / ceiling, 3));
        for (String k : List.of(
                "e2e_driver",
                "e2e_linger0",
                "e2e_everysec",
                "e2e_readsdriver",
                "e2e_planagain",
                "e2e_replandefault",
                "e2e_mirrorcypher",
                "e2e_paramsconvert",
                "e2e_mirrorseparate",
                "e2e_readsnative",
                "e2e_readscypher",
                "e2e_interpreted",
                "e2e_lessheld",
                "e2e_cycleaverage",
                "e2e_readsall"))
            if (result.containsKey(k + "_tasks_per_s"))
                result.put("ratio_" + k + "_to_ceiling", round((double) result.get(k + "_tasks_per_s") / ceiling, 3));
        if (!"false".equals(System.getProperty("mida.bench.flowcept"))) {
            try {
                flowcept(main);
            } catch (Exception e) { // keep the other figures; report the failure
                result.put("flowcept_error", e.toString());
                progress("flowcept consumer failed: %s", e);
            }
        }
        @SuppressWarnings("unchecked")
        var e2eShape = (Map<String, Object>) result.remove("e2e_graph");
        @SuppressWarnings("unchecked")
        var rawShape = (Map<String, Object>) result.remove("raw_graph");
        Object rawEmbeddedShape = result.remove("raw_embedded_graph");
        if (!rawShape.equals(rawEmbeddedShape))
            throw new AssertionError("raw graphs differ:\n in-process " + rawEmbeddedShape + "\n raw " + rawShape);
        for (String v : List.of(
                "e2e_driver_graph",
                "e2e_linger0_graph",
                "e2e_everysec_graph",
                "e2e_readsdriver_graph",
                "e2e_planagain_graph",
                "e2e_replandefault_graph",
                "e2e_mirrorcypher_graph",
                "e2e_paramsconvert_graph",
                "e2e_mirrorseparate_graph",
                "e2e_readsnative_graph",
                "e2e_readscypher_graph",
                "e2e_interpreted_graph",
                "e2e_lessheld_graph",
                "e2e_cycleaverage_graph",
                "e2e_readsall_graph")) {
            Object g = result.remove(v);
            if (g != null && !g.equals(rawShape))
                throw new AssertionError(v + " differs from the raw graph:\n " + g + "\n raw " + rawShape);
        }
        // with kept stores (mida.bench.rounds.store=kept) alternate compared the stores of all rounds itself
        if (e2eShape != null && !e2eShape.equals(rawShape))
            throw new AssertionError("end-to-end and raw graphs differ:\n e2e " + e2eShape + "\n raw " + rawShape);
        result.put("graph", rawShape);
        progress(
                "e2e %.0f task events/s (%.0f tasks/s), raw %.0f tasks/s, ratio %.3f",
                result.get("e2e_task_events_per_s"), e2eTasks, rawTasks, result.get("ratio_e2e_to_raw"));

        if (latencySeconds > 0) {
            for (String r : rates.split(",")) {
                int rate = Integer.parseInt(r.trim());
                try {
                    latency(rate, latencySeconds, batch, "");
                } catch (Exception | AssertionError e) { // keep the throughput figures; report the failure
                    result.put("latency_" + rate + "_error", e.toString());
                    progress("latency measurement failed: %s", e);
                }
            }
        }
    }

    /**
     * One e2e variant, side by side with the default e2e in this run: without the linger (every event written
     * with its batch, as before issue 15), with the embedded Redis fsyncing every second instead of on every
     * write, the ingest through the driver over Bolt (MIDA_INGEST_TRANSPORT=driver; the default goes through
     * the embedded Neo4j's in-process API), …
     */
    private void variant(String v, Workload main, int batch) throws Exception {
        switch (v) {
            case "driver" -> overDriver(() -> endToEnd(main, "e2e-driver", batch, "e2e_driver", c -> c));
            case "linger0" -> endToEnd(main, "e2e-linger0", batch, "e2e_linger0", c -> c.withIngestLinger(0));
            case "everysec" -> endToEnd(main, "e2e-everysec", batch, "e2e_everysec", c -> withFsync(c, "everysec"));
            // the columnar mirror's and the feed index's per-batch reads through the driver, as before
            case "readsdriver" ->
                readsOverDriver(() -> endToEnd(main, "e2e-readsdriver", batch, "e2e_readsdriver", c -> c));
            // every batch that registers keys planned twice, as before (mida.ingest.plan.again)
            case "planagain" ->
                withProperty(
                        "mida.ingest.plan.again",
                        "true",
                        () -> endToEnd(main, "e2e-planagain", batch, "e2e_planagain", c -> c));
            // the per-batch statements replanned by Neo4j on statistics divergence, as before (no replan=skip)
            case "replandefault" ->
                withProperty(
                        "mida.ingest.replan",
                        "default",
                        () -> endToEnd(main, "e2e-replandefault", batch, "e2e_replandefault", c -> c));
            // the mirror's and the feed index's in-process per-batch reads as Cypher, as before (not the core API)
            case "mirrorcypher" ->
                withProperty(
                        "mida.mirror.core",
                        "off",
                        () -> endToEnd(main, "e2e-mirrorcypher", batch, "e2e_mirrorcypher", c -> c));
            // the plan's rows copied through the in-process conversion once more, as before ing18
            case "paramsconvert" ->
                withProperty(
                        "mida.ingest.params",
                        "convert",
                        () -> endToEnd(main, "e2e-paramsconvert", batch, "e2e_paramsconvert", c -> c));
            // the mirror's re-read as before mir18: every property into a map, the document read twice, and the
            // feed index's reads in a transaction of their own, each task looked up again (mida.mirror.shared)
            case "mirrorseparate" ->
                withProperty(
                        "mida.mirror.shared",
                        "off",
                        () -> endToEnd(main, "e2e-mirrorseparate", batch, "e2e_mirrorseparate", c -> c));
            // the batch's task and entity reads as Cypher, as before the 16th session (mida.ingest.reads)
            case "readscypher" ->
                withProperty(
                        "mida.ingest.reads",
                        "cypher",
                        () -> endToEnd(main, "e2e-readscypher", batch, "e2e_readscypher", c -> c));
            // the batch's task and entity reads through the core API (ing19; the default since the 16th session)
            case "readsnative" ->
                withProperty(
                        "mida.ingest.reads",
                        "native",
                        () -> endToEnd(main, "e2e-readsnative", batch, "e2e_readsnative", c -> c));
            // every Cypher expression of the database interpreted (-Dmida.neo4j.expressionEngine; 9th session:
            // unresolved)
            case "interpreted" ->
                withProperty(
                        EmbeddedNeo4j.EXPRESSION_ENGINE_PROPERTY,
                        "INTERPRETED",
                        () -> endToEnd(main, "e2e-interpreted", batch, "e2e_interpreted", c -> c));
            // a batch reads the batch size less the events it holds back, as before the 10th session
            case "lessheld" ->
                withProperty(
                        "mida.ingest.read",
                        "lessheld",
                        () -> endToEnd(main, "e2e-lessheld", batch, "e2e_lessheld", c -> c));
            // every batch judged by the latest batches' average time, whatever its size, as before the 11th session
            case "cycleaverage" ->
                withProperty(
                        "mida.ingest.linger.cycle",
                        "average",
                        () -> endToEnd(main, "e2e-cycleaverage", batch, "e2e_cycleaverage", c -> c));
            // every id a batch names read, as before the 12th session (not only those the store may hold: KnownIds)
            case "readsall" ->
                withProperty(
                        "mida.ingest.reads.known",
                        "off",
                        () -> endToEnd(main, "e2e-readsall", batch, "e2e_readsall", c -> c));
            // no columnar mirror and no feed index (MIDA_MIRROR=off): what their per-batch re-read costs, the
            // most that feeding them from the plan's own rows could save (14th session)
            case "nomirror" ->
                withProperty("mida.mirror", "off", () -> endToEnd(main, "e2e-nomirror", batch, "e2e_nomirror", c -> c));
            // the raw in-process phase with transactions of half as many tasks (the e2e's batch of 5,000 events is
            // ≈ 2,500 tasks): whether the ceiling's own write would be faster so (14th session); key e2e_rawhalf
            case "rawhalf" -> {
                rawBatch = RAW_BATCH / 2;
                try {
                    raw(main, "raw-half", "e2e_rawhalf", true);
                } finally {
                    rawBatch = RAW_BATCH;
                }
            }
            // the e2e with batches of twice the configured events (MIDA_BATCH_SIZE): what the per-batch costs (the
            // reads of workflows, campaigns and registry scopes, the mirror's family walks, the commit's own) weigh
            case "batchx2" -> endToEnd(main, "e2e-batchx2", batch * 2, "e2e_batchx2", c -> c);
            // the raw in-process phase while another thread of this JVM decodes the workload's entries without a
            // pause (the e2e's decoding, on the second core): whether work on the other vCPU slows the writer (18th
            // session: moving the e2e's own work there gained nothing, three times); key e2e_rawbusy
            case "rawbusy" -> {
                var stop = new java.util.concurrent.atomic.AtomicBoolean();
                var decoded = new java.util.concurrent.atomic.AtomicLong();
                var busy = new Thread(
                        () -> {
                            while (!stop.get())
                                for (int i = 0; i < main.entries.size() && !stop.get(); i++)
                                    decoded.addAndGet(
                                            codec.decode(main.entries.get(i).payload())
                                                    .events()
                                                    .size());
                        },
                        "bench-busy");
                busy.setDaemon(true);
                busy.start();
                try {
                    raw(main, "raw-busy", "e2e_rawbusy", true);
                } finally {
                    stop.set(true);
                    busy.join();
                }
                progress("  raw-busy: the other thread decoded %d events meanwhile", decoded.get());
            }
            case "" -> {}
            default -> throw new IllegalArgumentException("unknown variant " + v);
        }
    }

    /** What {@code alternate} collects per phase, besides the CPU per event. */
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private static final List<String> ROUND_FIGURES = List.of(
            "cpu_us_per_task_event",
            "cpu_server_us_per_task_event",
            "cpu_other_us_per_task_event",
            "cpu_jit_seconds",
            "cpu_gc_seconds",
            "cpu_vm_seconds",
            "jit_ms",
            "gc_ms",
            "gc_count",
            "classes_loaded",
            "task_events_per_s");

    /**
     * {@code mida.bench.rounds=N}: the default e2e and each variant interleaved, {@code N} rounds (e2e A B e2e A
     * B …, a fresh store per phase), since in one JVM each later phase cost less CPU per event than the one
     * before whatever its code (issue 15, 5th session). Reports every phase's figures per variant
     * ({@code <key>_rounds_<figure>}, in run order, with the phase's position), their medians, and each
     * variant's median CPU per event over the default's. The plain keys ({@code e2e_cpu_us_per_task_event}, …)
     * hold the last round's phase, as a run without rounds would.
     */
    private void alternate(Workload main, int batch, String variants, int rounds) throws Exception {
        var order = new ArrayList<String>();
        for (String v : variants.split(",")) if (!v.isBlank()) order.add(v.trim());
        // mida.bench.e2e.last=true: the default e2e after the variants in every round
        order.add(Boolean.getBoolean("mida.bench.e2e.last") ? order.size() : 0, "e2e");
        // the ceiling's in-process raw phase in every round too: it needs the JIT as much as the e2e does
        order.add("raw_embedded");
        // the first rounds' phases are reported but not in the medians: the JIT is still compiling then
        int warmRounds = Math.min(rounds - 1, intProp("mida.bench.rounds.warm", rounds > 2 ? 2 : 0));
        var figures = new LinkedHashMap<String, Map<String, List<Object>>>();
        int position = 0;
        // mida.bench.rounds.store=kept: one store per phase key for all rounds, a workload of new ids per round
        // (same shape: same seed); fresh (default): a fresh store per phase, the same workload every round
        boolean keep = "kept".equals(System.getProperty("mida.bench.rounds.store", "fresh"));
        result.put("rounds_store", keep ? "kept" : "fresh");
        if (keep) kept = new LinkedHashMap<>();
        try {
            for (int r = 1; r <= rounds; r++) {
                Workload w =
                        keep ? Workload.generate(main.prefix + "-r" + r, main.taskCount, PER_ENTRY, 42, codec) : main;
                for (String v : order) {
                    position++;
                    progress("round %d of %d, phase %d: %s", r, rounds, position, v);
                    if (v.equals("e2e")) endToEnd(w, "e2e", batch, "e2e", c -> c);
                    else if (v.equals("raw_embedded")) raw(w, "raw-embedded", "raw_embedded", true);
                    else variant(v, w, batch);
                    roundFigures(figures, v, position, r > warmRounds);
                }
            }
            if (keep) {
                // every kept store holds the same graph (all rounds'); the plain phases after this compare fresh ones
                Object raw = result.remove("raw_embedded_graph");
                for (String k : figures.keySet()) {
                    Object g = result.remove(k + "_graph");
                    if (g != null && !g.equals(raw))
                        throw new AssertionError(
                                k + "'s kept store differs from the raw one:\n " + g + "\n raw " + raw);
                }
                result.put("rounds_store_graph", raw);
            }
        } finally {
            if (kept != null) {
                for (var e : kept.entrySet()) {
                    try {
                        e.getValue().close();
                    } catch (Exception ex) {
                        progress("closing the kept store of %s failed: %s", e.getKey(), ex);
                    }
                }
                kept = null;
            }
        }
        result.put("rounds", rounds);
        result.put("rounds_warm", warmRounds);
        result.put("rounds_order", order);
        for (var e : figures.entrySet()) {
            String k = e.getKey();
            for (var f : e.getValue().entrySet()) {
                result.put(k + "_rounds_" + f.getKey(), f.getValue());
                if (ROUND_FIGURES.contains(f.getKey()))
                    result.put(
                            k + "_median_" + f.getKey(),
                            median(f.getValue().subList(warmRounds, f.getValue().size())));
            }
        }
        // the ceiling by CPU: the in-process raw phase's CPU per event over the e2e's, medians of counted rounds
        ratio(
                "ratio_e2e_to_ceiling_by_cpu_median",
                "raw_embedded_median_cpu_us_per_task_event",
                "e2e_median_cpu_us_per_task_event");
        // the same without the benchmark's producer thread (the observers' XADDs)
        ratio(
                "ratio_e2e_to_ceiling_by_server_cpu_median",
                "raw_embedded_median_cpu_us_per_task_event",
                "e2e_median_cpu_server_us_per_task_event");
        // the same outside the JIT compiler's, GC's and VM threads (issue 15, 17th session): the raw phase builds
        // all its rows up front (one ≈ 0.4 s GC per round against the e2e's ≈ 0.1 s) and, alternated with the
        // e2e, still compiles 0.5-1 s per round in the counted rounds of a 4-round run; both count in the two figures
        // above
        ratio(
                "ratio_e2e_to_ceiling_by_cpu_other_median",
                "raw_embedded_median_cpu_other_us_per_task_event",
                "e2e_median_cpu_other_us_per_task_event");
        // by wall: the e2e's median events/s over the in-process raw phase's, counted rounds (the plain
        // ratio_e2e_to_ceiling divides the last round's alone: 0.878 and 0.639 in two runs of the 10th session)
        ratio(
                "ratio_e2e_to_ceiling_by_wall_median",
                "e2e_median_task_events_per_s",
                "raw_embedded_median_task_events_per_s");
        // paired (17th session): the median of each counted round's own ratio. The machine's speed drifts by
        // ±15 % over minutes; a ratio of two medians can pair a fast round of one side with a slow one of the
        // other (s17-b2: 0.918 by CPU from the medians, 0.838 paired)
        result.put(
                "ratio_e2e_to_ceiling_by_cpu_paired_median",
                pairedMedian(figures, "cpu_us_per_task_event", warmRounds, true));
        result.put(
                "ratio_e2e_to_ceiling_by_wall_paired_median",
                pairedMedian(figures, "task_events_per_s", warmRounds, false));
        progress(
                "e2e to the in-process ceiling over the counted rounds: by CPU %s (paired %s), by wall %s (paired %s)",
                result.get("ratio_e2e_to_ceiling_by_cpu_median"),
                result.get("ratio_e2e_to_ceiling_by_cpu_paired_median"),
                result.get("ratio_e2e_to_ceiling_by_wall_median"),
                result.get("ratio_e2e_to_ceiling_by_wall_paired_median"));
        double base = (double) result.get("e2e_median_cpu_us_per_task_event");
        double baseOther = (double) result.get("e2e_median_cpu_other_us_per_task_event");
        for (String k : figures.keySet()) {
            if (k.equals("e2e") || k.equals("raw_embedded")) continue;
            result.put(
                    "ratio_" + k + "_to_e2e_cpu_median",
                    round((double) result.get(k + "_median_cpu_us_per_task_event") / base, 3));
            result.put(
                    "ratio_" + k + "_to_e2e_cpu_other_median",
                    round((double) result.get(k + "_median_cpu_other_us_per_task_event") / baseOther, 3));
        }
    }

    /** Collects the phase {@code v} just run (at {@code position}) into {@code figures} and prints its CPU. */
    private void roundFigures(Map<String, Map<String, List<Object>>> figures, String v, int position, boolean counted) {
        String k = v.equals("e2e") || v.equals("raw_embedded") ? v : "e2e_" + v;
        var f = figures.computeIfAbsent(k, x -> new LinkedHashMap<>());
        f.computeIfAbsent("position", x -> new ArrayList<>()).add(position);
        f.computeIfAbsent("counted", x -> new ArrayList<>()).add(counted);
        if (result.containsKey(k + "_window_ms"))
            f.computeIfAbsent("window_ms", x -> new ArrayList<>()).add(result.get(k + "_window_ms"));
        for (String name : ROUND_FIGURES)
            f.computeIfAbsent(name, x -> new ArrayList<>()).add(result.get(k + "_" + name));
        // the e2e phases' tasks written twice, per round (the raw phases write each task once by construction)
        if (result.get(k + "_task_updates") instanceof Number n)
            f.computeIfAbsent("task_updates", x -> new ArrayList<>()).add(n);
        progress(
                "  %s: %.1f µs CPU per event (%.1f outside JIT/GC/VM threads; JIT %.2f s, GC %.2f s CPU)%s",
                k,
                result.get(k + "_cpu_us_per_task_event"),
                result.get(k + "_cpu_other_us_per_task_event"),
                result.get(k + "_cpu_jit_seconds"),
                result.get(k + "_cpu_gc_seconds"),
                counted ? "" : " (warm round, not in the medians)");
    }

    /** Puts {@code key}: the figure {@code numerator} over the figure {@code denominator}, to 3 digits. */
    private void ratio(String key, String numerator, String denominator) {
        result.put(key, round((double) result.get(numerator) / (double) result.get(denominator), 3));
    }

    /**
     * The median over the counted rounds of the e2e's ratio to the in-process raw phase of the same round: raw
     * over e2e ({@code rawOverE2e}, a cost such as CPU per event) or e2e over raw (a rate).
     */
    static double pairedMedian(
            Map<String, Map<String, List<Object>>> figures, String figure, int warmRounds, boolean rawOverE2e) {
        List<Object> e2e = figures.get("e2e").get(figure),
                raw = figures.get("raw_embedded").get(figure);
        int n = Math.min(e2e.size(), raw.size()) - warmRounds;
        if (n <= 0) return Double.NaN;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double a = ((Number) e2e.get(warmRounds + i)).doubleValue();
            double b = ((Number) raw.get(warmRounds + i)).doubleValue();
            v[i] = rawOverE2e ? b / a : a / b;
        }
        return round(median(v), 3);
    }

    private static double median(List<Object> values) {
        if (values.isEmpty()) return Double.NaN;
        return round(
                median(values.stream()
                        .mapToDouble(o -> ((Number) o).doubleValue())
                        .toArray()),
                2);
    }

    /** The median of at least one value (sorted in place). */
    private static double median(double[] v) {
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ---------------------------------------------------------------- end to end

    /** A server on a fresh data dir with embedded Neo4j and Redis, as the README runs it, on free ports. */
    private static Config serverConfig(Path dir, int redisPort, int batch) {
        var env = new HashMap<String, String>();
        env.put("MIDA_DATA_DIR", dir.toString());
        env.put("MIDA_PORT", "0");
        env.put("MIDA_BOLT_PORT", "0");
        env.put("MIDA_REDIS_PORT", Integer.toString(redisPort));
        env.put("MIDA_PAGE_CACHE", PAGE_CACHE);
        env.put("MIDA_BATCH_SIZE", Integer.toString(batch));
        return Config.from(env, new String[0]);
    }

    private static Config withFsync(Config c, String fsync) {
        var env = new HashMap<String, String>();
        env.put("MIDA_REDIS_FSYNC", fsync);
        return Config.from(env, new String[] {
            "--data-dir", c.dataDir().toString(),
            "--port", "0",
            "--bolt-port", "0",
            "--redis-port", Integer.toString(c.redisPort()),
            "--page-cache", c.pageCache(),
            "--batch-size", Integer.toString(c.batchSize()),
            "--ingest-linger-ms", Long.toString(c.ingestLingerMs())
        });
    }

    private interface Phase {
        void run() throws Exception;
    }

    /** Runs {@code phase} with servers whose ingest goes through the driver ({@code MIDA_INGEST_TRANSPORT=driver}). */
    private static void overDriver(Phase phase) throws Exception {
        System.setProperty(IngestTransport.Mode.PROPERTY, "driver");
        try {
            phase.run();
        } finally {
            System.clearProperty(IngestTransport.Mode.PROPERTY);
        }
    }

    /** Runs {@code phase} with the system property {@code name} set to {@code value}. */
    private static void withProperty(String name, String value, Phase phase) throws Exception {
        System.setProperty(name, value);
        try {
            phase.run();
        } finally {
            System.clearProperty(name);
        }
    }

    /** Runs {@code phase} with the mirror's and feed index's reads through the driver ({@code mida.mirror.reads}). */
    private static void readsOverDriver(Phase phase) throws Exception {
        System.setProperty(org.mida.server.columnar.TaskMirror.READS_PROPERTY, "driver");
        try {
            phase.run();
        } finally {
            System.clearProperty(org.mida.server.columnar.TaskMirror.READS_PROPERTY);
        }
    }

    /** The e2e phase; {@code key} null: not recorded (warm-up), else the prefix of its result keys. */
    private void endToEnd(Workload w, String name, int batch, String key, java.util.function.UnaryOperator<Config> cfg)
            throws Exception {
        if (kept != null && key != null) {
            // mida.bench.rounds.store=kept: this key's server of the rounds before, with its plans
            var k = (KeptServer) kept.get(key);
            if (k == null) {
                Path dir = root.resolve(name + "-kept-" + (++phases));
                k = KeptServer.start(dir, cfg.apply(serverConfig(dir, BenchSupport.freePort(), batch)));
                kept.put(key, k);
                warmPlans(k.server(), k.redis(), new EventStream(k.server().config().stream()), batch);
            }
            measure(w, name, k.server(), k.redis(), key);
            // the mirror's re-read of the last batches, which a fresh phase's close cuts off, not in the next phase
            k.server().mirror().awaitApplied(30_000);
            return;
        }
        // a fresh store every phase, also when a phase runs again (mida.bench.rounds): the same workload on the
        // last phase's store would be a replay (no task created); deleted after it
        Path dir = root.resolve(name + "-" + (++phases));
        try {
            endToEnd(w, name, dir, batch, key, cfg);
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /** A server kept over the rounds ({@code mida.bench.rounds.store=kept}); closing it deletes its store. */
    private record KeptServer(Path dir, MidaServer server, JedisPooled redis) implements AutoCloseable {
        static KeptServer start(Path dir, Config config) {
            var server = MidaServer.start(config);
            return new KeptServer(dir, server, new JedisPooled(java.net.URI.create(server.redisUri())));
        }

        @Override
        public void close() throws Exception {
            try {
                redis.close();
                server.close();
            } finally {
                BenchSupport.deleteTree(dir);
            }
        }
    }

    private void endToEnd(
            Workload w, String name, Path dir, int batch, String key, java.util.function.UnaryOperator<Config> cfg)
            throws Exception {
        boolean record = key != null;
        int redisPort = BenchSupport.freePort();
        try (var server = MidaServer.start(cfg.apply(serverConfig(dir, redisPort, batch)));
                var redis = new JedisPooled(java.net.URI.create(server.redisUri()))) {
            if (record) warmPlans(server, redis, new EventStream(server.config().stream()), batch);
            measure(w, name, server, redis, key);
        }
    }

    /**
     * The server's latest batches (at most 4,096, earlier phases' included): their time's p50 and p99, and where
     * the time of those that ended after {@code t0} went, by phase ({@link #phases}).
     */
    private void batchFigures(String k, MidaServer server, long t0) {
        long[] lat = server.metrics().recentBatchNanos();
        Arrays.sort(lat);
        result.put(k + "_batch_ms_p50", round(percentile(lat, 0.50) / 1e6, 1));
        result.put(k + "_batch_ms_p99", round(percentile(lat, 0.99) / 1e6, 1));
        phases(result, k, server.metrics().recentBatches(), t0);
    }

    /** XADDs the workload to {@code server}'s stream, waits until it is ingested, checks and records it. */
    private void measure(Workload w, String name, MidaServer server, JedisPooled redis, String key) throws Exception {
        boolean record = key != null;
        var stream = new EventStream(server.config().stream());
        resetPeakHeap();
        long eventsBefore = server.metrics().eventsIngested();
        long batchesBefore = server.metrics().batches();
        long createdBefore = server.metrics().tasksCreated();
        long updatedBefore = server.metrics().tasksUpdated();
        var jvm0 = JvmCounters.now();
        long cpu0 = processCpuNanos();
        // this thread is the observers' stand-in: it XADDs the entries (then only polls a counter)
        long producer0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        int n = w.entries.size();
        for (int from = 0; from < n; from += 50) {
            try (var pipe = redis.pipelined()) { // holds a pooled connection until closed
                for (int i = from; i < Math.min(n, from + 50); i++)
                    stream.append(pipe, w.entries.get(i).payload());
                pipe.sync();
            }
        }
        long tXadd = System.nanoTime();
        long target = eventsBefore + w.eventCount;
        long lastPrint = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        while (server.metrics().eventsIngested() < target) {
            Thread.sleep(5);
            if (System.nanoTime() - lastPrint > 5e9) {
                lastPrint = System.nanoTime();
                long done = server.metrics().eventsIngested() - eventsBefore;
                progress(
                        "  %s: %d / %d events after %.1f s (%.0f events/s)",
                        name, done, w.eventCount, (lastPrint - t0) / 1e9, done / ((lastPrint - t0) / 1e9));
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError(name + ": timed out with "
                        + (server.metrics().eventsIngested() - eventsBefore) + " of " + w.eventCount
                        + " events ingested");
        }
        long t1 = System.nanoTime();
        long cpu1 = processCpuNanos();
        long producer = THREADS.getCurrentThreadCpuTime() - producer0;
        var jvm1 = JvmCounters.now();
        long finished = count(
                server.driver(),
                "MATCH (t:Task) WHERE t.status = 'FINISHED' AND t.task_id STARTS WITH $p RETURN count(t)",
                Map.of("p", w.prefix + "/"));
        // every task of the store (a fresh one), or of this workload's ids (a store kept over the rounds)
        long all = kept == null
                ? count(server.driver(), "MATCH (t:Task) RETURN count(t)", Map.of())
                : count(
                        server.driver(),
                        "MATCH (t:Task) WHERE t.task_id STARTS WITH $p RETURN count(t)",
                        Map.of("p", w.prefix + "/"));
        if (finished != w.taskCount || all != w.taskCount)
            throw new AssertionError(name + ": graph holds " + finished + " FINISHED tasks (" + all + " tasks) but "
                    + w.taskCount + " were sent");
        double secs = (t1 - t0) / 1e9;
        progress(
                "  %s: %d events, %d tasks FINISHED in %.2f s (XADD took %.2f s)",
                name, w.eventCount, finished, secs, (tXadd - t0) / 1e9);
        if (!record) return;
        String k = key;
        result.put(k + "_seconds", round(secs, 2));
        result.put(k + "_transport", System.getProperty(IngestTransport.Mode.PROPERTY, "embedded"));
        // the measured window, epoch ms (to cut a profile of the whole run to this phase)
        long nowMs = System.currentTimeMillis();
        result.put(
                k + "_window_ms",
                List.of(nowMs - (System.nanoTime() - t0) / 1_000_000, nowMs - (System.nanoTime() - t1) / 1_000_000));
        // CPU time of this process (server, embedded Neo4j, benchmark; not the redis-server child):
        // the work per event, far less sensitive than wall time to other load on the machine
        result.put(k + "_cpu_seconds", round((cpu1 - cpu0) / 1e9, 2));
        result.put(k + "_cpu_us_per_task_event", round((cpu1 - cpu0) / 1e3 / w.eventCount, 1));
        // the same without the producer thread's XADDs: what the server spent (Flowcept's consumer CPU is
        // measured without its publisher too); the raw phases have no producer, their figure is all of it
        result.put(k + "_cpu_producer_seconds", round(producer / 1e9, 2));
        result.put(k + "_cpu_server_us_per_task_event", round((cpu1 - cpu0 - producer) / 1e3 / w.eventCount, 1));
        // where the phase's CPU went besides the work itself: the JIT compiler's, GC's and the VM thread's
        // (safepoint operations) threads (from /proc/self/task, clock ticks), the JIT's own count of its
        // compilation time, GC pause time and count, classes loaded (Neo4j generates classes per plan)
        jvm1.minus(jvm0, w.eventCount).forEach((fig, val) -> result.put(k + "_" + fig, val));
        result.put(k + "_task_events_per_s", round(w.eventCount / secs, 0));
        result.put(k + "_tasks_per_s", round(w.taskCount / secs, 0));
        result.put(k + "_xadd_seconds", round((tXadd - t0) / 1e9, 2));
        result.put(k + "_tasks_found", finished);
        result.put(k + "_events_lost", (long) w.eventCount - (server.metrics().eventsIngested() - eventsBefore));
        // writes of Task nodes: 1 per task when RUNNING and FINISHED were coalesced, 2 when not
        result.put(k + "_task_creates", server.metrics().tasksCreated() - createdBefore);
        result.put(k + "_task_updates", server.metrics().tasksUpdated() - updatedBefore);
        result.put(k + "_batches", server.metrics().batches() - batchesBefore);
        batchFigures(k, server, t0);
        result.put(k + "_peak_heap_mib", peakHeapMib());
        var graph = shape(server.driver());
        if (k.equals("e2e")) result.put("e2e_graph", graph);
        else result.put(k + "_graph", graph);
    }

    /**
     * Query plans are cached per database: a fresh server plans its ingest statements on its first
     * batch (seconds on a slow machine). A long-running server has them; so ingest a few tasks of a
     * throw-away workload first, then delete what they left.
     */
    private void warmPlans(MidaServer server, JedisPooled redis, EventStream stream, int batchSize)
            throws InterruptedException {
        // as many tasks as two full batches: Neo4j caches a plan per list-size bucket (…, 100, 1000, …),
        // so a running server has the plans of full batches, not only of small ones
        Workload pre = Workload.generate("pre", Math.max(300, batchSize), PER_ENTRY, 3, codec);
        long before = server.metrics().eventsIngested();
        for (Workload.Entry e : pre.entries) stream.append(redis, e.payload());
        while (server.metrics().eventsIngested() < before + pre.eventCount) Thread.sleep(5);
        try (var s = server.driver().session()) {
            s.run("MATCH (n) WHERE any(k IN ['task_id', 'workflow_id', 'campaign_id', 'id']"
                            + " WHERE n[k] CONTAINS 'pre/') DETACH DELETE n")
                    .consume();
        }
    }

    // ---------------------------------------------------------------- raw ceiling

    private static final String RAW_ENTITIES = "UNWIND $rows AS r CREATE (e:Entity) SET e = r";
    private static final String RAW_VERSIONS = String.join(
            "\n",
            "UNWIND $rows AS r",
            "MATCH (e:Entity {id: r.entity_id})",
            "CREATE (v:Version)",
            "SET v = r",
            "CREATE (v)-[:SPECIALIZATION_OF]->(e)");
    private static final String RAW_TASKS = String.join(
            "\n",
            "UNWIND $rows AS r",
            "CREATE (t:Task:Activity)",
            "SET t = r.props",
            "WITH t, r",
            "CALL (t, r) {",
            "  MATCH (w:Workflow {workflow_id: r.workflow_id})",
            "  CREATE (t)-[:PART_OF]->(w)",
            "}",
            "CALL (t, r) {",
            "  UNWIND r.used AS u",
            "  MATCH (e:Entity {id: u.id})",
            "  CREATE (t)-[:USED {role: u.role}]->(e)",
            "}",
            "CALL (t, r) {",
            "  UNWIND r.used_versions AS u",
            "  MATCH (v:Version {id: u.id})",
            "  CREATE (t)-[:USED {role: u.role}]->(v)",
            "}",
            "CALL (t, r) {",
            "  UNWIND r.generated AS g",
            "  MATCH (e:Entity {id: g.id})",
            "  CREATE (e)-[:WAS_GENERATED_BY {role: g.role}]->(t)",
            "}",
            "CALL (t, r) {",
            "  UNWIND r.agents AS a",
            "  MATCH (ag:Agent {id: a.id})",
            "  CREATE (t)-[:WAS_ASSOCIATED_WITH {role: a.role}]->(ag)",
            "}");

    /** Tasks per transaction of the raw phase ({@link #RAW_BATCH}; the variant {@code rawhalf} halves it). */
    private int rawBatch = RAW_BATCH;

    /**
     * The raw phase; {@code key} null: not recorded (warm-up), else the prefix of its result keys. Its
     * statements go through the driver over Bolt, or ({@code inProcess}) the embedded Neo4j's in-process
     * API, both through the ingest's {@link IngestTransport}.
     */
    private void raw(Workload w, String name, String key, boolean inProcess) {
        if (kept != null && key != null) {
            // mida.bench.rounds.store=kept: this key's store of the rounds before, with its plans
            var k = (KeptRaw) kept.get(key);
            if (k == null) kept.put(key, k = KeptRaw.start(root.resolve(name + "-kept-" + (++phases)), inProcess));
            raw(w, name, key, k.driver(), k.transport());
            return;
        }
        Path dir = root.resolve(name + "-" + (++phases));
        try (var neo4j = EmbeddedNeo4j.start(dir, 0, PAGE_CACHE);
                var driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()))) {
            raw(w, name, key, driver, prepareRaw(neo4j, driver, inProcess));
        }
    }

    /** The schema on a fresh raw store, and its statements planned (plans are cached per database). */
    private static IngestTransport prepareRaw(EmbeddedNeo4j neo4j, Driver driver, boolean inProcess) {
        try (var s = driver.session()) {
            for (String stmt : Cypher.SCHEMA) s.run(Cypher.load(stmt)).consume();
            s.run("CALL db.awaitIndexes(60)").consume();
        }
        IngestTransport transport =
                inProcess ? IngestTransport.embedded(neo4j::database) : IngestTransport.driver(driver);
        for (String q : List.of(RAW_ENTITIES, RAW_VERSIONS, RAW_TASKS))
            transport.write(tx -> tx.run(q, Map.of("rows", List.of())));
        return transport;
    }

    /** A raw store kept over the rounds ({@code mida.bench.rounds.store=kept}). */
    private record KeptRaw(EmbeddedNeo4j neo4j, Driver driver, IngestTransport transport) implements AutoCloseable {
        static KeptRaw start(Path dir, boolean inProcess) {
            var neo4j = EmbeddedNeo4j.start(dir, 0, PAGE_CACHE);
            var driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()));
            return new KeptRaw(neo4j, driver, prepareRaw(neo4j, driver, inProcess));
        }

        @Override
        public void close() {
            driver.close();
            neo4j.close();
        }
    }

    private void raw(Workload w, String name, String key, Driver driver, IngestTransport transport) {
        boolean record = key != null;
        List<TaskEvent> merged = w.mergedTasks(codec);
        resetPeakHeap();
        var jvm0 = JvmCounters.now();
        long rawCpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        // campaigns and workflows (few), entities and agents (once each), then one row per task
        var campaigns = new LinkedHashSet<String>();
        var workflows = new LinkedHashMap<String, String>();
        var entities = new LinkedHashMap<String, Map<String, Object>>();
        var agents = new LinkedHashMap<String, Map<String, Object>>();
        var taskRows = new ArrayList<Map<String, Object>>(merged.size());
        // the ingest's rules for an entity generated once (the workload generates each entity once and
        // names no versions): the generation stays on the entity; a usage before it (or by the task
        // that generated it) reads the entity's origin node, any other the entity
        var generations = new HashMap<String, Object[]>(); // entity id -> {task id, time}
        for (TaskEvent t : merged) {
            Double at = t.endedAt() != null ? t.endedAt() : t.startedAt() != null ? t.startedAt() : t.submittedAt();
            for (EntityRef r : t.generatedEntities()) generations.put(r.id(), new Object[] {t.taskId(), at});
        }
        var versions = new LinkedHashMap<String, Map<String, Object>>(); // the origin nodes needed
        for (TaskEvent t : merged) {
            campaigns.add(t.campaignId());
            workflows.putIfAbsent(t.workflowId(), t.campaignId());
            var used = new ArrayList<Map<String, Object>>();
            var usedVersions = new ArrayList<Map<String, Object>>();
            var gen = new ArrayList<Map<String, Object>>();
            Double usedAt =
                    t.startedAt() != null ? t.startedAt() : t.submittedAt() != null ? t.submittedAt() : t.endedAt();
            for (EntityRef r : t.usedEntities()) {
                entity(entities, r);
                Object[] g = generations.get(r.id());
                boolean beforeIt = g != null
                        && (t.taskId().equals(g[0]) || (g[1] != null && usedAt != null && usedAt < (Double) g[1]));
                if (beforeIt) {
                    String origin = r.id() + "#origin";
                    versions.computeIfAbsent(
                            r.id(), k -> Map.of("id", origin, "entity_id", k, "version", "origin", "origin", true));
                    usedVersions.add(Map.of("id", origin, "role", r.role()));
                } else used.add(Map.of("id", r.id(), "role", r.role()));
            }
            for (EntityRef r : t.generatedEntities()) {
                entity(entities, r);
                gen.add(Map.of("id", r.id(), "role", r.role()));
            }
            var ag = new ArrayList<Map<String, Object>>();
            if (t.user() != null) ag.add(agent(agents, "user", t.user()));
            if (t.hostname() != null) ag.add(agent(agents, "host", t.hostname()));
            var row = new HashMap<String, Object>();
            row.put("props", properties.task(t));
            row.put("workflow_id", t.workflowId());
            row.put("used", used);
            row.put("used_versions", usedVersions);
            row.put("generated", gen);
            row.put("agents", ag);
            taskRows.add(row);
        }
        long tPlan = System.nanoTime();
        {
            transport.write(tx -> {
                tx.run(Cypher.load("ingest/merge-campaigns"), Map.of("ids", new ArrayList<>(campaigns)));
                var rows = new ArrayList<Map<String, Object>>();
                for (var e : workflows.entrySet()) {
                    var wf = properties.workflow(WorkflowEvent.of(e.getKey(), e.getValue(), null));
                    rows.add(Map.of("workflow_id", e.getKey(), "campaign_id", e.getValue(), "props", wf));
                }
                tx.run(Cypher.load("ingest/create-workflows"), Map.of("rows", rows));
                tx.run(Cypher.load("ingest/merge-agents"), Map.of("rows", new ArrayList<>(agents.values())));
                return null;
            });
            var ents = new ArrayList<>(entities.values());
            for (int from = 0; from < ents.size(); from += 10_000) {
                var chunk = ents.subList(from, Math.min(ents.size(), from + 10_000));
                transport.write(tx -> tx.run(RAW_ENTITIES, Map.of("rows", chunk)));
            }
            var vers = new ArrayList<>(versions.values());
            for (int from = 0; from < vers.size(); from += 10_000) {
                var chunk = vers.subList(from, Math.min(vers.size(), from + 10_000));
                transport.write(tx -> tx.run(RAW_VERSIONS, Map.of("rows", chunk)));
            }
            for (int from = 0; from < taskRows.size(); from += rawBatch) {
                var chunk = taskRows.subList(from, Math.min(taskRows.size(), from + rawBatch));
                transport.write(tx -> tx.run(RAW_TASKS, Map.of("rows", chunk)));
            }
        }
        long t1 = System.nanoTime();
        long rawCpu1 = processCpuNanos();
        var jvm1 = JvmCounters.now();
        long all = count(
                driver,
                "MATCH (t:Task) WHERE t.status = 'FINISHED' AND t.task_id STARTS WITH $p RETURN count(t)",
                Map.of("p", w.prefix + "/"));
        if (all != w.taskCount)
            throw new AssertionError(name + ": raw graph holds " + all + " tasks, expected " + w.taskCount);
        double secs = (t1 - t0) / 1e9;
        progress(
                "  %s: %d tasks in %.2f s (%.2f s of it building rows in Java)",
                name, w.taskCount, secs, (tPlan - t0) / 1e9);
        if (!record) return;
        result.put(key + "_seconds", round(secs, 2));
        result.put(key + "_tasks_per_s", round(w.taskCount / secs, 0));
        result.put(key + "_cpu_seconds", round((rawCpu1 - rawCpu0) / 1e9, 2));
        // per task event (2 per task), as the e2e's, so the two compare by CPU
        result.put(key + "_cpu_us_per_task_event", round((rawCpu1 - rawCpu0) / 1e3 / w.eventCount, 1));
        result.put(key + "_cpu_server_us_per_task_event", result.get(key + "_cpu_us_per_task_event"));
        jvm1.minus(jvm0, w.eventCount).forEach((fig, val) -> result.put(key + "_" + fig, val));
        result.put(key + "_task_events_per_s", round(w.eventCount / secs, 0));
        result.put(key + "_peak_heap_mib", peakHeapMib());
        result.put(key + "_graph", shape(driver));
    }

    /** An entity's properties as the ingest stores them: its id, then what each reference gives it. */
    private void entity(Map<String, Map<String, Object>> entities, EntityRef r) {
        entities.computeIfAbsent(r.id(), k -> new HashMap<>(Map.of("id", k))).putAll(properties.entity(r));
    }

    private static Map<String, Object> agent(Map<String, Map<String, Object>> agents, String kind, String name) {
        String id = kind + ":" + name;
        agents.putIfAbsent(id, Map.of("id", id, "kind", kind, "name", name));
        return Map.of("id", id, "role", kind);
    }

    /**
     * Counts that two equal graphs share: nodes per label set, relationships per type, properties. The
     * ingest's field registry ({@code :Field} nodes and their {@code :FieldScope} locks) is bookkeeping,
     * not graph: left out.
     */
    private static Map<String, Object> shape(Driver driver) {
        var out = new LinkedHashMap<String, Object>();
        try (var s = driver.session()) {
            for (var r : s.run("MATCH (n) WHERE NOT n:Field AND NOT n:FieldScope RETURN labels(n) AS l, count(*) AS c,"
                            + " sum(size(keys(n))) AS p")
                    .list()) {
                var labels = new ArrayList<>(r.get("l").asList(v -> v.asString()));
                labels.sort(Comparator.naturalOrder());
                out.put("nodes:" + String.join(":", labels), r.get("c").asLong());
                out.put("props:" + String.join(":", labels), r.get("p").asLong());
            }
            for (var r : s.run("MATCH ()-[x]->() RETURN type(x) AS t, count(*) AS c, sum(size(keys(x))) AS p")
                    .list()) {
                out.put("rels:" + r.get("t").asString(), r.get("c").asLong());
                out.put("relprops:" + r.get("t").asString(), r.get("p").asLong());
            }
        }
        var sorted = new java.util.TreeMap<String, Object>(out);
        return new LinkedHashMap<>(sorted);
    }

    // ---------------------------------------------------------------- latency at a steady rate

    private void latency(int rate, int seconds, int batch, String suffix) throws Exception {
        int sampleEvery = 100;
        int tasks = rate * seconds / 2;
        progress(
                "latency: %d events/s for %d s (%d tasks), XADD -> visible via GET /api/tasks, 1 task in %d",
                rate, seconds, tasks, sampleEvery);
        Workload w = Workload.generate("lat", tasks, PER_ENTRY, 99, codec);
        Path dir = root.resolve("latency" + suffix);
        int redisPort = BenchSupport.freePort();
        try (var server = MidaServer.start(serverConfig(dir, redisPort, batch));
                var redis = new JedisPooled(java.net.URI.create(server.redisUri()))) {
            var stream = new EventStream(server.config().stream());
            warmPlans(server, redis, stream, batch); // as in the e2e phase: a running server has its plans
            String base = "http://127.0.0.1:" + server.port() + "/api/tasks?id=";
            var http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            var pending = new ConcurrentLinkedQueue<long[]>(); // {task, sentNanos}
            var latencies = java.util.Collections.synchronizedList(new ArrayList<Long>());
            var timed = java.util.Collections.synchronizedList(new ArrayList<long[]>()); // {sentNanos, latencyNanos}
            var done = new AtomicBoolean();
            var errors = java.util.Collections.synchronizedList(new ArrayList<String>());
            var timeouts = new java.util.concurrent.atomic.AtomicInteger();
            // mida.bench.latency.via=sse (default, 10th session): a sample is visible when the server's change
            // feed (GET /api/stream, published after each commit) names it, checked by one GET then; get: a
            // GET /api/tasks?id= per pending sample every 20 ms until it answers 200, as before. That poller was
            // ≈ 20 % of a steady run's CPU samples (HTTP threads and Neo4j's Bolt workers) on the 2 cores it
            // measured (9th session's JFR)
            boolean viaSse = !"get".equals(System.getProperty("mida.bench.latency.via", "sse"));
            result.put("latency_via", viaSse ? "sse" : "get");
            var samples = new Samples(w, pending, latencies, timed, done, errors, timeouts);
            Thread poller = viaSse
                    ? samples.sweeper("latency-watcher", 5, feedWatcher(server, http, done, errors))
                    : samples.sweeper(
                            "latency-poller",
                            20,
                            id -> { // a sweep every 20 ms: faster loaded the 2 cores
                                var resp = getTask(http, base, id);
                                if (resp.statusCode() == 200) return System.nanoTime();
                                if (resp.statusCode() != 404) throw new Refused(resp.statusCode() + " " + resp.body());
                                return -1;
                            });
            poller.start();
            long intervalNanos = (long) (1e9 * PER_ENTRY / rate);
            long batchesBefore = server.metrics().batches();
            long updatesBefore = server.metrics().tasksUpdated();
            long holdsBefore = server.metrics().holds();
            long t0 = System.nanoTime();
            int i = 0;
            for (Workload.Entry e : w.entries) {
                long due = t0 + i * intervalNanos;
                while (System.nanoTime() < due) Thread.sleep(0, 200_000);
                long sent = System.nanoTime();
                stream.append(redis, e.payload());
                for (int k = 0; k < e.tasks().length; k++)
                    if (e.tasks()[k] % sampleEvery == 0 && e.running()[k]) pending.add(new long[] {e.tasks()[k], sent});
                i++;
            }
            long tSent = System.nanoTime();
            done.set(true);
            poller.join(Duration.ofMinutes(3).toMillis());
            double actualRate = w.eventCount / ((tSent - t0) / 1e9);
            long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            if (!errors.isEmpty()) throw new AssertionError("latency polling failed: " + errors.subList(0, 1));
            String k = "latency_" + rate + suffix;
            result.put(k + "_rate_events_per_s", round(actualRate, 0));
            result.put(k + "_samples", lat.length);
            result.put(k + "_timeouts_120s", timeouts.get());
            result.put(k + "_ms_p50", round(percentile(lat, 0.50) / 1e6, 1));
            result.put(k + "_ms_p99", round(percentile(lat, 0.99) / 1e6, 1));
            result.put(k + "_ms_max", round(lat[lat.length - 1] / 1e6, 1));
            // where in the run the slow ones were: the highest latency of each 2-s window of send times, and
            // the ingest's batches meanwhile (the server's last ones: at most 4,096)
            var windows = new java.util.TreeMap<Long, Long>();
            for (long[] t : timed) windows.merge((t[0] - t0) / 2_000_000_000L * 2, t[1], Math::max);
            var maxByWindow = new ArrayList<Double>();
            windows.values().forEach(v -> maxByWindow.add(round(v / 1e6, 1)));
            result.put(k + "_ms_max_by_2s_window", maxByWindow);
            long batches = server.metrics().batches() - batchesBefore;
            result.put(k + "_batches", batches);
            result.put(k + "_events_per_batch", round((double) w.eventCount / Math.max(1, batches), 1));
            // coalescing meanwhile: tasks written twice (a create, then an update), events held back
            result.put(k + "_task_updates", server.metrics().tasksUpdated() - updatesBefore);
            result.put(k + "_holds", server.metrics().holds() - holdsBefore);
            batchFigures(k, server, t0);
            progress(
                    "  latency at %.0f events/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)",
                    actualRate,
                    result.get(k + "_ms_p50"),
                    result.get(k + "_ms_p99"),
                    result.get(k + "_ms_max"),
                    lat.length);
            progress(
                    "  latency at %.0f events/s: highest per 2-s window %s; %d batches (%.0f events each), batch p50 %.1f ms,"
                            + " p99 %.1f ms",
                    actualRate,
                    maxByWindow,
                    batches,
                    result.get(k + "_events_per_batch"),
                    result.get(k + "_batch_ms_p50"),
                    result.get(k + "_batch_ms_p99"));
        }
    }

    /** {@code GET /api/tasks?id=}. */
    private static HttpResponse<String> getTask(HttpClient http, String base, String id)
            throws IOException, InterruptedException {
        var req = HttpRequest.newBuilder(URI.create(base + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                .GET()
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Tells when a sample task became visible (System.nanoTime), or -1 while it is not. */
    private interface Visibility {
        long at(String taskId) throws IOException, InterruptedException;
    }

    /** A sample that cannot be measured: the reason fails the run. */
    private static final class Refused extends RuntimeException {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The latency phase's samples: sent ones wait in {@code pending}; what became of each is recorded. */
    private record Samples(
            Workload w,
            ConcurrentLinkedQueue<long[]> pending,
            List<Long> latencies,
            List<long[]> timed,
            AtomicBoolean done,
            List<String> errors,
            java.util.concurrent.atomic.AtomicInteger timeouts) {

        /**
         * A thread that sweeps the outstanding samples every {@code sleepMs} until the sending is done and none is
         * left: a visible one is recorded, one not visible 120 s after it was sent counts as a timeout (and as
         * >= 120 s), one that {@code visibility} refuses or fails on is an error.
         */
        Thread sweeper(String name, long sleepMs, Visibility visibility) {
            return new Thread(
                    () -> {
                        var outstanding = new ArrayList<long[]>();
                        while (!done.get() || !outstanding.isEmpty() || !pending.isEmpty()) {
                            for (long[] p; (p = pending.poll()) != null; ) outstanding.add(p);
                            var it = outstanding.iterator();
                            while (it.hasNext()) {
                                long[] p = it.next();
                                try {
                                    long at = visibility.at(w.taskId((int) p[0]));
                                    if (at >= 0) {
                                        latencies.add(at - p[1]);
                                        timed.add(new long[] {p[1], at - p[1]});
                                        it.remove();
                                    } else {
                                        long now = System.nanoTime();
                                        if (now - p[1] > 120e9) {
                                            timeouts.incrementAndGet();
                                            latencies.add(now - p[1]);
                                            it.remove();
                                        }
                                    }
                                } catch (Refused e) {
                                    errors.add(e.getMessage());
                                    it.remove();
                                } catch (IOException | InterruptedException e) {
                                    errors.add(e.toString());
                                    it.remove();
                                }
                            }
                            try {
                                Thread.sleep(sleepMs);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    name);
        }
    }

    /**
     * The latency phase's view of the change feed: subscribes to {@code GET /api/stream?events=task} (returns once
     * the server says {@code : connected}); a sample is visible when a task event names it, checked then by one
     * {@code GET /api/tasks?id=} (it must answer 200). A {@code dropped} event is an error (samples would be
     * missed).
     */
    private static Visibility feedWatcher(MidaServer server, HttpClient http, AtomicBoolean done, List<String> errors)
            throws Exception {
        String base = "http://127.0.0.1:" + server.port() + "/api/tasks?id=";
        var req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/stream?events=task"))
                .GET()
                .build();
        var lines = http.send(req, HttpResponse.BodyHandlers.ofLines()).body().iterator();
        while (lines.hasNext() && !lines.next().startsWith(": connected")) {}
        var seen = new java.util.concurrent.ConcurrentHashMap<String, Long>(); // task id -> nanos first named
        Thread reader = new Thread(
                () -> {
                    try {
                        String event = "";
                        while (lines.hasNext()) {
                            String line = lines.next();
                            if (line.startsWith("event: ")) event = line.substring(7);
                            else if (line.startsWith("data: ")) {
                                if (event.equals("dropped")) errors.add("the change feed dropped messages: " + line);
                                int at = line.indexOf("\"task_id\":\"");
                                if (at >= 0) {
                                    int from = at + 11;
                                    String id = line.substring(from, line.indexOf('"', from));
                                    // the samples only (1 task in 100: ids ending in 00); the map stays small
                                    if (id.endsWith("00")) seen.putIfAbsent(id, System.nanoTime());
                                }
                            }
                        }
                    } catch (RuntimeException e) {
                        if (!done.get()) errors.add("change feed: " + e);
                    }
                },
                "latency-feed");
        reader.setDaemon(true);
        reader.start();
        return id -> {
            Long at = seen.remove(id);
            if (at == null) return -1;
            var resp = getTask(http, base, id);
            if (resp.statusCode() != 200)
                throw new Refused("named by the change feed but GET answered " + resp.statusCode());
            return at;
        };
    }

    /**
     * Where the phase's batches (those that ended after {@code fromNanos}, of the server's latest 4,096) spent
     * their time: the mean ms per batch in each phase ({@code K_batch_phase_ms_mean}), and the five slowest
     * batches with their events and split ({@code K_slowest_batches}), printed as progress too.
     */
    static void phases(Map<String, Object> result, String k, List<IngestMetrics.Batch> recent, long fromNanos) {
        List<String> names = IngestMetrics.phaseNames();
        var mine = new ArrayList<IngestMetrics.Batch>();
        for (IngestMetrics.Batch b : recent) if (b.endNanos() > fromNanos) mine.add(b);
        if (mine.isEmpty()) return;
        var mean = new LinkedHashMap<String, Object>();
        for (int i = 0; i < names.size(); i++) {
            double sum = 0;
            for (IngestMetrics.Batch b : mine) sum += b.phaseNanos()[i];
            mean.put(names.get(i), round(sum / mine.size() / 1e6, 2));
        }
        result.put(k + "_batch_phase_ms_mean", mean);
        // the batches in time order: when each began (s after the phase began), its ms and events; and the
        // time inside batches, all together (the rest of the phase's wall time the ingest spent between them)
        mine.sort(Comparator.comparingLong(IngestMetrics.Batch::endNanos));
        var timeline = new ArrayList<List<Object>>();
        long busy = 0;
        for (IngestMetrics.Batch b : mine) {
            busy += b.nanos();
            // the first 40 (the steady-rate phases write hundreds of small batches)
            if (timeline.size() < 40)
                timeline.add(List.of(
                        round((b.endNanos() - b.nanos() - fromNanos) / 1e9, 3), round(b.nanos() / 1e6, 1), b.events()));
        }
        result.put(k + "_batch_timeline", timeline);
        result.put(k + "_batches_busy_seconds", round(busy / 1e9, 2));
        mine.sort(Comparator.comparingLong(IngestMetrics.Batch::nanos).reversed());
        var slowest = new ArrayList<Map<String, Object>>();
        for (IngestMetrics.Batch b : mine.subList(0, Math.min(5, mine.size()))) {
            var one = new LinkedHashMap<String, Object>();
            one.put("ms", round(b.nanos() / 1e6, 1));
            one.put("at_s", round((b.endNanos() - fromNanos) / 1e9, 1));
            one.put("events", b.events());
            for (int i = 0; i < names.size(); i++) one.put(names.get(i), round(b.phaseNanos()[i] / 1e6, 1));
            slowest.add(one);
        }
        result.put(k + "_slowest_batches", slowest);
        progress("  %s: mean ms per batch by phase %s", k, mean);
        for (var one : slowest) progress("  %s: slow batch %s", k, one);
    }

    // ---------------------------------------------------------------- Flowcept's own consumer

    /**
     * Flowcept 1.0.3's consumer (Redis pub/sub -> LMDB) on the same task events, through {@code
     * bench/python/flowcept_consumer.py} and a redis-server of its own: the time until LMDB holds every
     * message, or what it lost.
     */
    private void flowcept(Workload w) throws Exception {
        String python = System.getenv("MIDA_BENCH_PYTHON");
        if (python == null || python.isBlank())
            python = Files.isExecutable(Path.of(".venv/mida-ci/bin/python")) ? ".venv/mida-ci/bin/python" : "python3";
        Path events = root.resolve("flowcept-events.jsonl");
        try (var out = Files.newBufferedWriter(events)) {
            for (Workload.Entry e : w.entries) {
                out.write(e.payload());
                out.write('\n');
            }
        }
        progress("Flowcept's consumer (DocumentInserter -> LMDB) on the same %d events, %s", w.eventCount, python);
        try (var redis = org.mida.server.backend.EmbeddedRedis.start(root.resolve("flowcept-redis"), 0)) {
            var pb = new ProcessBuilder(
                            python,
                            "bench/python/flowcept_consumer.py",
                            "--events",
                            events.toString(),
                            "--port",
                            Integer.toString(redis.port()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("MIDA_BENCH_REDIS_PASSWORD", redis.password());
            Process p = pb.start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(15, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0)
                throw new IllegalStateException("flowcept_consumer.py failed: " + outText);
            String[] lines = outText.strip().split("\n");
            @SuppressWarnings("unchecked")
            Map<String, Object> r = codec.mapper().readValue(lines[lines.length - 1], Map.class);
            result.putAll(r);
            double stored = ((Number) r.get("flowcept_stored_msgs_per_s")).doubleValue();
            result.put("ratio_e2e_to_flowcept", round((double) result.get("e2e_task_events_per_s") / stored, 3));
            // with rounds, the e2e's median of the counted rounds too: the last round alone swung 4,389-5,796
            // events/s between two runs of the 10th session (0.89x and 1.64x Flowcept's)
            if (result.get("e2e_median_task_events_per_s") instanceof Number m)
                result.put("ratio_e2e_median_to_flowcept", round(m.doubleValue() / stored, 3));
            // CPU per message: Flowcept's consumer process (its publisher is another process) against the e2e's
            // JVM without the benchmark's producer thread; medians of the counted rounds when there are rounds
            double flowceptCpu = ((Number) r.get("flowcept_consumer_cpu_seconds")).doubleValue()
                    * 1e6
                    / ((Number) r.get("flowcept_messages_published")).doubleValue();
            result.put("flowcept_cpu_us_per_message", round(flowceptCpu, 1));
            Object mida = result.getOrDefault(
                    "e2e_median_cpu_server_us_per_task_event", result.get("e2e_cpu_server_us_per_task_event"));
            result.put("ratio_e2e_server_cpu_to_flowcept_cpu", round(((Number) mida).doubleValue() / flowceptCpu, 3));
            progress(
                    "  flowcept: %s of %s messages stored in %s s (%s msgs/s), lost %s; CPU %.1f µs per message (MIDA's"
                            + " server %s µs per event)",
                    r.get("flowcept_messages_stored"),
                    r.get("flowcept_messages_published"),
                    r.get("flowcept_seconds"),
                    r.get("flowcept_stored_msgs_per_s"),
                    r.get("flowcept_messages_lost"),
                    flowceptCpu,
                    mida);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static long count(Driver driver, String q, Map<String, Object> params) {
        try (var s = driver.session()) {
            return s.run(q, params).single().get(0).asLong();
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * The JVM's own work, to explain why a phase costs what it does: CPU of its JIT compiler, GC and VM
     * threads read from {@code /proc/self/task/<tid>/stat} (Linux; 0 elsewhere), the compilation time the JIT
     * reports, GC pause time and count, and classes loaded.
     */
    record JvmCounters(
            long cpuNanos, Map<Long, long[]> threadTicks, long jitMs, long gcMs, long gcCount, long classesLoaded) {
        static final String[] CATEGORIES = {"jit", "gc", "vm"};
        static final double TICK_S = 0.01; // USER_HZ, 100 on Linux

        static JvmCounters now() {
            var comp = ManagementFactory.getCompilationMXBean();
            long gcMs = 0, gcCount = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcMs += Math.max(0, gc.getCollectionTime());
                gcCount += Math.max(0, gc.getCollectionCount());
            }
            return new JvmCounters(
                    processCpuNanos(),
                    readThreadTicks(),
                    comp != null && comp.isCompilationTimeMonitoringSupported() ? comp.getTotalCompilationTime() : 0,
                    gcMs,
                    gcCount,
                    ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        }

        /** Per thread id: {category (0 jit, 1 gc, 2 vm, 3 other), utime + stime in ticks}. */
        private static Map<Long, long[]> readThreadTicks() {
            var out = new HashMap<Long, long[]>();
            Path tasks = Path.of("/proc/self/task");
            if (!Files.isDirectory(tasks)) return out;
            try (var dirs = Files.list(tasks)) {
                for (Path d : (Iterable<Path>) dirs::iterator) {
                    try {
                        String stat = Files.readString(d.resolve("stat"));
                        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                        String comm = stat.substring(open + 1, close);
                        String[] f = stat.substring(close + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        long category = comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")
                                ? 0
                                : comm.startsWith("GC Thread") || comm.startsWith("G1 ")
                                        ? 1
                                        : comm.equals("VM Thread") ? 2 : 3;
                        out.put(Long.parseLong(d.getFileName().toString()), new long[] {category, ticks});
                    } catch (IOException | RuntimeException e) { // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                return out;
            }
            return out;
        }

        /** The figures of the window from {@code before} to this, per {@code events} where it says so. */
        Map<String, Object> minus(JvmCounters before, long events) {
            long[] ticks = new long[4];
            for (var e : threadTicks.entrySet()) {
                long[] b = before.threadTicks.get(e.getKey());
                ticks[(int) e.getValue()[0]] += e.getValue()[1] - (b == null ? 0 : b[1]);
            }
            var out = new LinkedHashMap<String, Object>();
            double cpuS = (cpuNanos - before.cpuNanos) / 1e9;
            double side = 0;
            for (int i = 0; i < CATEGORIES.length; i++) {
                out.put("cpu_" + CATEGORIES[i] + "_seconds", round(ticks[i] * TICK_S, 2));
                side += ticks[i] * TICK_S;
            }
            out.put("cpu_other_us_per_task_event", round(Math.max(0, cpuS - side) * 1e6 / events, 1));
            out.put("jit_ms", jitMs - before.jitMs);
            out.put("gc_ms", gcMs - before.gcMs);
            out.put("gc_count", gcCount - before.gcCount);
            out.put("classes_loaded", classesLoaded - before.classesLoaded);
            return out;
        }
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    private static long peakHeapMib() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum >> 20;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** CPU time this JVM process has used so far (all threads), in nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static int intProp(String name, int dflt) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
    }

    static void progress(String fmt, Object... args) {
        System.out.println("[ingest] " + String.format(fmt, args));
        System.out.flush();
    }
}

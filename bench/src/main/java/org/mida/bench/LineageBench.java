package org.mida.bench;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.neo4j.driver.Driver;
import redis.clients.jedis.JedisPooled;

/**
 * {@code bench/run lineage [--quick]}: builds a graph of N tasks (1,000,000; 30,000 with --quick) across
 * 3 workflows of one campaign THROUGH THE NORMAL INGEST (FINISHED events XADDed to the stream, the
 * server ingests them), then measures, warmed up, HTTP end to end: upstream lineage of depth 10 from
 * models at the deep end of the chains, the workflow overview, and the paper's Listing-1 query
 * ({@code POST /api/query}) when that endpoint answers. The store is kept (keyed by size) and reused
 * by later runs when complete. Progress lines, then one JSON object as the last line.
 *
 * <p>The graph: task i belongs to workflow i % 3; within a workflow the tasks form {@value #CHAINS}
 * parallel chains (a task uses the model the previous task of its chain generated), every task also
 * uses one of {@value #RAW} raw datasets shared by all three workflows, 5 % also use the model of a
 * random earlier task of another workflow (lineage crosses workflows), and 10 % name the previous task
 * of their chain as a dependency (wasInformedBy). Each task carries {@code used.layers} (int),
 * {@code used.lr}, and generates a model entity and {@code generated.loss} (double in [0, 1)).
 */
public final class LineageBench {
    static final int CHAINS = 100;
    static final int RAW = 50;
    static final int PER_ENTRY = 100;
    static final int MAX_BACKLOG_EVENTS = 60_000;
    static final String PREFIX = "lineage";
    static final String CAMPAIGN = PREFIX + "/campaign-1";
    static final String GRAPH_VERSION = "lineage-graph-v2-entity-versions";
    static final long SEED = 4242;

    private final EventCodec codec = EventCodec.shared();
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final int tasks;

    private LineageBench(int tasks) {
        this.tasks = tasks;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int tasks = IngestBench.intProp("mida.bench.tasks", quick ? 30_000 : 1_000_000);
        int requests = IngestBench.intProp("mida.bench.requests", quick ? 300 : 1000);
        String dirProp = System.getProperty("mida.bench.dir");
        Path dir = dirProp != null
                ? Path.of(dirProp)
                : Path.of(System.getProperty("java.io.tmpdir"), "mida-bench-lineage-" + tasks);
        var b = new LineageBench(tasks);
        b.result.put("benchmark", "lineage");
        b.result.put("quick", quick);
        b.result.put("cores", Runtime.getRuntime().availableProcessors());
        b.result.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        b.result.put("tasks", tasks);
        b.result.put("workflows", 3);
        b.result.put("store", dir.toString());
        try {
            b.run(dir, requests);
        } catch (Exception | AssertionError e) {
            b.result.put("error", e.toString());
            progress("failed: %s", e);
        }
        System.out.println(b.codec.toJson(b.result));
        System.out.flush();
        System.exit(b.result.containsKey("error") ? 1 : 0);
    }

    private void run(Path dir, int requests) throws Exception {
        Path marker = dir.resolve("lineage-bench.complete");
        String expected = GRAPH_VERSION + " tasks=" + tasks;
        boolean reuse = Files.exists(marker) && Files.readString(marker).strip().equals(expected);
        if (!reuse && Files.exists(dir)) {
            progress("removing incomplete or different store %s", dir);
            BenchSupport.deleteTree(dir);
        }
        Files.createDirectories(dir);
        int redisPort = BenchSupport.freePort();
        long tStart = System.nanoTime();
        try (var server = MidaServer.start(serverConfig(dir, redisPort));
                var redis = new JedisPooled(java.net.URI.create(server.redisUri()))) {
            result.put("server_start_s", IngestBench.round((System.nanoTime() - tStart) / 1e9, 2));
            if (reuse) {
                long n = count(server.driver(), "MATCH (t:Task) RETURN count(t)");
                if (n != tasks) throw new AssertionError("reused store holds " + n + " tasks, expected " + tasks);
                progress("reusing the store in %s (%d tasks)", dir, n);
                result.put("build", "reused");
            } else {
                build(server, redis);
                Files.writeString(marker, expected + "\n");
                result.put("build", "ingested");
            }
            result.put("graph", shape(server.driver()));
            measure(server, requests);
        }
    }

    // ---------------------------------------------------------------- the graph, through the ingest

    private static Config serverConfig(Path dir, int redisPort) {
        var env = new HashMap<String, String>();
        env.put("MIDA_DATA_DIR", dir.toString());
        env.put("MIDA_PORT", "0");
        env.put("MIDA_BOLT_PORT", "0");
        env.put("MIDA_REDIS_PORT", Integer.toString(redisPort));
        env.put("MIDA_PAGE_CACHE", IngestBench.PAGE_CACHE);
        return Config.from(env, new String[0]);
    }

    static String taskId(int i) {
        return String.format("%s/task-%07d", PREFIX, i);
    }

    static String modelId(int i) {
        return "model://" + PREFIX + "/m-" + i;
    }

    static String workflowId(int w) {
        return PREFIX + "/wf-" + w;
    }

    /** The task i of the chain before task i (same workflow, same chain), or -1 at a chain's start. */
    static int previous(int i) {
        int prev = i - 3 * CHAINS;
        return prev >= 0 ? prev : -1;
    }

    /** Task i's single FINISHED event (deterministic in i). */
    Map<String, Object> taskEvent(int i) {
        var rnd = new SplittableRandom(SEED * 1_000_003L + i);
        int w = i % 3;
        var used = new LinkedHashMap<String, Object>();
        used.put("layers", 1 + rnd.nextInt(8));
        used.put("lr", Math.round(rnd.nextDouble() * 1e4) / 1e6);
        used.put("data", ref("file:///" + PREFIX + "/raw/ds-" + rnd.nextInt(RAW) + ".h5", "dataset"));
        int prev = previous(i);
        if (prev >= 0) used.put("model_in", ref(modelId(prev), "model"));
        if (i > 3 * CHAINS && rnd.nextInt(100) < 5) {
            int other = rnd.nextInt(i - 3 * CHAINS + 1); // a task that ended before this one started
            if (other % 3 == w) other = other > 0 ? other - 1 : other;
            if (other % 3 != w) used.put("extra", ref(modelId(other), "model"));
        }
        var generated = new LinkedHashMap<String, Object>();
        generated.put("model", ref(modelId(i), "model"));
        generated.put("loss", Math.round(rnd.nextDouble() * 1e6) / 1e6);
        double started = Workload.BASE_TIME + i * 0.01;
        var e = new LinkedHashMap<String, Object>();
        e.put("type", "task");
        e.put("task_id", taskId(i));
        e.put("workflow_id", workflowId(w));
        e.put("campaign_id", CAMPAIGN);
        e.put("activity_id", List.of("preprocess", "train", "evaluate").get(i / 3 % 3));
        e.put("status", "FINISHED");
        e.put("started_at", started);
        // times consistent with the data flow: a task ends (≤ 2.5 s) before the next task of its chain
        // starts (3 s later), so time-true lineage follows the chains as the cumulative one does
        e.put("ended_at", started + 0.5 + rnd.nextInt(2_000) / 1000.0);
        e.put("hostname", "node-" + (i % 16));
        e.put("used", used);
        e.put("generated", generated);
        if (prev >= 0 && rnd.nextInt(10) == 0) e.put("dependencies", List.of(taskId(prev)));
        return e;
    }

    private void build(MidaServer server, JedisPooled redis) throws InterruptedException {
        var stream = new EventStream(server.config().stream());
        progress("building %d tasks across 3 workflows through the stream ingest (FINISHED events only)", tasks);
        var wfs = new ArrayList<Map<String, Object>>();
        for (int w = 0; w < 3; w++) {
            var m = new LinkedHashMap<String, Object>();
            m.put("type", "workflow");
            m.put("workflow_id", workflowId(w));
            m.put("campaign_id", CAMPAIGN);
            m.put("name", List.of("simulate", "train", "analyse").get(w));
            m.put("started_at", Workload.BASE_TIME);
            wfs.add(m);
        }
        stream.append(redis, codec.toJson(wfs));
        long sent = wfs.size();
        long t0 = System.nanoTime();
        long lastPrint = t0;
        var batch = new ArrayList<Map<String, Object>>(PER_ENTRY);
        for (int i = 0; i < tasks; ) {
            while (sent - server.metrics().eventsIngested() > MAX_BACKLOG_EVENTS) Thread.sleep(20);
            try (var pipe = redis.pipelined()) {
                for (int k = 0; k < 50 && i < tasks; k++) {
                    batch.clear();
                    for (int j = 0; j < PER_ENTRY && i < tasks; j++) batch.add(taskEvent(i++));
                    stream.append(pipe, codec.toJson(batch));
                    sent += batch.size();
                }
                pipe.sync();
            }
            if (System.nanoTime() - lastPrint > 10e9) {
                lastPrint = System.nanoTime();
                long done = server.metrics().eventsIngested();
                double secs = (lastPrint - t0) / 1e9;
                progress("  %d / %d tasks ingested after %.0f s (%.0f tasks/s)", done, tasks + 3, secs, done / secs);
            }
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (server.metrics().eventsIngested() < sent) {
            Thread.sleep(20);
            if (System.nanoTime() > deadline)
                throw new AssertionError(
                        "timed out with " + server.metrics().eventsIngested() + " of " + sent + " events ingested");
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long n = count(server.driver(), "MATCH (t:Task) RETURN count(t)");
        if (n != tasks) throw new AssertionError("graph holds " + n + " tasks, " + tasks + " were sent");
        progress("built: %d tasks in %.0f s (%.0f tasks/s)", n, secs, n / secs);
        result.put("build_seconds", IngestBench.round(secs, 1));
        result.put("build_tasks_per_s", IngestBench.round(n / secs, 0));
    }

    // ---------------------------------------------------------------- measuring

    private void measure(MidaServer server, int requests) throws Exception {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + server.port();
        var rnd = new SplittableRandom(7);
        // start entities at the deep end of the chains: models of the last 10 % of the tasks
        int deepFrom = (int) (tasks * 0.9);
        // the columnar mirror loads in the background at start: measured before anything else, so its load
        // does not share the CPU with the measurements
        awaitMirror(server.mirror());

        progress("lineage: warming up (%d requests)", Math.max(100, requests / 5));
        for (int k = 0; k < Math.max(100, requests / 5); k++)
            lineage(http, base, modelId(deepFrom + rnd.nextInt(tasks - deepFrom)));
        progress("lineage: measuring %d upstream depth-10 requests (HTTP end to end)", requests);
        long[] lat = new long[requests];
        long nodes = 0, edges = 0, truncated = 0, minNodes = Long.MAX_VALUE, maxNodes = 0, maxDepth = 0;
        for (int k = 0; k < requests; k++) {
            String id = modelId(deepFrom + rnd.nextInt(tasks - deepFrom));
            long t0 = System.nanoTime();
            var a = lineage(http, base, id);
            lat[k] = System.nanoTime() - t0;
            @SuppressWarnings("unchecked")
            var ns = (List<Map<String, Object>>) a.get("nodes");
            nodes += ns.size();
            minNodes = Math.min(minNodes, ns.size());
            maxNodes = Math.max(maxNodes, ns.size());
            for (var n : ns) maxDepth = Math.max(maxDepth, ((Number) n.get("depth")).longValue());
            edges += ((List<?>) a.get("edges")).size();
            if (Boolean.TRUE.equals(a.get("truncated"))) truncated++;
        }
        Arrays.sort(lat);
        result.put("lineage_requests", requests);
        result.put("lineage_p50_ms", ms(percentile(lat, 0.50)));
        result.put("lineage_p95_ms", ms(percentile(lat, 0.95)));
        result.put("lineage_p99_ms", ms(percentile(lat, 0.99)));
        result.put("lineage_max_ms", ms(lat[lat.length - 1]));
        result.put("lineage_nodes_avg", IngestBench.round((double) nodes / requests, 1));
        result.put("lineage_nodes_min", minNodes);
        result.put("lineage_nodes_max", maxNodes);
        result.put("lineage_edges_avg", IngestBench.round((double) edges / requests, 1));
        result.put("lineage_max_depth_reached", maxDepth);
        result.put("lineage_truncated", truncated);
        progress(
                "  upstream depth 10: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (%.1f nodes on average, deepest %d)",
                result.get("lineage_p50_ms"),
                result.get("lineage_p95_ms"),
                result.get("lineage_p99_ms"),
                result.get("lineage_nodes_avg"),
                maxDepth);
        if (maxDepth < 10) throw new AssertionError("lineage did not reach depth 10 (deepest " + maxDepth + ")");

        cumulative(http, base, rnd, deepFrom, Math.min(requests, 300));
        varLengthComparison(server.driver(), rnd, deepFrom, Math.min(requests, 300));
        workflowViews(http, base);
        listingOne(server, http, base, Math.max(50, requests / 10));
        correlation(http, base);
    }

    /** The cumulative view ({@code versions=false}: an entity stands for all its versions), level by level. */
    private void cumulative(HttpClient http, String base, SplittableRandom rnd, int deepFrom, int n) throws Exception {
        for (int k = 0; k < n / 3; k++)
            lineage(http, base, modelId(deepFrom + rnd.nextInt(tasks - deepFrom)), "&versions=false");
        long[] lat = new long[n];
        long nodes = 0;
        for (int k = 0; k < n; k++) {
            String id = modelId(deepFrom + rnd.nextInt(tasks - deepFrom));
            long t0 = System.nanoTime();
            var a = lineage(http, base, id, "&versions=false");
            lat[k] = System.nanoTime() - t0;
            nodes += ((List<?>) a.get("nodes")).size();
        }
        Arrays.sort(lat);
        result.put("lineage_cumulative_p50_ms", ms(percentile(lat, 0.50)));
        result.put("lineage_cumulative_p95_ms", ms(percentile(lat, 0.95)));
        result.put("lineage_cumulative_nodes_avg", IngestBench.round((double) nodes / n, 1));
        progress(
                "  cumulative view (versions=false), depth 10: p50 %.1f ms, p95 %.1f ms (%.1f nodes on average)",
                result.get("lineage_cumulative_p50_ms"),
                result.get("lineage_cumulative_p95_ms"),
                result.get("lineage_cumulative_nodes_avg"));
    }

    /** The same upstream set with one variable-length pattern instead of the per-level BFS, for comparison. */
    private void varLengthComparison(Driver driver, SplittableRandom rnd, int deepFrom, int n) {
        String q = "MATCH (:Entity {id: $id})<-[:SPECIALIZATION_OF*0..1]-(s)" // the entity and its versions
                + " MATCH (s)-[:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM*1..10]->(m)"
                + " RETURN count(DISTINCT m) AS n";
        long[] lat = new long[n];
        try (var s = driver.session()) {
            for (int k = 0; k < n / 3; k++) // warm-up
            s.run(q, Map.of("id", modelId(deepFrom + rnd.nextInt(tasks - deepFrom))))
                        .consume();
            for (int k = 0; k < n; k++) {
                long t0 = System.nanoTime();
                s.run(q, Map.of("id", modelId(deepFrom + rnd.nextInt(tasks - deepFrom))))
                        .single();
                lat[k] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(lat);
        result.put("varlength_count_only_p50_ms", ms(percentile(lat, 0.50)));
        result.put("varlength_count_only_p95_ms", ms(percentile(lat, 0.95)));
        progress(
                "  for comparison, one variable-length pattern (driver, distinct count only, no edges):"
                        + " p50 %.1f ms, p95 %.1f ms",
                result.get("varlength_count_only_p50_ms"), result.get("varlength_count_only_p95_ms"));
    }

    private void workflowViews(HttpClient http, String base) throws Exception {
        // the first overview the benchmark asks for: from the feed index (built in the background at start,
        // kept current from the committed batches) unless -Dmida.feeds.engine=cypher
        String uri = base + "/api/lineage/workflows?campaign_id=" + enc(CAMPAIGN);
        long t0 = System.nanoTime();
        var first = get(http, uri);
        long firstNs = System.nanoTime() - t0;
        if (first.statusCode() != 200) throw new AssertionError("overview: " + first.statusCode() + " " + first.body());
        long[] lat = new long[50];
        for (int k = 0; k < lat.length; k++) {
            long t = System.nanoTime();
            get(http, uri);
            lat[k] = System.nanoTime() - t;
        }
        Arrays.sort(lat);
        // side by side, alternated: the feed graph computed afresh through Cypher (what every first call
        // cost before the index) against the index; CPU time of this process for each
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int pairs = 3;
        long[] cyNs = new long[pairs], ixNs = new long[pairs];
        long cyCpu = 0, ixCpu = 0;
        String cypherBody = null;
        for (int k = 0; k < pairs; k++) {
            System.setProperty("mida.feeds.engine", "cypher");
            long c0 = os.getProcessCpuTime(), w0 = System.nanoTime();
            var r = get(http, uri);
            cyNs[k] = System.nanoTime() - w0;
            cyCpu += os.getProcessCpuTime() - c0;
            System.clearProperty("mida.feeds.engine");
            cypherBody = r.body();
            c0 = os.getProcessCpuTime();
            w0 = System.nanoTime();
            var i = get(http, uri);
            ixNs[k] = System.nanoTime() - w0;
            ixCpu += os.getProcessCpuTime() - c0;
            if (!i.body().equals(cypherBody)) throw new AssertionError("the feed index and Cypher differ");
        }
        Arrays.sort(cyNs);
        Arrays.sort(ixNs);
        @SuppressWarnings("unchecked")
        var body = (Map<String, Object>) codec.parse(first.body());
        result.put("workflow_overview_first_ms", ms(firstNs));
        result.put("workflow_overview_cached_p50_ms", ms(percentile(lat, 0.5)));
        result.put("workflow_overview_edges", ((List<?>) body.get("edges")).size());
        result.put("workflow_overview_cypher_fresh_p50_ms", ms(percentile(cyNs, 0.5)));
        result.put("workflow_overview_index_p50_ms", ms(percentile(ixNs, 0.5)));
        result.put("workflow_overview_cypher_fresh_cpu_s", IngestBench.round(cyCpu / 1e9 / pairs, 3));
        result.put("workflow_overview_index_cpu_s", IngestBench.round(ixCpu / 1e9 / pairs, 3));
        result.put("workflow_overview_same_answer", true);
        var up = get(http, base + "/api/lineage?id=" + enc(workflowId(0)) + "&direction=upstream&depth=10");
        result.put("workflow_view_status", up.statusCode());
        progress(
                "  workflow overview: first %.0f ms, then p50 %.1f ms, %d feed edges; side by side: Cypher afresh"
                        + " p50 %.0f ms (%.2f CPU s), index p50 %.1f ms (%.3f CPU s), same answer",
                result.get("workflow_overview_first_ms"),
                result.get("workflow_overview_cached_p50_ms"),
                result.get("workflow_overview_edges"),
                result.get("workflow_overview_cypher_fresh_p50_ms"),
                result.get("workflow_overview_cypher_fresh_cpu_s"),
                result.get("workflow_overview_index_p50_ms"),
                result.get("workflow_overview_index_cpu_s"));
    }

    /**
     * Listing 1 on both DSL engines of the same server, alternated (Cypher, mirror, Cypher, …), with the
     * process CPU time each engine's requests took; then more requests on the mirror alone for its
     * percentiles. The answers of the two engines must be the same.
     */
    private void listingOne(MidaServer server, HttpClient http, String base, int n) throws Exception {
        String body = "{\"projection\":[\"used.layers\",\"generated.loss\"],"
                + "\"aggregation\":[[\"min\",\"generated.loss\"]],"
                + "\"filter\":{\"campaign_id\":" + codec.toJson(CAMPAIGN) + ",\"generated.loss\":{\"$lt\":0.5}},"
                + "\"sort\":[[\"ended_at\",\"descending\"]],\"limit\":100}";
        var probe = post(http, base + "/api/query", body);
        if (probe.statusCode() != 200) {
            result.put("query_p50_ms", null);
            result.put("query_p95_ms", null);
            result.put(
                    "query_note",
                    "POST /api/query answered " + probe.statusCode() + " (not available on this build); not measured");
            progress("  Listing-1 query: POST /api/query answered %d: not measured", probe.statusCode());
            return;
        }
        var mirror = server.mirror();
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int pairs = Math.min(n, IngestBench.intProp("mida.bench.cypher.requests", 20));
        String viaCypher = null, viaMirror = null;
        for (int k = 0; k < 3; k++) { // warm-up, both engines
            System.setProperty(ENGINE, "cypher");
            viaCypher = post(http, base + "/api/query", body).body();
            System.clearProperty(ENGINE);
            viaMirror = post(http, base + "/api/query", body).body();
        }
        boolean same = codec.parse(viaCypher).equals(codec.parse(viaMirror));
        long answeredBefore = mirror.answered();
        long[] cy = new long[pairs], mi = new long[n];
        long cpuCypher = 0, cpuMirror = 0;
        for (int k = 0; k < n; k++) {
            if (k < pairs) {
                System.setProperty(ENGINE, "cypher");
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                var r = post(http, base + "/api/query", body);
                cy[k] = System.nanoTime() - t0;
                cpuCypher += os.getProcessCpuTime() - c0;
                System.clearProperty(ENGINE);
                if (r.statusCode() != 200) throw new AssertionError("query: " + r.statusCode() + " " + r.body());
            }
            long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            var r = post(http, base + "/api/query", body);
            mi[k] = System.nanoTime() - t0;
            if (k < pairs) cpuMirror += os.getProcessCpuTime() - c0;
            if (r.statusCode() != 200) throw new AssertionError("query: " + r.statusCode() + " " + r.body());
        }
        long answered = mirror.answered() - answeredBefore;
        Arrays.sort(cy);
        Arrays.sort(mi);
        result.put("query_requests", n);
        result.put("query_engine", answered == n ? "mirror" : "mixed: " + answered + " of " + n + " on the mirror");
        result.put("query_p50_ms", ms(percentile(mi, 0.50)));
        result.put("query_p95_ms", ms(percentile(mi, 0.95)));
        result.put("query_cypher_requests", pairs);
        result.put("query_cypher_p50_ms", ms(percentile(cy, 0.50)));
        result.put("query_cypher_p95_ms", ms(percentile(cy, 0.95)));
        result.put("query_cpu_ms_per_request_cypher", ms((double) cpuCypher / pairs));
        result.put("query_cpu_ms_per_request_mirror", ms((double) cpuMirror / pairs));
        result.put("query_same_answer", same);
        progress(
                "  Listing-1 query over the campaign: mirror p50 %.1f ms, p95 %.1f ms; Cypher (alternated, %d)"
                        + " p50 %.1f ms, p95 %.1f ms; CPU per request %.1f vs %.1f ms; same answer: %s",
                result.get("query_p50_ms"),
                result.get("query_p95_ms"),
                pairs,
                result.get("query_cypher_p50_ms"),
                result.get("query_cypher_p95_ms"),
                result.get("query_cpu_ms_per_request_mirror"),
                result.get("query_cpu_ms_per_request_cypher"),
                same);
        if (!same) throw new AssertionError("the engines answered differently:\n" + viaCypher + "\n" + viaMirror);
    }

    private static final String ENGINE = "mida.dsl.engine";

    /** Waits for the columnar mirror's load and reports its size. */
    private void awaitMirror(org.mida.server.columnar.TaskMirror mirror) throws InterruptedException {
        long t0 = System.nanoTime();
        while (mirror.state() == org.mida.server.columnar.TaskMirror.State.LOADING) Thread.sleep(100);
        if (mirror.state() != org.mida.server.columnar.TaskMirror.State.READY)
            throw new AssertionError("the mirror is off: " + mirror.offReason());
        System.gc();
        var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        result.put("mirror_load_ms", mirror.loadMs());
        result.put("mirror_waited_ms", ms(System.nanoTime() - t0));
        result.put("mirror_tasks", mirror.tasks());
        result.put("mirror_bytes", mirror.bytes());
        result.put("mirror_bytes_per_task", mirror.tasks() == 0 ? 0 : mirror.bytes() / mirror.tasks());
        result.put("heap_used_after_gc_mib", heap.getUsed() >> 20);
        progress(
                "  columnar mirror: %d tasks loaded in %d ms, about %d MiB (%d bytes per task); heap used after GC %d MiB",
                mirror.tasks(),
                mirror.loadMs(),
                mirror.bytes() >> 20,
                result.get("mirror_bytes_per_task"),
                heap.getUsed() >> 20);
    }

    /**
     * The correlation analysis over 100,000 tasks of a workflow (the most recent by ended_at), HTTP end to
     * end: the tasks read from the columnar mirror against the Cypher read, alternated pairs in this run,
     * with this process's CPU time for each; the answers compared (values within 1e-9).
     */
    private void correlation(HttpClient http, String base) throws Exception {
        String uri = base + "/api/analysis/correlation?workflow_id=" + enc(workflowId(0)) + "&limit=100000";
        var first = get(http, uri);
        if (first.statusCode() != 200) {
            result.put("correlation_note", "answered " + first.statusCode());
            return;
        }
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int pairs = 5;
        long[] mirror = new long[pairs], cypher = new long[pairs];
        long mirrorCpu = 0, cypherCpu = 0;
        String mirrorBody = null, cypherBody = null;
        for (int k = 0; k < pairs; k++) {
            System.setProperty("mida.correlation.engine", "cypher");
            long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            cypherBody = get(http, uri).body();
            cypher[k] = System.nanoTime() - t0;
            cypherCpu += os.getProcessCpuTime() - c0;
            System.clearProperty("mida.correlation.engine");
            c0 = os.getProcessCpuTime();
            t0 = System.nanoTime();
            mirrorBody = get(http, uri).body();
            mirror[k] = System.nanoTime() - t0;
            mirrorCpu += os.getProcessCpuTime() - c0;
        }
        Arrays.sort(mirror);
        Arrays.sort(cypher);
        @SuppressWarnings("unchecked")
        var m = (Map<String, Object>) codec.parse(mirrorBody);
        @SuppressWarnings("unchecked")
        var c = (Map<String, Object>) codec.parse(cypherBody);
        m.remove("timing");
        c.remove("timing");
        boolean same = close(m, c);
        result.put("correlation_100k_p50_ms", ms(percentile(mirror, 0.5)));
        result.put("correlation_100k_max_ms", ms(mirror[mirror.length - 1]));
        result.put("correlation_100k_cypher_p50_ms", ms(percentile(cypher, 0.5)));
        result.put("correlation_100k_cpu_s", IngestBench.round(mirrorCpu / 1e9 / pairs, 3));
        result.put("correlation_100k_cypher_cpu_s", IngestBench.round(cypherCpu / 1e9 / pairs, 3));
        result.put("correlation_100k_tasks", m.get("tasks"));
        result.put("correlation_same_answer", same);
        progress(
                "  correlation over %s tasks of a workflow: mirror p50 %.0f ms (max %.0f, %.2f CPU s), Cypher p50 %.0f"
                        + " ms (%.2f CPU s); same answer: %s",
                m.get("tasks"),
                result.get("correlation_100k_p50_ms"),
                result.get("correlation_100k_max_ms"),
                result.get("correlation_100k_cpu_s"),
                result.get("correlation_100k_cypher_p50_ms"),
                result.get("correlation_100k_cypher_cpu_s"),
                same);
    }

    /** Equal JSON values, numbers within 1e-9 (relative for large ones). */
    private static boolean close(Object a, Object b) {
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) return false;
            for (var k : x.keySet()) if (!close(x.get(k), y.get(k))) return false;
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!close(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Number x && b instanceof Number y) {
            double p = x.doubleValue(), q = y.doubleValue();
            return Math.abs(p - q) <= 1e-9 * Math.max(1, Math.max(Math.abs(p), Math.abs(q)));
        }
        return java.util.Objects.equals(a, b);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> lineage(HttpClient http, String base, String id) throws Exception {
        return lineage(http, base, id, "");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> lineage(HttpClient http, String base, String id, String extra) throws Exception {
        var r = get(http, base + "/api/lineage?id=" + enc(id) + "&direction=upstream&depth=10" + extra);
        if (r.statusCode() != 200)
            throw new AssertionError("lineage of " + id + ": " + r.statusCode() + " " + r.body());
        return (Map<String, Object>) codec.parse(r.body());
    }

    private static HttpResponse<String> get(HttpClient http, String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, String uri, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(uri))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, Object> shape(Driver driver) {
        var out = new LinkedHashMap<String, Object>();
        out.put("tasks", count(driver, "MATCH (t:Task) RETURN count(t)"));
        out.put("entities", count(driver, "MATCH (e:Entity) RETURN count(e)"));
        out.put("versions", count(driver, "MATCH (v:Version) RETURN count(v)"));
        out.put("used", count(driver, "MATCH ()-[r:USED]->() RETURN count(r)"));
        out.put("was_generated_by", count(driver, "MATCH ()-[r:WAS_GENERATED_BY]->() RETURN count(r)"));
        out.put("was_informed_by", count(driver, "MATCH ()-[r:WAS_INFORMED_BY]->() RETURN count(r)"));
        return out;
    }

    private static long count(Driver driver, String q) {
        try (var s = driver.session()) {
            return s.run(q).single().get(0).asLong();
        }
    }

    private static Map<String, Object> ref(String id, String type) {
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        m.put("@type", type);
        return m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static double percentile(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(double nanos) {
        return IngestBench.round(nanos / 1e6, 2);
    }

    static void progress(String fmt, Object... args) {
        System.out.println("[lineage] " + String.format(fmt, args));
        System.out.flush();
    }
}

package org.mida.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EventStream;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import redis.clients.jedis.JedisPooled;

/**
 * A hot entity (14th session): one dataset generated once, then used by every task of other workflows, as a
 * training set is in an ML campaign. Measures what the columnar mirror's thread (the task table and the
 * workflow feed index, which re-reads the entities a batch touched) costs per chunk of tasks as the dataset's
 * usages pile up, against a control of the same tasks spread over 1,000 datasets. A cost per chunk that grows
 * with the tasks already ingested is a cost per batch that grows with an entity's usages.
 *
 * <pre>{@code bench/run hot-entity [--quick]   # 200,000 tasks per phase (quick: 60,000), chunks of 20,000}</pre>
 */
public final class HotEntityBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void progress(String fmt, Object... args) {
        System.out.printf("[hot-entity] " + fmt + "%n", args);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int tasks = Integer.getInteger("mida.bench.tasks", quick ? 60_000 : 200_000);
        int chunk = Integer.getInteger("mida.bench.chunk", 20_000);
        var out = new LinkedHashMap<String, Object>();
        out.put("benchmark", "hot-entity");
        out.put("quick", quick);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("tasks_per_phase", tasks);
        out.put("chunk", chunk);
        for (String phase : List.of("spread", "hot")) {
            var jvm = new ArrayList<Double>();
            List<Double> mirror = run(phase, tasks, chunk, jvm);
            out.put(phase + "_mirror_cpu_ms_per_1000_tasks", mirror);
            out.put(phase + "_jvm_cpu_ms_per_1000_tasks", jvm);
            int n = mirror.size();
            out.put(phase + "_mirror_last_over_first", round(mirror.get(n - 1) / mirror.get(0)));
            out.put(phase + "_jvm_last_over_first", round(jvm.get(n - 1) / jvm.get(0)));
        }
        System.out.println(JSON.writeValueAsString(out));
    }

    /**
     * The mirror thread's CPU ms per 1,000 tasks, chunk by chunk, for one phase on a fresh server; the whole
     * JVM's into {@code jvm}.
     */
    private static List<Double> run(String phase, int tasks, int chunk, List<Double> jvm) throws Exception {
        Path dir = Files.createTempDirectory("mida-hot-");
        var env = new HashMap<String, String>();
        env.put("MIDA_DATA_DIR", dir.toString());
        env.put("MIDA_PORT", "0");
        env.put("MIDA_BOLT_PORT", "0");
        env.put("MIDA_REDIS_PORT", Integer.toString(BenchSupport.freePort()));
        env.put("MIDA_PAGE_CACHE", "1g");
        var perChunk = new ArrayList<Double>();
        try (var server = MidaServer.start(Config.from(env, new String[0]));
                var redis = new JedisPooled(URI.create(server.redisUri()))) {
            var stream = new EventStream(server.config().stream());
            var threads = ManagementFactory.getThreadMXBean();
            int datasets = phase.equals("hot") ? 1 : 1_000;
            // the datasets' producer: one task of workflow "prep"
            var prep = new ArrayList<Map<String, Object>>();
            for (int d = 0; d < datasets; d++)
                prep.add(task("prep-" + d, "prep", 1.0, Map.of("data", ref(dataset(d))), Map.of()));
            send(stream, redis, prep);
            awaitMirror(server, datasets);
            for (int from = 0; from < tasks; from += chunk) {
                long cpu0 = mirrorCpu(threads);
                long jvm0 = IngestBench.processCpuNanos();
                var events = new ArrayList<Map<String, Object>>();
                for (int i = from; i < Math.min(tasks, from + chunk); i++)
                    events.add(task(
                            "t-" + i,
                            "train-" + (i % 10),
                            10.0 + i,
                            Map.of("model", ref("model:hot/" + i)),
                            Map.of("data", ref(dataset(i % datasets)))));
                send(stream, redis, events);
                awaitMirror(server, datasets + from + events.size());
                double ms = (mirrorCpu(threads) - cpu0) / 1e6;
                double all = (IngestBench.processCpuNanos() - jvm0) / 1e6;
                perChunk.add(round(ms * 1000 / events.size()));
                jvm.add(round(all * 1000 / events.size()));
                progress(
                        "%s: %,d tasks; for the last %,d the mirror thread %.0f ms CPU (%.1f ms per 1,000 tasks),"
                                + " the JVM %.0f ms (%.1f per 1,000)",
                        phase,
                        from + events.size(),
                        events.size(),
                        ms,
                        ms * 1000 / events.size(),
                        all,
                        all * 1000 / events.size());
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
        return perChunk;
    }

    private static String dataset(int d) {
        return "file:///data/hot/train-" + d + ".h5";
    }

    private static Map<String, Object> ref(String id) {
        return Map.of("@id", id, "@type", id.startsWith("model:") ? "model" : "dataset");
    }

    private static Map<String, Object> task(
            String id, String workflow, double start, Map<String, Object> generated, Map<String, Object> used) {
        var t = new LinkedHashMap<String, Object>();
        t.put("type", "task");
        t.put("task_id", id);
        t.put("workflow_id", workflow);
        t.put("campaign_id", "hot");
        t.put("status", "FINISHED");
        t.put("started_at", start);
        t.put("ended_at", start + 1);
        if (!used.isEmpty()) t.put("used", used);
        if (!generated.isEmpty()) t.put("generated", generated);
        return t;
    }

    /** The events in entries of 100 (an observer's flushed buffer), pipelined. */
    private static void send(EventStream stream, JedisPooled redis, List<Map<String, Object>> events) throws Exception {
        try (var pipe = redis.pipelined()) {
            for (int i = 0; i < events.size(); i += 100)
                stream.append(pipe, JSON.writeValueAsString(events.subList(i, Math.min(events.size(), i + 100))));
            pipe.sync();
        }
    }

    /** Until the ingest wrote {@code events} and the mirror (and its feed index) applied every batch. */
    private static void awaitMirror(MidaServer server, long events) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (server.metrics().eventsIngested() < events) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("ingest did not finish");
            Thread.sleep(20);
        }
        while (!server.mirror().awaitApplied()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the mirror did not catch up");
            Thread.sleep(20);
        }
    }

    private static long mirrorCpu(java.lang.management.ThreadMXBean threads) {
        long sum = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals("mida-mirror")) {
                long c = threads.getThreadCpuTime(info.getThreadId());
                if (c > 0) sum += c;
            }
        }
        return sum;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}

package org.mida.bench;

import static org.mida.bench.IngestBench.intProp;
import static org.mida.bench.IngestBench.processCpuNanos;
import static org.mida.bench.IngestBench.progress;
import static org.mida.bench.IngestBench.round;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.backend.EmbeddedRedis;
import redis.clients.jedis.JedisPooled;

/**
 * {@code bench/run scale [--quick]}: the ingest with one server instance and with two (separate JVM
 * parts in one process: each its own driver, Redis pool, consumer and ingest thread) reading one stream
 * (one consumer group) into one Neo4j, on one Redis. Each run starts on fresh embedded backends, after a
 * JIT warm-up; the same workload as {@code bench/run ingest} (RUNNING + FINISHED per task, 30 % shared
 * entities, 100 events per stream entry) is appended, and the time until the graph holds every task as
 * FINISHED is measured, with the process CPU time. Prints progress, then one JSON object as the last line.
 */
public final class ScaleBench {
    private final EventCodec codec = EventCodec.shared();
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final Path root;

    private ScaleBench(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int tasks = intProp("mida.bench.tasks", quick ? 20_000 : 100_000);
        int warm = intProp("mida.bench.warmup", quick ? 5_000 : 20_000);
        int batch = intProp("mida.bench.batch", Config.defaults().batchSize());
        int rounds = intProp("mida.bench.rounds", quick ? 1 : 2);
        Path root = Files.createTempDirectory("mida-bench-scale");
        var b = new ScaleBench(root);
        try {
            b.run(quick, tasks, warm, batch, rounds);
        } finally {
            BenchSupport.deleteTree(root);
        }
        System.out.println(b.codec.toJson(b.result));
        System.out.flush();
        System.exit(0);
    }

    private void run(boolean quick, int tasks, int warm, int batch, int rounds) throws Exception {
        result.put("benchmark", "scale");
        result.put("quick", quick);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("batch_size", batch);
        Workload w = Workload.generate("scale", tasks, IngestBench.PER_ENTRY, 42, codec);
        result.put("tasks_sent", tasks);
        result.put("events_sent", w.eventCount);
        progress("warm-up (JIT): %d tasks through two instances", warm);
        measure(Workload.generate("warm", warm, IngestBench.PER_ENTRY, 7, codec), 2, batch, "warm");
        var runs = new LinkedHashMap<String, List<Map<String, Object>>>();
        for (int r = 0; r < rounds; r++)
            for (int instances : new int[] {1, 2}) {
                progress("round %d: %d instance(s), %d tasks", r + 1, instances, tasks);
                runs.computeIfAbsent(instances + "_instances", k -> new ArrayList<>())
                        .add(measure(w, instances, batch, "r" + r + "-" + instances));
            }
        result.put("runs", runs);
        double one = best(runs.get("1_instances"));
        double two = best(runs.get("2_instances"));
        result.put("tasks_per_s_1_instance", one);
        result.put("tasks_per_s_2_instances", two);
        result.put("speedup_2_over_1", round(two / one, 3));
        progress("1 instance %.0f tasks/s, 2 instances %.0f tasks/s (best of %d)", one, two, rounds);
    }

    private static double best(List<Map<String, Object>> runs) {
        return runs.stream()
                .mapToDouble(m -> (double) m.get("tasks_per_s"))
                .max()
                .orElse(0);
    }

    /** One run on fresh backends: {@code instances} servers ingest {@code w}; tasks/s and CPU. */
    private Map<String, Object> measure(Workload w, int instances, int batch, String name) throws Exception {
        Path dir = root.resolve(name);
        try (var redis = EmbeddedRedis.start(dir.resolve("redis"), BenchSupport.freePort());
                var neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, IngestBench.PAGE_CACHE)) {
            var servers = new ArrayList<MidaServer>();
            try (var client = new JedisPooled(URI.create(redis.uri()))) {
                for (int i = 0; i < instances; i++)
                    servers.add(MidaServer.start(Config.defaults()
                            .withPort(0)
                            .withBackends(neo4j.boltUri(), redis.uri())
                            .withNeo4jAuth(neo4j.user(), neo4j.password())
                            .withIngest(batch, "bench-" + i, 60_000)));
                var stream = new EventStream(servers.get(0).config().stream());
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                int n = w.entries.size();
                for (int from = 0; from < n; from += 50) {
                    try (var pipe = client.pipelined()) {
                        for (int i = from; i < Math.min(n, from + 50); i++)
                            stream.append(pipe, w.entries.get(i).payload());
                        pipe.sync();
                    }
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (ingested(servers) < w.eventCount) {
                    Thread.sleep(5);
                    if (System.nanoTime() > deadline)
                        throw new AssertionError(name + ": timed out with " + ingested(servers) + " of " + w.eventCount
                                + " events ingested");
                }
                long t1 = System.nanoTime();
                long cpu1 = processCpuNanos();
                long finished;
                try (var s = servers.get(0).driver().session()) {
                    finished = s.run("MATCH (t:Task {status: 'FINISHED'}) RETURN count(t)")
                            .single()
                            .get(0)
                            .asLong();
                }
                if (finished != w.taskCount)
                    throw new AssertionError(name + ": " + finished + " FINISHED tasks of " + w.taskCount);
                double secs = (t1 - t0) / 1e9;
                var out = new LinkedHashMap<String, Object>();
                out.put("instances", instances);
                out.put("seconds", round(secs, 2));
                out.put("tasks_per_s", round(w.taskCount / secs, 0));
                out.put("cpu_seconds", round((cpu1 - cpu0) / 1e9, 2));
                var shares = new ArrayList<Long>();
                for (MidaServer s : servers) shares.add(s.metrics().eventsIngested());
                out.put("events_per_instance", shares);
                progress("  %s: %.2f s, %.0f tasks/s, events per instance %s", name, secs, w.taskCount / secs, shares);
                return out;
            } finally {
                for (MidaServer s : servers) s.close();
            }
        }
    }

    private static long ingested(List<MidaServer> servers) {
        long n = 0;
        for (MidaServer s : servers) n += s.metrics().eventsIngested();
        return n;
    }
}

package org.mida.server.app;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import org.mida.server.http.Json;
import org.mida.server.ingest.IngestMetrics;
import org.neo4j.driver.Driver;
import redis.clients.jedis.UnifiedJedis;

/** GET /api/health and GET /metrics: what the backends and the ingest loop are doing now. */
final class Health {
    private final Driver driver;
    private final UnifiedJedis redis;
    private final IngestMetrics metrics;
    private final Config config;
    private final Json json;
    private final java.util.function.BooleanSupplier ready;

    Health(
            Driver driver,
            UnifiedJedis redis,
            IngestMetrics metrics,
            Config config,
            Json json,
            java.util.function.BooleanSupplier ready) {
        this.ready = ready;
        this.driver = driver;
        this.redis = redis;
        this.metrics = metrics;
        this.config = config;
        this.json = json;
    }

    void health(Context ctx) {
        var body = new LinkedHashMap<String, Object>();
        String neo4j = check(() -> {
            try (var s = driver.session()) {
                body.put(
                        "tasks",
                        s.run("MATCH (t:Task) RETURN count(t) AS n")
                                .single()
                                .get("n")
                                .asLong());
            }
        });
        String redisState = check(() -> {
            body.put("pending", pending());
            body.put("dead_letters", redis.xlen(config.deadLetterStream()));
        });
        boolean started = ready.getAsBoolean();
        boolean ok = started && neo4j.equals("up") && redisState.equals("up");
        var out = new LinkedHashMap<String, Object>();
        // "starting" until the schema is applied and the ingest loop runs
        out.put("status", ok ? "ok" : started ? "degraded" : "starting");
        out.put("neo4j", neo4j);
        out.put("redis", redisState);
        out.put("ingested", metrics.eventsIngested());
        out.put("pending", body.getOrDefault("pending", null));
        out.put("dead_letters", body.getOrDefault("dead_letters", metrics.deadLettered()));
        out.put("tasks", body.getOrDefault("tasks", null));
        out.put("stream", config.stream());
        json.send(ctx, ok ? 200 : 503, out);
    }

    /** Entries not yet committed: with delete-after-ack that is the stream's length. */
    private long pending() {
        if (config.deleteAcked()) return redis.xlen(config.stream());
        var summary = redis.xpending(config.stream(), config.consumerGroup());
        return summary == null ? 0 : summary.getTotal();
    }

    void metrics(Context ctx) {
        var sb = new StringBuilder(2048);
        metrics.appendPrometheus(sb);
        try {
            gauge(sb, "mida_stream_pending", "Stream entries not yet committed to the graph", pending());
            gauge(sb, "mida_dead_letters", "Entries in the dead-letter stream", redis.xlen(config.deadLetterStream()));
            gauge(sb, "mida_redis_up", "1 when Redis answers", 1);
        } catch (RuntimeException e) {
            gauge(sb, "mida_redis_up", "1 when Redis answers", 0);
        }
        var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        gauge(sb, "mida_jvm_heap_used_bytes", "JVM heap in use", heap.getUsed());
        gauge(sb, "mida_jvm_heap_committed_bytes", "JVM heap committed", heap.getCommitted());
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(sb.toString());
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" gauge\n");
        sb.append(name).append(' ').append(v).append('\n');
    }

    private static String check(Runnable probe) {
        try {
            probe.run();
            return "up";
        } catch (RuntimeException e) {
            return "down: " + e.getMessage();
        }
    }
}

package org.mida.server.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.http.Context;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.mida.event.EventStream;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.deadletters.DeadLetters;
import org.mida.server.http.Json;
import org.mida.server.ingest.IngestMetrics;
import org.mida.server.observerstatus.ObserverRoutes;
import org.neo4j.driver.Driver;
import redis.clients.jedis.UnifiedJedis;

/**
 * GET /api/health and GET /metrics: what the backends and the ingest loop are doing now, and which
 * observers went silent. The status (and the HTTP code: 200 ok, 503 otherwise) is the server's own: a
 * silent observer is named under {@code observers.silent} but does not make the server unhealthy.
 */
final class Health {
    private final Driver driver;
    private final UnifiedJedis redis;
    private final IngestMetrics ingest;
    private final ServerMetrics metrics;
    private final Config config;
    private final Json json;
    private final BooleanSupplier ready;
    private final ObserverRoutes observers;
    private final DeadLetters deadLetterStream;
    private Supplier<String> redisSupervisor = () -> null;
    private Supplier<EmbeddedNeo4j.State> neo4jSupervisor = () -> null;

    /**
     * The answer of {@code GET /api/health}; a figure is null when its backend does not answer.
     *
     * @param status {@code ok}, {@code degraded} (a backend is down) or {@code starting}
     * @param observers how many observers have reported and the ids of the silent ones; null when
     *     Neo4j does not answer
     * @param ingest whether the ingest loop runs or is paused by a storage fault, and why
     * @param neo4j {@code up}, {@code down: why}, or what the embedded Neo4j's supervisor does after a
     *     panic: {@code panicked}, {@code waiting for free disk space}, {@code restarting}
     * @param neo4jSupervisor the embedded Neo4j's restarts after panics (last panic, when it recovered);
     *     null when it never panicked or with an external Neo4j
     */
    record Answer(
            String status,
            String neo4j,
            String redis,
            long ingested,
            Long pending,
            @JsonProperty("dead_letters") Long deadLetters,
            Long tasks,
            String stream,
            ObserverRoutes.Summary observers,
            Ingest ingest,
            @JsonProperty("dead_letters_dropped") Long deadLettersDropped,
            @JsonProperty("redis_supervisor") String redisSupervisor,
            @JsonProperty("neo4j_supervisor") String neo4jSupervisor) {}

    /**
     * The ingest loop: {@code running}, {@code starting}, or {@code paused} by a storage fault (the store
     * or the stream cannot take writes; entries stay pending and are retried), with the latest error,
     * when the pause began (ISO-8601 and seconds ago) and how many tries failed since.
     */
    record Ingest(
            String state,
            String reason,
            String since,
            @JsonProperty("paused_s") Double pausedS,
            Long retries) {
        static Ingest of(boolean started, IngestMetrics.Pause p) {
            if (p != null)
                return new Ingest(
                        "paused",
                        p.reason(),
                        java.time.Instant.ofEpochMilli(p.since()).toString(),
                        (System.currentTimeMillis() - p.since()) / 1000.0,
                        p.retries());
            return new Ingest(started ? "running" : "starting", null, null, null, null);
        }
    }

    Health(
            Driver driver,
            UnifiedJedis redis,
            ServerMetrics metrics,
            Config config,
            Json json,
            BooleanSupplier ready,
            ObserverRoutes observers) {
        this.driver = driver;
        this.redis = redis;
        this.metrics = metrics;
        this.ingest = metrics.ingest();
        this.config = config;
        this.json = json;
        this.ready = ready;
        this.observers = observers;
        this.deadLetterStream = new DeadLetters(redis, new EventStream(config.stream()));
        metrics.gauge(
                "mida.stream.pending", "Stream entries not yet committed to the graph", null, this, Health::pending);
        metrics.gauge("mida.dead.letters", "Entries in the dead-letter stream", null, this, Health::deadLetters);
        metrics.gauge(
                "mida.dead.letters.dropped",
                "Dead letters dropped by the bound of the dead-letter stream (MIDA_DEAD_LETTER_MAX)",
                null,
                this,
                h -> h.deadLetterStream.dropped());
        metrics.gauge("mida.redis.up", "1 when Redis answers", null, redis, r -> {
            try {
                r.ping();
                return 1;
            } catch (RuntimeException e) {
                return 0;
            }
        });
    }

    void health(Context ctx) {
        var tasks = Probe.read(() -> {
            try (var s = driver.session()) {
                return s.run("MATCH (t:Task) RETURN count(t) AS n")
                        .single()
                        .get("n")
                        .asLong();
            }
        });
        var observed = tasks.up() ? Probe.read(observers::summary) : null;
        var pending = Probe.read(this::pending);
        var dead = pending.up() ? Probe.read(this::deadLetters) : pending;
        boolean started = ready.getAsBoolean();
        String redisState = dead.state();
        IngestMetrics.Pause pause = ingest.pause();
        EmbeddedNeo4j.State neo4j = neo4jSupervisor.get();
        boolean neo4jHealing = neo4j != null && !neo4j.state().equals("up");
        boolean ok = started && tasks.up() && !neo4jHealing && dead.up() && pause == null;
        json.send(
                ctx,
                ok ? 200 : 503,
                new Answer(
                        // "starting" until the schema is applied, the ingest statements planned and the loop runs
                        ok ? "ok" : started ? "degraded" : "starting",
                        neo4jHealing ? neo4j.state() : tasks.state(),
                        redisState,
                        ingest.eventsIngested(),
                        pending.value(),
                        dead.up() ? dead.value() : Long.valueOf(ingest.deadLettered()),
                        tasks.value(),
                        config.stream(),
                        observed == null ? null : observed.value(),
                        Ingest.of(started, pause),
                        dead.up() ? Probe.read(deadLetterStream::dropped).value() : null,
                        redisSupervisor.get(),
                        describe(neo4j)));
    }

    /** Entries not yet committed: with delete-after-ack that is the stream's length. */
    private long pending() {
        if (config.deleteAcked()) return redis.xlen(config.stream());
        var summary = redis.xpending(config.stream(), config.consumerGroup());
        return summary == null ? 0 : summary.getTotal();
    }

    private long deadLetters() {
        return redis.xlen(config.deadLetterStream());
    }

    /** What the embedded redis-server's supervisor says (restarting, restarts); null when nothing to say. */
    void superviseRedis(Supplier<String> state) {
        this.redisSupervisor = state == null ? () -> null : state;
    }

    /** What the embedded Neo4j's supervisor does after a panic (a restart), when Neo4j is embedded. */
    void superviseNeo4j(Supplier<EmbeddedNeo4j.State> state) {
        this.neo4jSupervisor = state == null ? () -> null : state;
    }

    /** Null while the embedded Neo4j never panicked; else its restarts, last panic and recovery. */
    static String describe(EmbeddedNeo4j.State st) {
        if (st == null || (st.restarts() == 0 && st.lastPanic() == null)) return null;
        String s = st.state().equals("up") && st.recoveredAt() != null
                ? "embedded Neo4j recovered at " + st.recoveredAt()
                : "embedded Neo4j " + st.state();
        return s + " (restarts after a panic: " + st.restarts() + "; last panic: " + st.lastPanic() + ")";
    }

    void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    /**
     * One backend read: its value (null unless up) and its state: {@code up}, {@code down: why}, or
     * {@code starting: why} for a redis-server still loading its append-only file (not dead).
     */
    private record Probe<T>(T value, String state) {
        static <T> Probe<T> read(Supplier<T> read) {
            try {
                return new Probe<>(read.get(), "up");
            } catch (RuntimeException e) {
                String m = String.valueOf(e.getMessage());
                return new Probe<>(null, (m.startsWith("LOADING") ? "starting: " : "down: ") + m);
            }
        }

        boolean up() {
            return state.equals("up");
        }
    }
}

package org.mida.server.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ingest loop's meters, registered in the server's Micrometer registry (exposed by {@code /metrics}
 * as {@code mida_ingest_*}); also read by {@code /api/health} and the benchmarks. Thread-safe.
 */
public final class IngestMetrics {

    /** Service-level boundaries of the batch latency histogram (the Prometheus buckets). */
    static final Duration[] BUCKETS = {
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    /** The latest batch latencies (a ring), for percentiles in benchmarks and diagnostics. */
    private static final int RECENT = 4096;

    private final Counter entries;
    private final Counter events;
    private final Counter tasksCreated;
    private final Counter tasksUpdated;
    private final Counter deadLetters;
    private final Counter claimed;
    private final Counter writeFailures;
    private final Counter holds;
    private final Timer batch;
    private final Timer[] phases = new Timer[BatchPhases.PHASES.length];
    private final java.util.concurrent.atomic.AtomicReferenceArray<Batch> recentBatches =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(RECENT);

    /**
     * One batch of the latest ones: when it ended ({@link System#nanoTime()}), what it took, how many events
     * it wrote, and its time per phase ({@link #phaseNames()} order).
     */
    public record Batch(long endNanos, long nanos, int events, long[] phaseNanos) {}

    private volatile Pause pause;
    private volatile int held;
    private volatile java.util.function.LongSupplier replans = () -> 0;
    private volatile java.util.function.LongSupplier readsSkipped = () -> 0;

    /** Counts the writer's replans and skipped reads ({@code mida_ingest_replans_total}, …). */
    void countWriter(java.util.function.LongSupplier replans, java.util.function.LongSupplier readsSkipped) {
        this.replans = replans;
        this.readsSkipped = readsSkipped;
    }

    /**
     * Why the ingest is paused: the store (or the stream) cannot take writes. The entries stay pending
     * and are retried with a capped backoff until it can.
     *
     * @param reason the latest error, as the store gave it
     * @param since epoch milliseconds of the first failure of this pause
     * @param retries failed tries since then
     */
    public record Pause(String reason, long since, long retries) {}

    /** Meters in a registry of their own (tools and tests that do not serve /metrics). */
    public IngestMetrics() {
        this(new SimpleMeterRegistry());
    }

    public IngestMetrics(MeterRegistry registry) {
        entries = counter(registry, "mida.ingest.entries", "Stream entries read and acknowledged");
        events = counter(registry, "mida.ingest.events", "Events written to the graph");
        tasksCreated = counter(registry, "mida.ingest.tasks.created", "Task nodes created");
        tasksUpdated = counter(registry, "mida.ingest.tasks.updated", "Task nodes updated by later events");
        deadLetters = counter(registry, "mida.ingest.dead.letters", "Events sent to the dead-letter stream");
        claimed = counter(registry, "mida.ingest.claimed", "Entries claimed from dead consumers");
        writeFailures =
                counter(registry, "mida.ingest.write.failures", "Batch writes that failed and were retried or split");
        holds = counter(
                registry,
                "mida.ingest.holds",
                "Task events held back for their task's final event (coalescing), each counted once");
        io.micrometer.core.instrument.Gauge.builder("mida.ingest.paused", this, m -> m.pause == null ? 0 : 1)
                .description("1 while the ingest is paused by a storage fault (entries kept pending)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("mida.ingest.held", this, m -> m.held)
                .description("Task events held back in memory for their task's final event (coalescing)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mida.ingest.replans", this, m -> m.replans.getAsLong())
                .description("Batches read and planned again: another writer made or changed what they read")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "mida.ingest.reads.skipped", this, m -> m.readsSkipped.getAsLong())
                .description("Task and entity ids a batch took for new without reading them (KnownIds)")
                .register(registry);
        batch = Timer.builder("mida.ingest.batch")
                .description("Time to write and acknowledge one batch")
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
        for (BatchPhases.Phase p : BatchPhases.PHASES)
            phases[p.ordinal()] = Timer.builder("mida.ingest.batch.phase")
                    .description("Time of one batch in each of its phases (decode, hold, read, plan, statements,"
                            + " commit, dead_letters, ack, listener)")
                    .tag("phase", p.label)
                    .register(registry);
    }

    private static Counter counter(MeterRegistry registry, String name, String help) {
        return Counter.builder(name).description(help).register(registry);
    }

    void entriesRead(int n) {
        entries.increment(n);
    }

    void eventsWritten(int n) {
        events.increment(n);
    }

    /** {@code n} events held now, {@code newly} of them held for the first time. */
    void held(int n, int newly) {
        held = n;
        holds.increment(newly);
    }

    /** Task events held back so far (coalescing), each counted once however long it was held. */
    public long holds() {
        return (long) holds.count();
    }

    /** Task events held back now, waiting for their task's final event (coalescing). */
    public int heldEvents() {
        return held;
    }

    /** Task nodes created so far. */
    public long tasksCreated() {
        return (long) tasksCreated.count();
    }

    /** Task nodes updated by later events so far. */
    public long tasksUpdated() {
        return (long) tasksUpdated.count();
    }

    void deadLettered(int n) {
        deadLetters.increment(n);
    }

    void claimed(int n) {
        claimed.increment(n);
    }

    void writeFailed() {
        writeFailures.increment();
    }

    /** A storage fault: the ingest keeps its entries and tries again later. */
    void paused(String reason) {
        Pause p = pause;
        pause = new Pause(reason, p == null ? System.currentTimeMillis() : p.since(), p == null ? 1 : p.retries() + 1);
    }

    /** The store took a batch again; returns the pause that ended, or null. */
    Pause resumed() {
        Pause p = pause;
        pause = null;
        return p;
    }

    /** The current pause, or null while the ingest runs. */
    public Pause pause() {
        return pause;
    }

    void tasksWritten(int created, int updated) {
        tasksCreated.increment(created);
        tasksUpdated.increment(updated);
    }

    void observeBatch(long nanos, int events, long[] phaseNanos) {
        long n = batch.count();
        batch.record(nanos, TimeUnit.NANOSECONDS);
        for (int i = 0; i < phases.length; i++) phases[i].record(phaseNanos[i], TimeUnit.NANOSECONDS);
        recentBatches.set((int) (n % RECENT), new Batch(System.nanoTime(), nanos, events, phaseNanos));
    }

    /** The names of the phases of {@link Batch#phaseNanos()}, in order. */
    public static List<String> phaseNames() {
        var out = new java.util.ArrayList<String>();
        for (BatchPhases.Phase p : BatchPhases.PHASES) out.add(p.label);
        return out;
    }

    /** The latest batches, at most 4096, in no particular order. */
    public List<Batch> recentBatches() {
        var out = new java.util.ArrayList<Batch>();
        for (int i = 0; i < RECENT; i++) {
            Batch b = recentBatches.get(i);
            if (b != null) out.add(b);
        }
        return out;
    }

    public long eventsIngested() {
        return (long) events.count();
    }

    public long deadLettered() {
        return (long) deadLetters.count();
    }

    public long batches() {
        return batch.count();
    }

    /** Latencies (ns) of the latest batches, at most 4096, in no particular order. */
    public long[] recentBatchNanos() {
        return recentBatches().stream().mapToLong(Batch::nanos).toArray();
    }
}

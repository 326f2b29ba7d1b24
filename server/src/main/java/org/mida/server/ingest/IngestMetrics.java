package org.mida.server.ingest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the ingest loop, read by /metrics and /api/health. Thread-safe. */
public final class IngestMetrics {

    /** Upper bounds (seconds) of the batch latency histogram buckets. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    final LongAdder entries = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder tasksCreated = new LongAdder();
    final LongAdder tasksUpdated = new LongAdder();
    final LongAdder deadLetters = new LongAdder();
    final LongAdder claimed = new LongAdder();
    final LongAdder writeFailures = new LongAdder();
    private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length + 1);
    private final AtomicLong latencyNanos = new AtomicLong();
    final AtomicLong lastBatchEpochMs = new AtomicLong();

    /** The latest batch latencies (a ring), for percentiles in benchmarks and diagnostics. */
    private static final int RECENT = 4096;

    private final AtomicLongArray recent = new AtomicLongArray(RECENT);

    void entriesRead(int n) {
        entries.add(n);
    }

    void eventsWritten(int n) {
        events.add(n);
    }

    void deadLettered(int n) {
        deadLetters.add(n);
    }

    void claimed(int n) {
        claimed.add(n);
    }

    void writeFailed() {
        writeFailures.increment();
    }

    void tasksWritten(int created, int updated) {
        tasksCreated.add(created);
        tasksUpdated.add(updated);
    }

    void observeBatch(long nanos) {
        batches.increment();
        latencyNanos.addAndGet(nanos);
        double s = nanos / 1e9;
        int i = 0;
        while (i < BUCKETS.length && s > BUCKETS[i]) i++;
        bucketCounts.incrementAndGet(i);
        recent.set((int) ((batches.sum() - 1) % RECENT), nanos);
        lastBatchEpochMs.set(System.currentTimeMillis());
    }

    public long eventsIngested() {
        return events.sum();
    }

    public long deadLettered() {
        return deadLetters.sum();
    }

    public long batches() {
        return batches.sum();
    }

    /** Latencies (ns) of the latest batches, at most 4096, in no particular order. */
    public long[] recentBatchNanos() {
        int n = (int) Math.min(batches.sum(), RECENT);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = recent.get(i);
        return out;
    }

    /** Prometheus text exposition of these counters. */
    public void appendPrometheus(StringBuilder sb) {
        counter(sb, "mida_ingest_entries_total", "Stream entries read and acknowledged", entries.sum());
        counter(sb, "mida_ingest_events_total", "Events written to the graph", events.sum());
        counter(sb, "mida_ingest_tasks_created_total", "Task nodes created", tasksCreated.sum());
        counter(sb, "mida_ingest_tasks_updated_total", "Task nodes updated by later events", tasksUpdated.sum());
        counter(sb, "mida_ingest_dead_letters_total", "Events sent to the dead-letter stream", deadLetters.sum());
        counter(sb, "mida_ingest_claimed_total", "Entries claimed from dead consumers", claimed.sum());
        counter(
                sb,
                "mida_ingest_write_failures_total",
                "Batch writes that failed and were retried or split",
                writeFailures.sum());
        sb.append("# HELP mida_ingest_batch_seconds Time to write and acknowledge one batch\n");
        sb.append("# TYPE mida_ingest_batch_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += bucketCounts.get(i);
            sb.append("mida_ingest_batch_seconds_bucket{le=\"")
                    .append(BUCKETS[i])
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        cumulative += bucketCounts.get(BUCKETS.length);
        sb.append("mida_ingest_batch_seconds_bucket{le=\"+Inf\"} ")
                .append(cumulative)
                .append('\n');
        sb.append("mida_ingest_batch_seconds_sum ")
                .append(latencyNanos.get() / 1e9)
                .append('\n');
        sb.append("mida_ingest_batch_seconds_count ").append(cumulative).append('\n');
    }

    static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        sb.append(name).append(' ').append(value).append('\n');
    }
}

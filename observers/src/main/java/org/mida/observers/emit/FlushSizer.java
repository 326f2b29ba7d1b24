package org.mida.observers.emit;

/**
 * The dynamic flush size (paper IV-F): the batch follows the event rate so that a batch fills in
 * about a tenth of {@code maxAge} (10 ms by default). Rare events go out one by one, at once, so they
 * reach the server at runtime; a high rate gets large batches (up to {@code maxBatch}), so each Redis
 * round trip carries many events while events still wait only milliseconds. The rate is an
 * exponentially weighted moving average over windows of at least that fill time (shorter windows
 * are accumulated: a burst of two events in a microsecond is not a rate). Flusher thread only (not
 * thread-safe).
 */
final class FlushSizer {

    /** Weight of the newest rate sample. */
    static final double ALPHA = 0.3;
    /** The batch should fill in {@code maxAge / FILL_FRACTION}. */
    static final int FILL_FRACTION = 10;
    /** Never sample over windows shorter than this. */
    static final long MIN_WINDOW_NANOS = 5_000_000;

    private final int maxBatch;
    private final double fillSeconds;
    private final long minWindowNanos;
    private double rate = -1; // events per second; -1 = no sample yet
    private long lastCount;
    private long lastNanos;
    private boolean started;

    FlushSizer(int maxBatch, long maxAgeMillis) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        if (maxAgeMillis < 1) throw new IllegalArgumentException("maxAgeMillis must be >= 1");
        this.maxBatch = maxBatch;
        this.fillSeconds = maxAgeMillis / 1000.0 / FILL_FRACTION;
        this.minWindowNanos = Math.max(MIN_WINDOW_NANOS, (long) (fillSeconds * 1e9));
    }

    /** Records the total number of events emitted so far, at {@code nanos} (System.nanoTime). */
    void sample(long emittedTotal, long nanos) {
        if (!started) {
            started = true;
            lastCount = emittedTotal;
            lastNanos = nanos;
            return;
        }
        long window = nanos - lastNanos;
        if (window < minWindowNanos) return;
        double r = (emittedTotal - lastCount) * 1e9 / window;
        rate = rate < 0 ? r : ALPHA * r + (1 - ALPHA) * rate;
        lastCount = emittedTotal;
        lastNanos = nanos;
    }

    /** The estimated event rate, events per second (0 before the first sample). */
    double rate() {
        return Math.max(rate, 0);
    }

    /** How many buffered events make a flush worth it now: {@code rate x maxAge / 10}, in [1, maxBatch]. */
    int batchSize() {
        double want = rate() * fillSeconds;
        if (want <= 1) return 1;
        return (int) Math.min(maxBatch, Math.round(want));
    }
}

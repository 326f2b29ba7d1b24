package org.mida.server.ingest;

/**
 * When a held task event is due (the ingest's coalescing, issue 15; ingest thread only).
 *
 * <p>A task's events in hand linger from the moment their stream entry entered the stream (the time in
 * its Redis entry id, on Redis's clock; never later than when the ingest read it, so a Redis clock ahead
 * of ours cannot stretch a linger), not from when the ingest got round to reading it: while a batch is
 * written the next entries wait in the stream, and that wait is part of the linger.
 *
 * <p>The loop can only write a held event with a batch, and batches follow one another: when the ingest
 * is busy a batch starts every {@link #cycleNanos() cycle} (the time one batch takes, an average of the
 * latest ones). An event is therefore held in a batch only while its linger ends more than half a cycle
 * after that batch starts; one whose linger ends sooner goes now rather than one whole batch later (at
 * 2,000 events/s on a 2-core machine, with batches of ≈ 240 ms and a linger of 250 ms, a RUNNING waited
 * two batches, ≈ 480 ms, where one is the linger's nearest). The same holds in the batch that read an
 * event, unless the stream is backlogged (the read filled the batch: more entries wait, and the next
 * batch starts at once): then events are always held in the batch that read them, so a backlogged stream,
 * whose entries are older than the linger, still coalesces a task whose FINISHED comes in the next batch.
 * (Holding every event in the batch that read it cost each RUNNING of a steady stream one whole batch,
 * ≈ 330 ms of its ≈ 1 s visibility at 2,000 events/s on the 2-core benchmark machine: batches there take
 * longer than the linger, so the linger of a fresh event had nearly always ended by the next batch.)
 *
 * <pre>{@code
 * var linger = new Linger(250);
 * long since = Linger.since(t0, nowMillis, entry.getID().getTime());
 * boolean hold = linger.holds(since, t0, fresh);
 * linger.observedBatch(System.nanoTime() - t0);
 * }</pre>
 *
 * <p>A batch's time grows with its events, so the cycle a batch is judged by is that of its own size: the
 * average cycle, or the latest batches' time per event times the events in hand when that is shorter. A
 * few small batches after big ones (a trickle after a backlog was worked off) are not judged by the big
 * ones' time: with batches of ≈ 1 s behind it, a batch of 100 fresh RUNNINGs let every one of them go
 * alone (its 250-ms linger ended within half "a cycle") and wrote each of those tasks twice.
 * {@code -Dmida.ingest.linger.cycle=average} judges every batch by the average (before).
 *
 * <p>{@code -Dmida.ingest.linger.rule=fresh} restores the rule before (every event held in the batch that
 * read it), {@code read} the one before that (a linger from the read, held while it lasts), for
 * before/after runs.
 */
final class Linger {
    /** The system property that restores a rule before ({@code fresh} or {@code read}). */
    static final String RULE_PROPERTY = "mida.ingest.linger.rule";

    /** When a held event is written. */
    enum Rule {
        /** At the batch nearest its linger's end; held in the batch that read it too when backlogged. */
        NEAREST,
        /** As NEAREST, but always held in the batch that read it (8th session). */
        FRESH,
        /** While its linger, counted from the read, lasts (before issue 15's 8th session). */
        READ
    }

    /** The system property that judges every batch by the average cycle, whatever its size ({@code average}). */
    static final String CYCLE_PROPERTY = "mida.ingest.linger.cycle";

    /** Weight of the newest batch in the cycle's average. */
    private static final double ALPHA = 0.3;

    private final long lingerNanos;
    private final Rule rule;
    private final boolean bySize;
    private double cycleNanos;
    private double perEventNanos;

    Linger(long lingerMs) {
        this(lingerMs, rule(System.getProperty(RULE_PROPERTY, "")));
    }

    Linger(long lingerMs, Rule rule) {
        this(
                lingerMs,
                rule,
                !"average"
                        .equalsIgnoreCase(System.getProperty(CYCLE_PROPERTY, "").strip()));
    }

    /** @param bySize whether a batch is judged by the cycle of its size (else by the average cycle) */
    Linger(long lingerMs, Rule rule, boolean bySize) {
        this.lingerNanos = Math.max(0, lingerMs) * 1_000_000;
        this.rule = rule;
        this.bySize = bySize;
    }

    static Rule rule(String name) {
        return switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "read" -> Rule.READ;
            case "fresh" -> Rule.FRESH;
            default -> Rule.NEAREST;
        };
    }

    /**
     * When an event's linger began, on {@link System#nanoTime()}'s scale: when its entry entered the
     * stream ({@code entryMillis}, the entry id's time), at most {@code readNanos} (read at wall time
     * {@code readMillis}).
     */
    long since(long readNanos, long readMillis, long entryMillis) {
        if (rule == Rule.READ) return readNanos;
        return readNanos - Math.max(0, readMillis - entryMillis) * 1_000_000;
    }

    /**
     * Whether a task whose events in hand began lingering at {@code sinceNanos} (the oldest of them) is
     * held back from the batch that starts at {@code nowNanos}; {@code fresh}: one of its events was read
     * for this batch; {@code backlog}: that read filled the batch (more entries wait in the stream).
     */
    boolean holds(long sinceNanos, long nowNanos, boolean fresh, boolean backlog) {
        return holds(sinceNanos, nowNanos, fresh, backlog, 0);
    }

    /** {@link #holds(long, long, boolean, boolean)} in a batch of {@code events} events in hand (0: unknown). */
    boolean holds(long sinceNanos, long nowNanos, boolean fresh, boolean backlog, int events) {
        long left = sinceNanos + lingerNanos - nowNanos;
        double cycle = cycleNanos(events);
        return switch (rule) {
            case READ -> left > 0;
            case FRESH -> fresh || left > cycle / 2;
            case NEAREST -> (fresh && backlog) || left > cycle / 2;
        };
    }

    /** How long until a held event that began lingering at {@code sinceNanos} is due, in ms (≥ 0). */
    long dueInMillis(long sinceNanos, long nowNanos) {
        return dueInMillis(sinceNanos, nowNanos, 0);
    }

    /** {@link #dueInMillis(long, long)} for a batch of at least {@code events} events (the held ones; 0: unknown). */
    long dueInMillis(long sinceNanos, long nowNanos, int events) {
        long left = sinceNanos + lingerNanos - nowNanos - (rule == Rule.READ ? 0 : cycleNanos(events) / 2);
        return Math.max(0, left / 1_000_000);
    }

    /** Records how long a batch took, from its start to its acknowledgement. */
    void observedBatch(long nanos) {
        observedBatch(nanos, 0);
    }

    /** Records how long a batch of {@code events} events took (0: not counted per event). */
    void observedBatch(long nanos, int events) {
        cycleNanos = cycleNanos == 0 ? nanos : ALPHA * nanos + (1 - ALPHA) * cycleNanos;
        if (events > 0) {
            double per = (double) nanos / events;
            perEventNanos = perEventNanos == 0 ? per : ALPHA * per + (1 - ALPHA) * perEventNanos;
        }
    }

    /** The average time a batch takes (0 before the first). */
    long cycleNanos() {
        return (long) cycleNanos;
    }

    /**
     * The time a batch of {@code events} events is expected to take: the average cycle, or the latest
     * batches' time per event times {@code events} when that is shorter (0 events: the average).
     */
    long cycleNanos(int events) {
        if (!bySize || events <= 0 || perEventNanos == 0) return (long) cycleNanos;
        return (long) Math.min(cycleNanos, perEventNanos * events);
    }
}

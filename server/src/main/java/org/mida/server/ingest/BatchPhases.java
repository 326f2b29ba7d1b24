package org.mida.server.ingest;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where one ingest batch's time went, phase by phase (ingest thread only; issue 15's visibility tail: a
 * batch's own time is most of an event's wait). The ingest loop and {@link BatchWriter} add to it while a
 * batch runs; {@link IngestMetrics} keeps each phase as a timer ({@code mida_ingest_batch_phase_seconds}
 * with a {@code phase} tag) and the latest batches for the benchmarks; a batch slower than {@code
 * -Dmida.ingest.slowBatchMs} (default 1,000, the visibility target) is logged with its split.
 *
 * <pre>{@code
 * phases.reset();
 * long t = System.nanoTime();
 * ... decode ...
 * t = phases.add(Phase.DECODE, t);   // returns now, the next phase's start
 * }</pre>
 */
final class BatchPhases {

    /** The phases of a batch, in the order they run. */
    enum Phase {
        /**
         * Reading the batch's entries from the stream (XREADGROUP and the client's parsing of the reply),
         * counted only when the stream was backlogged before the read, so that a read that waited for new
         * entries does not count its wait.
         */
        FETCH("fetch"),
        /** Decoding the entries' JSON into events. */
        DECODE("decode"),
        /** Choosing the task events to hold back (coalescing). */
        HOLD("hold"),
        /** The batch's reads of what it names (tasks, workflows, entities, …), the field-scope locks. */
        READ("read"),
        /** {@code IngestPlan.of}: what to write, from the events and what was read. */
        PLAN("plan"),
        /** Running the plan's write statements. */
        STATEMENTS("statements"),
        /** Opening and committing the transaction (and a retried attempt's time). */
        COMMIT("commit"),
        /** Writing refused events to the dead-letter stream. */
        DEAD_LETTERS("dead_letters"),
        /** Acknowledging (and deleting) the entries done. */
        ACK("ack"),
        /** The listener of committed changes (live feed, mirror hand-off). */
        LISTENER("listener");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    static final Phase[] PHASES = Phase.values();

    /** The system property of the slow-batch log line's threshold (ms). */
    static final String SLOW_PROPERTY = "mida.ingest.slowBatchMs";

    private final long[] nanos = new long[PHASES.length];

    void reset() {
        Arrays.fill(nanos, 0);
    }

    /** Adds the time since {@code since} to {@code phase}; returns now. */
    long add(Phase phase, long since) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - since;
        return now;
    }

    /** Adds {@code n} nanoseconds to {@code phase}. */
    void addNanos(Phase phase, long n) {
        nanos[phase.ordinal()] += n;
    }

    long get(Phase phase) {
        return nanos[phase.ordinal()];
    }

    /** The phases' nanoseconds, in {@link #PHASES} order (a copy). */
    long[] snapshot() {
        return nanos.clone();
    }

    /** E.g. {@code decode 3.1, hold 0.2, read 40.0, … ms}: every phase, in order. */
    static String describe(long[] nanos) {
        var sb = new StringBuilder();
        for (Phase p : PHASES) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(p.label).append(' ').append(String.format(Locale.ROOT, "%.1f", nanos[p.ordinal()] / 1e6));
        }
        return sb.append(" ms").toString();
    }

    /** The slow-batch threshold in nanoseconds ({@link #SLOW_PROPERTY}, default 1,000 ms; 0 logs every batch). */
    static long slowNanos() {
        return Math.max(0, Long.getLong(SLOW_PROPERTY, 1_000)) * 1_000_000;
    }
}

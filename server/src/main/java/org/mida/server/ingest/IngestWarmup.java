package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rehearses the ingest at the batch sizes a busy start brings, before health says ok (issue 14, the first
 * minute after a cold start; docs/RELIABILITY.md "Start-up"). For each size (10, 100, 1,000 events, up to
 * the configured batch size) it decodes stream entries of observer-shaped task events the way the ingest does
 * ({@link EventCodec#decode}), then runs them through the real write path ({@link BatchWriter}) in one
 * transaction that is rolled back: first a batch of new RUNNING tasks that use an entity, then a batch that
 * finishes them (generating an entity) together with as many new ones. Nothing is written.
 *
 * <p>Why: Neo4j caches a plan per statement, parameter types, list-size bucket and transaction state, and
 * {@link BatchWriter#warmUp()} rehearses batches of 1–5 events only. Under 2,000 events/s the first batches
 * after a start hold thousands of events: they planned every statement again for their bucket and ran the
 * write path in the interpreter and C1 while the stream backed up. Here that cost is paid while nothing
 * waits on it.
 *
 * <p>{@code -Dmida.ingest.warmup=off} skips it (the soak benchmark's before/after runs).
 *
 * <pre>{@code
 * IngestWarmup.Report r = IngestWarmup.run(driver, EventCodec.shared(), 5_000); // then ingestor.start()
 * }</pre>
 */
public final class IngestWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(IngestWarmup.class);

    /** The system property that turns the rehearsal off ({@code off}); anything else leaves it on. */
    public static final String PROPERTY = "mida.ingest.warmup";

    private static final String PREFIX = "mida:warm-up/";

    /** What one run did: the batch sizes rehearsed (events), the events decoded and written, how long it took. */
    public record Report(List<Integer> sizes, int events, long millis) {}

    private IngestWarmup() {}

    /** Whether {@link #PROPERTY} leaves the rehearsal on. */
    public static boolean enabled() {
        return !"off".equalsIgnoreCase(System.getProperty(PROPERTY, "on").strip());
    }

    /**
     * Rehearses every size of {@link #sizes(int)}; a failure is logged and ends the rehearsal (the ingest then
     * plans on its first batches, as before). Returns what was done.
     */
    public static Report run(Driver driver, EventCodec codec, int batchSize) {
        return run(IngestTransport.driver(driver), codec, batchSize);
    }

    /**
     * As {@link #run(Driver, EventCodec, int)}, through {@code transport}: the ingest's own (in-process with the
     * embedded Neo4j), so that the path the first batches take is the one rehearsed.
     */
    public static Report run(IngestTransport transport, EventCodec codec, int batchSize) {
        long t0 = System.nanoTime();
        var writer = new BatchWriter(transport, codec);
        var done = new ArrayList<Integer>();
        int events = 0;
        try {
            for (int n : sizes(batchSize)) {
                List<Event> started = decode(codec, entries(PREFIX, 0, n, false));
                var next = new ArrayList<Event>(decode(codec, entries(PREFIX, 0, n, true)));
                next.addAll(decode(codec, entries(PREFIX, n, n, false)));
                transport.once(
                        tx -> {
                            writer.writeIn(tx, started);
                            return writer.writeIn(tx, next);
                        },
                        false); // rolled back: nothing is written
                done.add(n);
                events += started.size() + next.size();
            }
        } catch (RuntimeException e) {
            LOG.warn("ingest warm-up stopped after sizes {}: {}", done, e.toString());
        }
        var r = new Report(List.copyOf(done), events, (System.nanoTime() - t0) / 1_000_000);
        LOG.info(
                "ingest rehearsed at batch sizes {} ({} events, rolled back) in {} ms",
                r.sizes(),
                r.events(),
                r.millis());
        return r;
    }

    /**
     * The batch sizes rehearsed: one per list-size bucket Neo4j plans apart (10, 100, 1,000, …: powers of ten)
     * up to the batch size; a batch size under 10 is rehearsed as it is. A backlog's batches of 5,000 events
     * fall in the 1,000 bucket: rehearsing them too cost 4 times as long at start for no other plan.
     */
    static List<Integer> sizes(int batchSize) {
        var s = new ArrayList<Integer>();
        for (long n = 10; n <= batchSize; n *= 10) s.add((int) n);
        if (s.isEmpty()) s.add(Math.max(1, batchSize));
        return List.copyOf(s);
    }

    private static List<Event> decode(EventCodec codec, List<String> entries) {
        var out = new ArrayList<Event>();
        for (String json : entries) {
            EventCodec.Decoded d = codec.decode(json);
            if (!d.rejections().isEmpty())
                throw new IllegalStateException(
                        "warm-up event refused: " + d.rejections().get(0).reason());
            out.addAll(d.events());
        }
        return out;
    }

    /**
     * Stream entries (JSON arrays of up to 100 events, as observers send them) for tasks {@code from} to
     * {@code from + n - 1} of ids starting with {@code prefix}: RUNNING with an input entity, or FINISHED with
     * an output entity.
     */
    static List<String> entries(String prefix, int from, int n, boolean finished) {
        var entries = new ArrayList<String>();
        var sb = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            if (sb.length() == 0) sb.append('[');
            else sb.append(',');
            var m = new LinkedHashMap<String, Object>();
            m.put("type", "task");
            m.put("task_id", prefix + "t-" + i);
            m.put("workflow_id", prefix + "wf-" + (i % 10));
            m.put("campaign_id", prefix + "c");
            m.put("activity_id", "warm-up");
            m.put("status", finished ? "FINISHED" : "RUNNING");
            m.put("started_at", 1.0 + i);
            if (finished) {
                m.put("ended_at", 2.0 + i);
                m.put("generated", Map.of("out", Map.of("@id", prefix + "out-" + i, "@type", "dataset")));
            } else {
                m.put("used", Map.of("input", Map.of("@id", prefix + "in-" + i, "@type", "dataset")));
            }
            m.put("custom_metadata", Map.of(finished ? "p1" : "p0", i));
            sb.append(EventCodec.shared().toJson(m)); // the wire form, as an observer sends it
            if ((i - from) % 100 == 99 || i == from + n - 1) {
                entries.add(sb.append(']').toString());
                sb.setLength(0);
            }
        }
        return entries;
    }
}

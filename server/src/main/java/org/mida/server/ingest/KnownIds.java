package org.mida.server.ingest;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task and entity ids the store may hold, so that a batch reads only those (issue 15, 12th session).
 *
 * <p>A batch reads what the store holds of every task and entity it names, under a write lock, to merge its
 * events into it. Most of what a busy workflow sends is new (a task's first events, the data it generates): those
 * reads find nothing and were about half of the batch's reads (123 → 53–57 ms per 5,000 events). Here, two Bloom filters (Guava's) hold every task and
 * entity id of the store (loaded page by page when the ingest starts) and every id the ingest wrote since; a
 * batch's first attempt reads only the ids they may hold and takes the others for new.
 *
 * <p>Safe when the filters miss an id that exists (another server, an OpenLineage or PROV import wrote it): the
 * plan creates what it takes for new with {@code CREATE}, which the id's uniqueness constraint refuses, and
 * {@link BatchWriter} reads and plans the batch again reading every id, as it did before. After such a conflict
 * every batch reads every id for {@link #PESSIMISTIC_MS} (two servers ingesting one stream would otherwise plan
 * most batches twice). A false positive of a filter only costs the read it would have cost anyway. Until the
 * store's ids are loaded every id is read.
 *
 * <p>{@code -Dmida.ingest.reads.known=off} reads every id of every batch (before).
 *
 * <pre>{@code
 * var known = KnownIds.configured();
 * known.load(transport);                  // at start, on a thread of its own
 * if (known.active(System.nanoTime())) taskIds.removeIf(id -> !known.mayHoldTask(id));
 * known.wrote(taskIds, entityIds);        // after each commit
 * }</pre>
 */
final class KnownIds {
    private static final Logger LOG = LoggerFactory.getLogger(KnownIds.class);

    /** The system property that reads every id of every batch ({@code off}). */
    static final String PROPERTY = "mida.ingest.reads.known";

    /** How long every id is read after a batch found an id the filters did not know. */
    static final long PESSIMISTIC_MS = 60_000;

    /** Ids per page when the store's ids are loaded. */
    static final int PAGE = 10_000;

    private static final String TASK_PAGE = "MATCH (t:Task) USING INDEX t:Task(task_id) WHERE t.task_id > $after"
            + " RETURN t.task_id AS id ORDER BY id LIMIT $n";
    private static final String ENTITY_PAGE =
            "MATCH (e:Entity) USING INDEX e:Entity(id) WHERE e.id > $after" + " RETURN e.id AS id ORDER BY id LIMIT $n";

    private final boolean enabled;
    private final Ids tasks = new Ids();
    private final Ids entities = new Ids();
    private volatile boolean loaded;
    private volatile boolean conflicted;
    private volatile long conflictNanos;

    KnownIds(boolean enabled) {
        this.enabled = enabled;
    }

    /** On unless {@link #PROPERTY} is {@code off}. */
    static KnownIds configured() {
        return new KnownIds(
                !"off".equalsIgnoreCase(System.getProperty(PROPERTY, "on").strip()));
    }

    /** Whether a batch's first attempt starting at {@code nowNanos} reads only the ids the filters may hold. */
    boolean active(long nowNanos) {
        return enabled && loaded && !pessimistic(nowNanos);
    }

    /** Whether a conflict less than {@link #PESSIMISTIC_MS} before {@code nowNanos} has every id read. */
    private boolean pessimistic(long nowNanos) {
        return conflicted && nowNanos - conflictNanos < TimeUnit.MILLISECONDS.toNanos(PESSIMISTIC_MS);
    }

    boolean mayHoldTask(String id) {
        return tasks.mightContain(id);
    }

    boolean mayHoldEntity(String id) {
        return entities.mightContain(id);
    }

    /** Records ids a batch wrote (or named: a superset costs only reads). */
    void wrote(List<String> taskIds, List<String> entityIds) {
        if (!enabled) return;
        for (String id : taskIds) tasks.put(id);
        for (String id : entityIds) entities.put(id);
    }

    /** A batch that read only the known ids met an id that exists: read every id for a while. */
    void conflict(long nowNanos, String why) {
        boolean first = !pessimistic(nowNanos);
        conflictNanos = nowNanos;
        conflicted = true;
        if (first)
            LOG.info(
                    "a batch named ids another writer made ({}); every id is read for the next {} s",
                    why,
                    PESSIMISTIC_MS / 1000);
    }

    /**
     * Puts every task and entity id of the store in the filters, {@value #PAGE} at a time in index order, then
     * lets batches skip the ids they do not hold. Ids written meanwhile are added by {@link #wrote}. A failure
     * is logged and leaves every id read.
     */
    void load(IngestTransport transport) {
        if (!enabled) return;
        long t0 = System.nanoTime();
        try {
            long t = page(transport, TASK_PAGE, tasks);
            long e = page(transport, ENTITY_PAGE, entities);
            loaded = true;
            LOG.info(
                    "ingest: {} task and {} entity ids of the store loaded in {} ms; batches read only the ids"
                            + " the store may hold",
                    t,
                    e,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (RuntimeException ex) {
            LOG.warn("ingest: could not load the store's ids ({}); every batch reads every id", ex.toString());
        }
    }

    private static long page(IngestTransport transport, String query, Ids into) {
        String after = "";
        long n = 0;
        while (true) {
            String from = after;
            List<Map<String, Object>> rows = transport.read(tx -> tx.run(query, Map.of("after", from, "n", PAGE)));
            for (Map<String, Object> r : rows) into.put((String) r.get("id"));
            n += rows.size();
            if (rows.size() < PAGE) return n;
            after = (String) rows.get(rows.size() - 1).get("id");
        }
    }

    /** Whether the store's ids are in the filters. */
    boolean loaded() {
        return loaded;
    }

    /**
     * A Bloom filter that grows: a new one of twice the capacity when the latest is full, so that the false
     * positive rate stays ≈ 1 % per filter however many ids the store holds (≈ 1.2 bytes per id).
     */
    private static final class Ids {
        private static final double FPP = 0.01;
        private final List<BloomFilter<CharSequence>> filters = new CopyOnWriteArrayList<>();
        private long capacity = 1 << 16;
        private BloomFilter<CharSequence> latest = create(capacity);

        Ids() {
            filters.add(latest);
        }

        private static BloomFilter<CharSequence> create(long capacity) {
            return BloomFilter.create(Funnels.stringFunnel(StandardCharsets.UTF_8), capacity, FPP);
        }

        synchronized void put(String id) {
            if (id == null) return;
            if (latest.approximateElementCount() >= capacity) {
                capacity *= 2;
                latest = create(capacity);
                filters.add(latest);
            }
            latest.put(id);
        }

        boolean mightContain(String id) {
            for (BloomFilter<CharSequence> f : filters) if (f.mightContain(id)) return true;
            return false;
        }
    }
}

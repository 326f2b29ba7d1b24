package org.mida.server.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.EventStream.DeadLetter;
import org.mida.event.TaskEvent;
import org.mida.server.fields.FieldRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Reads the event stream with a consumer group and writes it to Neo4j, batch by batch: one
 * transaction per batch, XACK only after the commit. At start it first re-reads its own pending
 * entries (left by a crash of this consumer), and from time to time claims entries that other,
 * dead consumers left pending. Events that cannot be decoded, or that Neo4j refuses even alone, go
 * to the dead-letter stream with the reason. A storage fault (Neo4j or Redis unreachable, stopped,
 * out of disk, panicked, timing out: {@link StoreFaults}) never makes a dead letter: the batch stays
 * pending, unacknowledged, and is retried with a capped exponential backoff until the store takes it
 * (the pause, its reason and its start are in {@link IngestMetrics#pause()}, shown by {@code
 * /api/health}); before any event is dead-lettered as refused by the graph store, the store is probed
 * with a write transaction, and a store that fails the probe pauses the ingest instead. {@link
 * #close()} finishes the batch in hand. After each
 * batch is committed and acknowledged, the optional listener receives the merged state of the tasks
 * and workflows the batch created or changed (nothing for replays that changed nothing), on the ingest
 * thread: it must be quick and must not block.
 *
 * <p>Coalescing ({@link Settings#lingerMs()} &gt; 0): a task event that is not final (RUNNING, SUBMITTED
 * …) and whose task has no final event in the batch is held back, in memory, for about the linger time
 * after its entry entered the stream ({@link Linger}: while the linger ends more than half a batch later;
 * when the stream is backlogged, always in the batch that read it), so that the FINISHED (or ERROR) event that usually follows soon lands in the same
 * batch and the task is written once, as one create, instead of a create and an update. A held event's
 * stream entry stays pending (unacknowledged) until every event it carries is committed, so a crash
 * loses nothing (the entry is re-read at the next start, the writes are idempotent); a held event that
 * waited its linger is written with the next batch, or on its own when the stream is idle. At most half
 * a batch of events is held.
 */
public final class StreamIngestor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamIngestor.class);
    private static final int BLOCK_MS = 100;
    private static final long CLAIM_EVERY_MS = 5_000;
    /** Backoff while the store fails: from 100 ms, doubled per failure, capped here. */
    static final long MAX_BACKOFF_MS = 5_000;

    /**
     * How the ingest loop talks to the stream.
     *
     * @param deadLetterMax about how many entries the dead-letter stream keeps ({@code XADD MAXLEN ~})
     */
    public record Settings(
            String stream,
            String group,
            String consumer,
            int batchSize,
            long claimIdleMs,
            boolean deleteAcked,
            long deadLetterMax,
            long lingerMs) {
        /** The default bound of the dead-letter stream. */
        public static final long DEAD_LETTER_MAX = 100_000;

        /** No coalescing: every event is written with the batch it was read in. */
        public Settings(
                String stream,
                String group,
                String consumer,
                int batchSize,
                long claimIdleMs,
                boolean deleteAcked,
                long deadLetterMax) {
            this(stream, group, consumer, batchSize, claimIdleMs, deleteAcked, deadLetterMax, 0);
        }

        public Settings(
                String stream, String group, String consumer, int batchSize, long claimIdleMs, boolean deleteAcked) {
            this(stream, group, consumer, batchSize, claimIdleMs, deleteAcked, DEAD_LETTER_MAX, 0);
        }
    }

    private final UnifiedJedis redis;
    private final BatchWriter writer;
    private final EventCodec codec;
    private final IngestMetrics metrics;
    private final Settings settings;
    private final EventStream stream;
    private final Consumer<List<Event>> listener;
    private final Runnable probe;
    private final Thread thread;
    private final Linger linger;
    private final long slowBatchNanos = BatchPhases.slowNanos();
    private volatile boolean running;

    /**
     * A task event held back for a later batch (coalescing), the entry it came in, when it was read and when
     * its linger began ({@link Linger#since}).
     */
    private record Held(Event event, StreamEntry entry, long readNanos, long sinceNanos) {}

    /** {@code -Dmida.ingest.read=lessheld}: a batch reads the batch size less the events it holds (before). */
    static final String READ_PROPERTY = "mida.ingest.read";

    static final String LESS_HELD = "lessheld";

    /** Events held back, oldest first (ingest thread only). */
    private List<Held> held = List.of();
    /**
     * Whether the latest read filled the batch, or claimed entries another consumer left (ingest thread): more
     * entries wait, so the events read are held for the next batch, which starts at once ({@link Linger}).
     */
    private boolean backlog;
    /** The latest read's time when the stream was backlogged before it (ingest thread): the next batch's fetch. */
    private long fetchNanos;
    /** Events per entry in the latest read (ingest thread): how many entries a batch's first read asks for. */
    private double eventsPerEntry;
    /** Entries read, not acknowledged yet because some of their events are held: how many (ingest thread). */
    private Map<StreamEntryID, Integer> unfinished = Map.of();

    /**
     * The ingest of {@code settings.stream()} into the graph that {@code transport} reaches (the driver, or
     * the embedded Neo4j's in-process API), with these bounds on the keys made queryable ({@code
     * properties}) and this field registry; the health probe goes the same way.
     */
    public StreamIngestor(
            UnifiedJedis redis,
            IngestTransport transport,
            EventCodec codec,
            IngestMetrics metrics,
            Settings settings,
            Consumer<List<Event>> listener,
            NodeProperties properties,
            FieldRegistry fields) {
        this(
                redis,
                new BatchWriter(transport, codec, properties, fields),
                codec,
                metrics,
                settings,
                listener,
                transport::probe);
    }

    StreamIngestor(
            UnifiedJedis redis,
            BatchWriter writer,
            EventCodec codec,
            IngestMetrics metrics,
            Settings settings,
            Consumer<List<Event>> listener,
            Runnable probe) {
        this.redis = redis;
        this.writer = writer;
        this.codec = codec;
        this.metrics = metrics;
        metrics.countWriter(writer::replans, writer::skippedReads);
        this.settings = settings;
        this.stream = new EventStream(settings.stream());
        this.listener = listener;
        this.probe = probe;
        this.thread = new Thread(this::loop, "mida-ingest");
        this.linger = new Linger(settings.lingerMs());
    }

    /**
     * Plans every ingest statement, then starts the loop. Returns once the statements are planned, so a
     * server that reports healthy after this takes its first event in one batch (cold planning otherwise
     * takes seconds on the first batch).
     */
    public void start() {
        ensureGroup();
        try {
            long t0 = System.nanoTime();
            writer.warmUp();
            LOG.info(
                    "ingest statements planned in {} ms (transport: {})",
                    (System.nanoTime() - t0) / 1_000_000,
                    writer.transport().name());
        } catch (RuntimeException e) {
            LOG.warn("could not plan the ingest statements ahead: {}", e.getMessage());
        }
        running = true;
        thread.start();
        // the store's task and entity ids, so that batches read only the ids the store may hold (KnownIds);
        // every id is read until they are loaded
        var loader = new Thread(writer::loadKnownIds, "mida-known-ids");
        loader.setDaemon(true);
        loader.start();
        LOG.info(
                "ingesting stream {} as {}/{} (batch {})",
                settings.stream(),
                settings.group(),
                settings.consumer(),
                settings.batchSize());
    }

    public IngestMetrics metrics() {
        return metrics;
    }

    private void ensureGroup() {
        try {
            // from the start of the stream: events written before the first server start are ingested too
            redis.xgroupCreate(settings.stream(), settings.group(), new StreamEntryID(0, 0), true);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) throw e;
        }
    }

    private void loop() {
        boolean ownPendingDone = false;
        long lastClaim = 0;
        long backoff = 100;
        List<StreamEntry> inHand = List.of();
        while (running || !inHand.isEmpty() || !held.isEmpty()) {
            try {
                if (inHand.isEmpty()) {
                    if (!running) {
                        // stopping: what is held back is written now
                        process(List.of(), true);
                        break;
                    }
                    if (!ownPendingDone) {
                        inHand = read(new StreamEntryID(0, 0), false);
                        if (inHand.isEmpty()) ownPendingDone = true;
                        else LOG.info("re-reading {} entries left pending by this consumer", inHand.size());
                        continue;
                    }
                    if (System.currentTimeMillis() - lastClaim > CLAIM_EVERY_MS) {
                        lastClaim = System.currentTimeMillis();
                        inHand = claim();
                        if (!inHand.isEmpty()) continue;
                    }
                    boolean wasBacklogged = backlog;
                    long f0 = System.nanoTime();
                    inHand = read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, true);
                    fetchNanos = wasBacklogged && !inHand.isEmpty() ? System.nanoTime() - f0 : 0;
                    if (inHand.isEmpty()) {
                        // the stream is idle: held events whose linger is over are written alone
                        if (!held.isEmpty()) process(List.of(), false);
                        // Redis answered and nothing is held back: a pause (e.g. Redis was down) is over, even
                        // while no event comes (health said "paused" until the next one)
                        resumed();
                        continue;
                    }
                }
                process(inHand, !running);
                inHand = List.of();
                backoff = 100;
                resumed();
            } catch (RuntimeException e) {
                if (noGroup(e)) {
                    // the stream or its group is gone (a Redis restarted without its data): make them again
                    LOG.warn("consumer group {} missing ({}); creating it", settings.group(), e.getMessage());
                    try {
                        ensureGroup();
                        continue;
                    } catch (RuntimeException again) {
                        e = again;
                    }
                }
                StoreFaults.Kind kind = e instanceof StorageFault ? StoreFaults.Kind.STORAGE : StoreFaults.classify(e);
                if (kind == StoreFaults.Kind.STORAGE || kind == StoreFaults.Kind.UNSURE) {
                    paused(e, backoff);
                } else {
                    LOG.error("ingest batch failed; retrying in {} ms", backoff, e);
                }
                metrics.writeFailed();
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                if (!running && (!inHand.isEmpty() || !held.isEmpty()) && backoff >= MAX_BACKOFF_MS) {
                    LOG.warn(
                            "stopping with {} entries unacknowledged; they are re-read at next start",
                            inHand.size() + unfinished.size());
                    break;
                }
            }
        }
        LOG.info("ingest loop stopped");
    }

    private void paused(RuntimeException e, long backoff) {
        boolean first = metrics.pause() == null;
        String reason = describe(e);
        metrics.paused(reason);
        IngestMetrics.Pause p = metrics.pause();
        if (first) {
            LOG.warn("ingest paused, entries kept pending: the store cannot take writes ({})", reason);
        } else if (p.retries() % 60 == 0) {
            LOG.warn(
                    "ingest still paused after {} s and {} tries ({}); retrying every {} ms",
                    (System.currentTimeMillis() - p.since()) / 1000,
                    p.retries(),
                    reason,
                    backoff);
        }
    }

    private void resumed() {
        IngestMetrics.Pause p = metrics.resumed();
        if (p != null)
            LOG.info(
                    "ingest resumed after a pause of {} ms ({} tries); last error was: {}",
                    System.currentTimeMillis() - p.since(),
                    p.retries(),
                    p.reason());
    }

    /** The error's message and the root cause's, for health and logs. */
    static String describe(Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) root = root.getCause();
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (root != e) m += " (cause: " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        return m.length() > 1000 ? m.substring(0, 1000) + "…" : m;
    }

    private static boolean noGroup(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause())
            if (c instanceof JedisDataException
                    && c.getMessage() != null
                    && c.getMessage().startsWith("NOGROUP")) return true;
        return false;
    }

    /**
     * Reads up to a batch worth of entries: one blocking read, then more while they keep coming. The
     * batch stays near {@code batchSize} events: each further read asks for as many entries as the
     * events still missing would fill at the mean events-per-entry seen so far.
     */
    private List<StreamEntry> read(StreamEntryID from, boolean block) {
        var out = new ArrayList<StreamEntry>();
        // A batch reads about the batch size of new events; the ones held back from the batch before (at most
        // half a batch, holdBack) travel with it. Before (9th session), it read that many fewer: in a backlog a
        // held RUNNING then met its FINISHED only if that came within the batch size less the held events, and
        // a workload whose FINISHED follows its RUNNING by 1,000-5,000 events wrote 6 % of its tasks twice
        // (-Dmida.ingest.read=lessheld: as before). A held event mostly merges into its task's row with the
        // final event the read brings, so what the batch writes stays about a batch size of tasks.
        int batchSize = LESS_HELD.equals(System.getProperty(READ_PROPERTY))
                ? Math.max(1, settings.batchSize() - held.size())
                : Math.max(1, settings.batchSize());
        int maxPerRead = Math.max(1, Math.min(batchSize, 1000));
        // the first read asks for as many entries as the latest read's events per entry say fill the batch
        // (one entry before any: entries may carry arrays of many events); before, 64 entries, which made
        // batches of 6,400 events of 100-event entries whatever the batch size (500 gave 6,400 too)
        int countPerRead = eventsPerEntry <= 0
                ? 1
                : (int) Math.max(1, Math.min(maxPerRead, Math.floor(batchSize / eventsPerEntry)));
        boolean first = true;
        int events = 0;
        while (events < batchSize) {
            var params = XReadGroupParams.xReadGroupParams().count(countPerRead);
            if (first && block) params.block(blockMs());
            var res = redis.xreadGroup(settings.group(), settings.consumer(), params, Map.of(settings.stream(), from));
            first = false;
            if (res == null || res.isEmpty()) break;
            List<StreamEntry> got = res.get(0).getValue();
            if (got == null || got.isEmpty()) break;
            out.addAll(got);
            for (StreamEntry e : got) events += estimateEvents(e);
            if (got.size() < countPerRead) break;
            if (!from.equals(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)) {
                // pending re-read: continue after the last one we saw
                from = got.get(got.size() - 1).getID();
            }
            double perEntry = Math.max(1.0, (double) events / out.size());
            countPerRead = (int) Math.max(1, Math.min(maxPerRead, Math.ceil((batchSize - events) / perEntry)));
        }
        backlog = events >= batchSize;
        if (!out.isEmpty()) eventsPerEntry = (double) events / out.size();
        return out;
    }

    /** How long a read waits for new entries: less when a held event's linger ends sooner. */
    private int blockMs() {
        if (held.isEmpty()) return BLOCK_MS;
        long left = linger.dueInMillis(held.get(0).sinceNanos(), System.nanoTime(), held.size());
        return (int) Math.max(1, Math.min(BLOCK_MS, left + 1));
    }

    /** The number of events in an entry: top-level objects of a JSON array, else 1 (cheap scan). */
    static int estimateEvents(StreamEntry e) {
        String v = e.getFields() == null ? null : e.getFields().get(EventStream.FIELD);
        return countEvents(v);
    }

    static int countEvents(String v) {
        if (v == null) return 1;
        int i = 0;
        int len = v.length();
        while (i < len && Character.isWhitespace(v.charAt(i))) i++;
        if (i >= len || v.charAt(i) != '[') return 1;
        int n = 0;
        int depth = 0;
        boolean inString = false;
        for (; i < len; i++) {
            char c = v.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '[' || c == '{') {
                if (depth == 1 && c == '{') n++;
                depth++;
            } else if (c == ']' || c == '}') depth--;
        }
        return Math.max(1, Math.min(n, 100_000));
    }

    private List<StreamEntry> claim() {
        var res = redis.xautoclaim(
                settings.stream(),
                settings.group(),
                settings.consumer(),
                settings.claimIdleMs(),
                new StreamEntryID(0, 0),
                new XAutoClaimParams().count(Math.min(settings.batchSize(), 1000)));
        List<StreamEntry> got = res == null ? List.of() : res.getValue();
        if (got == null) return List.of();
        var live = new ArrayList<StreamEntry>();
        for (StreamEntry e : got) if (e != null) live.add(e);
        if (!live.isEmpty()) {
            backlog = true;
            metrics.claimed(live.size());
            LOG.info("claimed {} entries left pending by another consumer", live.size());
        }
        return live;
    }

    /**
     * Decodes the entries, writes their events with the held ones (holding back, when coalescing, the
     * non-final events of tasks whose final event has not come, unless {@code flush}), sends the refused
     * ones to the dead-letter stream and acknowledges every entry none of whose events is held any more.
     * Changes nothing of its state when it throws: the caller retries it with the same entries.
     */
    private void process(List<StreamEntry> entries, boolean flush) {
        long t0 = System.nanoTime();
        long t0Millis = System.currentTimeMillis();
        BatchPhases phases = writer.phases();
        phases.reset();
        phases.addNanos(BatchPhases.Phase.FETCH, fetchNanos);
        long fetched = fetchNanos;
        fetchNanos = 0;
        var events = new ArrayList<Event>();
        var dead = new ArrayList<DeadLetter>();
        var ids = new ArrayList<StreamEntryID>(entries.size());
        var sources = new java.util.IdentityHashMap<Event, StreamEntry>();
        var fresh = new ArrayList<Held>();
        for (Held h : held) sources.put(h.event(), h.entry());
        for (StreamEntry entry : entries) {
            // an entry of ours already in hand (its events held back), claimed again: nothing new
            if (unfinished.containsKey(entry.getID())) continue;
            ids.add(entry.getID());
            Map<String, String> fields = entry.getFields();
            if (fields == null || fields.isEmpty()) continue; // deleted while pending: nothing left to do
            String payload = fields.get(EventStream.FIELD);
            if (payload == null) {
                dead.add(deadLetter(entry, "entry has no \"" + EventStream.FIELD + "\" field", codec.toJson(fields)));
                continue;
            }
            EventCodec.Decoded d = codec.decode(payload);
            long since = linger.since(t0, t0Millis, entry.getID().getTime());
            for (Event e : d.events()) {
                sources.put(e, entry);
                fresh.add(new Held(e, entry, t0, since));
            }
            for (EventCodec.Rejection r : d.rejections()) dead.add(deadLetter(entry, r.reason(), r.raw()));
        }
        long t = phases.add(BatchPhases.Phase.DECODE, t0);
        var all = new ArrayList<Held>(held.size() + fresh.size());
        all.addAll(held);
        all.addAll(fresh);
        List<Held> keep = flush || settings.lingerMs() <= 0 ? List.of() : holdBack(all, t0);
        var kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<Event, Boolean>());
        for (Held h : keep) kept.add(h.event());
        for (Held h : all) if (!kept.contains(h.event())) events.add(h.event());
        // the entries that still carry a held event stay pending; every other one read so far is done
        var stillOpen = new java.util.HashMap<StreamEntryID, Integer>();
        for (Held h : keep) stillOpen.merge(h.entry().getID(), 1, Integer::sum);
        for (StreamEntryID id : unfinished.keySet()) ids.add(id);
        ids.removeIf(stillOpen::containsKey);
        var changed = new ArrayList<Event>();
        t = phases.add(BatchPhases.Phase.HOLD, t);
        // the writer adds read, plan, statements and commit
        List<Event> written = events.isEmpty() ? List.of() : writeIsolating(events, sources, dead, changed);
        // counted once committed, before the acknowledgement: who sees the stream drained sees them counted
        metrics.eventsWritten(written.size());
        t = System.nanoTime();
        if (!dead.isEmpty()) {
            // a pipeline holds a pooled connection until closed
            try (var pipe = redis.pipelined()) {
                for (DeadLetter d : dead) stream.appendDeadLetter(pipe, d, settings.deadLetterMax());
                pipe.sync();
            }
            metrics.deadLettered(dead.size());
            LOG.warn(
                    "{} events sent to {}; first reason: {}",
                    dead.size(),
                    stream.deadLetterName(),
                    dead.get(0).reason());
            t = phases.add(BatchPhases.Phase.DEAD_LETTERS, t);
        }
        if (!ids.isEmpty()) {
            var idArray = ids.toArray(new StreamEntryID[0]);
            try (var pipe = redis.pipelined()) {
                pipe.xack(settings.stream(), settings.group(), idArray);
                if (settings.deleteAcked()) pipe.xdel(settings.stream(), idArray);
                pipe.sync();
            }
            t = phases.add(BatchPhases.Phase.ACK, t);
        }
        held = keep;
        unfinished = stillOpen;
        int newly = 0;
        for (Held h : keep) if (h.readNanos() == t0) newly++;
        metrics.held(keep.size(), newly);
        metrics.entriesRead(entries.size());
        if (events.isEmpty() && ids.isEmpty()) return; // only held events, none due: no batch
        if (listener != null && !changed.isEmpty()) {
            try {
                listener.accept(changed);
            } catch (RuntimeException e) {
                LOG.warn("ingest listener failed", e);
            }
            phases.add(BatchPhases.Phase.LISTENER, t);
        }
        long took = System.nanoTime() - t0 + fetched;
        long[] split = phases.snapshot();
        metrics.observeBatch(took, events.size(), split);
        linger.observedBatch(took, events.size());
        if (took >= slowBatchNanos)
            LOG.info(
                    "slow ingest batch: {} ms for {} events ({} entries, {} held back): {}",
                    took / 1_000_000,
                    events.size(),
                    entries.size(),
                    keep.size(),
                    BatchPhases.describe(split));
    }

    /**
     * The events to hold back (coalescing): every event of a task none of whose events in hand is final,
     * while {@link Linger#holds} says so for the task's oldest event in hand (while its linger ends more than
     * half a batch from now; in the batch that read it always when the stream is backlogged); at most half a
     * batch, the youngest tasks first (the older ones are written).
     */
    private List<Held> holdBack(List<Held> all, long now) {
        var since = new java.util.LinkedHashMap<String, Long>();
        var firstRead = new java.util.HashMap<String, Long>();
        var done = new java.util.HashSet<String>();
        var count = new java.util.HashMap<String, Integer>();
        for (Held h : all) {
            if (!(h.event() instanceof TaskEvent t)) continue;
            since.merge(t.taskId(), h.sinceNanos(), Math::min);
            firstRead.merge(t.taskId(), h.readNanos(), Math::min);
            count.merge(t.taskId(), 1, Integer::sum);
            if (t.status() != null && t.status().terminal()) done.add(t.taskId());
        }
        var tasks = new ArrayList<String>();
        for (var e : since.entrySet())
            if (!done.contains(e.getKey())
                    && linger.holds(e.getValue(), now, firstRead.get(e.getKey()) == now, backlog, all.size()))
                tasks.add(e.getKey());
        int cap = Math.max(0, settings.batchSize() / 2);
        var hold = new java.util.HashSet<String>();
        int n = 0;
        for (int i = tasks.size() - 1; i >= 0; i--) {
            int c = count.get(tasks.get(i));
            if (n + c > cap) break;
            hold.add(tasks.get(i));
            n += c;
        }
        if (hold.isEmpty()) return List.of();
        var out = new ArrayList<Held>(n);
        for (Held h : all) if (h.event() instanceof TaskEvent t && hold.contains(t.taskId())) out.add(h);
        return out;
    }

    /**
     * Writes the events; when Neo4j refuses the batch for a reason that is not transient, {@link
     * Bisection} splits it to find the events it refuses, which are dead-lettered alone. Events the
     * ingest plan refuses (a task event naming another workflow than its task's) are dead-lettered with
     * the plan's reason. Returns the events written.
     */
    private List<Event> writeIsolating(
            List<Event> events, Map<Event, StreamEntry> sources, List<DeadLetter> dead, List<Event> changed) {
        var notApplied = new ArrayList<IngestPlan.Refusal>();
        Bisection.Outcome outcome = Bisection.write(
                events,
                part -> {
                    BatchWriter.Written w;
                    try {
                        w = writer.write(part);
                    } catch (RuntimeException e) {
                        if (!isStorageFault(e)) metrics.writeFailed();
                        throw e;
                    }
                    changed.addAll(w.changed());
                    notApplied.addAll(w.refused());
                    metrics.tasksWritten(w.tasksCreated(), w.tasksUpdated());
                },
                this::isStorageFault);
        if (!outcome.refused().isEmpty()) {
            // the store refused events even alone: make sure it is the events, not a sick store, before
            // any becomes a dead letter
            RuntimeException first = outcome.refused().get(0).reason();
            try {
                probe.run();
            } catch (RuntimeException sick) {
                sick.addSuppressed(first);
                throw new StorageFault(
                        "the graph store refused " + outcome.refused().size()
                                + " events and then failed a health probe (" + sick.getMessage() + ")",
                        sick);
            }
        }
        var skipped = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<Event, Boolean>());
        for (IngestPlan.Refusal r : notApplied) {
            skipped.add(r.event());
            dead.add(deadLetter(sources.get(r.event()), r.reason(), codec.encode(r.event())));
        }
        for (Bisection.Refusal r : outcome.refused()) {
            Event ev = r.event();
            String reason = r.reason().getMessage();
            LOG.warn("Neo4j refused {} {}: {}", ev.type(), ev.key(), reason);
            dead.add(deadLetter(sources.get(ev), "refused by the graph store: " + reason, codec.encode(ev)));
        }
        if (skipped.isEmpty()) return outcome.written();
        var written = new ArrayList<Event>(outcome.written().size());
        for (Event e : outcome.written()) if (!skipped.contains(e)) written.add(e);
        return written;
    }

    private static DeadLetter deadLetter(StreamEntry entry, String reason, String raw) {
        return DeadLetter.now(reason, entry.getID().toString(), raw);
    }

    /**
     * True when {@code e} means "the store cannot take writes now" rather than "the store refuses these
     * events": certain storage faults by their type or code ({@link StoreFaults}); for other Neo4j
     * errors the store is probed, and one that fails the probe is at fault.
     */
    boolean isStorageFault(Throwable e) {
        return switch (StoreFaults.classify(e)) {
            case STORAGE -> true;
            // the batch past the transaction memory limit: Bisection splits it (an event too big alone is refused)
            case CONTENT, TOO_BIG -> false;
            case UNSURE -> !healthy();
        };
    }

    private boolean healthy() {
        try {
            probe.run();
            return true;
        } catch (RuntimeException e) {
            LOG.debug("store probe failed", e);
            return false;
        }
    }

    /** The store failed while refusing events: pause, do not dead-letter. */
    static final class StorageFault extends RuntimeException {
        StorageFault(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops reading, finishes and acknowledges the batch in hand, then returns. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

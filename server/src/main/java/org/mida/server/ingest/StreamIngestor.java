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
import org.mida.server.fields.FieldRegistry;
import org.neo4j.driver.Driver;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;
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
 * to the dead-letter stream with the reason. {@link #close()} finishes the batch in hand. After each
 * batch is committed and acknowledged, the optional listener receives the merged state of the tasks
 * and workflows the batch created or changed (nothing for replays that changed nothing), on the ingest
 * thread: it must be quick and must not block.
 */
public final class StreamIngestor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamIngestor.class);
    private static final int BLOCK_MS = 100;
    private static final long CLAIM_EVERY_MS = 5_000;

    /** How the ingest loop talks to the stream. */
    public record Settings(
            String stream, String group, String consumer, int batchSize, long claimIdleMs, boolean deleteAcked) {}

    private final UnifiedJedis redis;
    private final BatchWriter writer;
    private final EventCodec codec;
    private final IngestMetrics metrics;
    private final Settings settings;
    private final EventStream stream;
    private final Consumer<List<Event>> listener;
    private final Thread thread;
    private volatile boolean running;

    /** The ingest of {@code settings.stream()} into the graph behind {@code driver}. */
    public StreamIngestor(
            UnifiedJedis redis,
            Driver driver,
            EventCodec codec,
            IngestMetrics metrics,
            Settings settings,
            Consumer<List<Event>> listener) {
        this(redis, new BatchWriter(driver, codec), codec, metrics, settings, listener);
    }

    /**
     * The ingest of {@code settings.stream()} into the graph behind {@code driver}, with these bounds on the
     * keys made queryable ({@code properties}) and this field registry.
     */
    public StreamIngestor(
            UnifiedJedis redis,
            Driver driver,
            EventCodec codec,
            IngestMetrics metrics,
            Settings settings,
            Consumer<List<Event>> listener,
            NodeProperties properties,
            FieldRegistry fields) {
        this(redis, new BatchWriter(driver, codec, properties, fields), codec, metrics, settings, listener);
    }

    StreamIngestor(
            UnifiedJedis redis,
            BatchWriter writer,
            EventCodec codec,
            IngestMetrics metrics,
            Settings settings,
            Consumer<List<Event>> listener) {
        this.redis = redis;
        this.writer = writer;
        this.codec = codec;
        this.metrics = metrics;
        this.settings = settings;
        this.stream = new EventStream(settings.stream());
        this.listener = listener;
        this.thread = new Thread(this::loop, "mida-ingest");
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
            LOG.info("ingest statements planned in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warn("could not plan the ingest statements ahead: {}", e.getMessage());
        }
        running = true;
        thread.start();
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
        while (running || !inHand.isEmpty()) {
            try {
                if (inHand.isEmpty()) {
                    if (!running) break;
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
                    inHand = read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, true);
                    if (inHand.isEmpty()) continue;
                }
                process(inHand);
                inHand = List.of();
                backoff = 100;
            } catch (RuntimeException e) {
                if (isTransient(e)) {
                    LOG.warn("ingest paused, backend unavailable ({}); retrying in {} ms", e.getMessage(), backoff);
                } else {
                    LOG.error("ingest batch failed; retrying in {} ms", backoff, e);
                }
                metrics.writeFailed();
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
                if (!running && !inHand.isEmpty() && backoff >= 5_000) {
                    LOG.warn("stopping with {} entries unacknowledged; they are re-read at next start", inHand.size());
                    break;
                }
            }
        }
        LOG.info("ingest loop stopped");
    }

    /**
     * Reads up to a batch worth of entries: one blocking read, then more while they keep coming. The
     * batch stays near {@code batchSize} events: each further read asks for as many entries as the
     * events still missing would fill at the mean events-per-entry seen so far.
     */
    private List<StreamEntry> read(StreamEntryID from, boolean block) {
        var out = new ArrayList<StreamEntry>();
        int maxPerRead = Math.max(1, Math.min(settings.batchSize(), 1000));
        // the first read is small: entries may carry arrays of many events
        int countPerRead = Math.min(maxPerRead, 64);
        boolean first = true;
        int events = 0;
        while (events < settings.batchSize()) {
            var params = XReadGroupParams.xReadGroupParams().count(countPerRead);
            if (first && block) params.block(BLOCK_MS);
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
            countPerRead =
                    (int) Math.max(1, Math.min(maxPerRead, Math.ceil((settings.batchSize() - events) / perEntry)));
        }
        return out;
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
            metrics.claimed(live.size());
            LOG.info("claimed {} entries left pending by another consumer", live.size());
        }
        return live;
    }

    private void process(List<StreamEntry> entries) {
        long t0 = System.nanoTime();
        var events = new ArrayList<Event>();
        var dead = new ArrayList<DeadLetter>();
        var ids = new ArrayList<StreamEntryID>(entries.size());
        var sources = new java.util.IdentityHashMap<Event, StreamEntry>();
        for (StreamEntry entry : entries) {
            ids.add(entry.getID());
            Map<String, String> fields = entry.getFields();
            if (fields == null || fields.isEmpty()) continue; // deleted while pending: nothing left to do
            String payload = fields.get(EventStream.FIELD);
            if (payload == null) {
                dead.add(deadLetter(entry, "entry has no \"" + EventStream.FIELD + "\" field", codec.toJson(fields)));
                continue;
            }
            EventCodec.Decoded d = codec.decode(payload);
            events.addAll(d.events());
            for (Event e : d.events()) sources.put(e, entry);
            for (EventCodec.Rejection r : d.rejections()) dead.add(deadLetter(entry, r.reason(), r.raw()));
        }
        var changed = new ArrayList<Event>();
        List<Event> written = writeIsolating(events, sources, dead, changed);
        if (!dead.isEmpty()) {
            // a pipeline holds a pooled connection until closed
            try (var pipe = redis.pipelined()) {
                for (DeadLetter d : dead) stream.appendDeadLetter(pipe, d);
                pipe.sync();
            }
            metrics.deadLettered(dead.size());
            LOG.warn(
                    "{} events sent to {}; first reason: {}",
                    dead.size(),
                    stream.deadLetterName(),
                    dead.get(0).reason());
        }
        var idArray = ids.toArray(new StreamEntryID[0]);
        try (var pipe = redis.pipelined()) {
            pipe.xack(settings.stream(), settings.group(), idArray);
            if (settings.deleteAcked()) pipe.xdel(settings.stream(), idArray);
            pipe.sync();
        }
        metrics.entriesRead(entries.size());
        metrics.eventsWritten(written.size());
        metrics.observeBatch(System.nanoTime() - t0);
        if (listener != null && !changed.isEmpty()) {
            try {
                listener.accept(changed);
            } catch (RuntimeException e) {
                LOG.warn("ingest listener failed", e);
            }
        }
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
                        if (!isTransient(e)) metrics.writeFailed();
                        throw e;
                    }
                    changed.addAll(w.changed());
                    notApplied.addAll(w.refused());
                    metrics.tasksWritten(w.tasksCreated(), w.tasksUpdated());
                },
                StreamIngestor::isTransient);
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

    static boolean isTransient(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ServiceUnavailableException
                    || c instanceof SessionExpiredException
                    || c instanceof TransientException
                    || c instanceof redis.clients.jedis.exceptions.JedisConnectionException) return true;
        }
        return false;
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

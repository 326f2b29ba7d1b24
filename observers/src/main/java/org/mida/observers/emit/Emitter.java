package org.mida.observers.emit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.args.RawableFactory;
import redis.clients.jedis.params.XAddParams;

/**
 * Sends events to the MIDA stream without ever making the caller wait on I/O. {@link #emit} only
 * appends to an in-memory queue; a daemon thread flushes by size or age, with one pipelined Redis
 * round trip per flush. The flush size follows the event rate ({@link FlushSizer}): rare events go
 * out at once, a high rate gets large batches.
 *
 * <p>When Redis is unreachable, buffered events are written to an append-only spill file (one JSON
 * array per line, forced to disk) and replayed, in order and before any newer event, once Redis
 * answers again. Spill files left by an earlier process in the same spill directory are replayed
 * at start. Memory is bounded by {@code maxBuffered}: above it the flusher spills to disk, and a
 * caller waits only if even the disk cannot keep up. Events are lost ({@code dropped}) only when
 * the spill file cannot be written (disk full), and that is logged at ERROR.
 *
 * <p>Thread-safe; one emitter per process is enough.
 *
 * <pre>{@code
 * try (Emitter emitter = EmitterConfig.builder().redisUri("redis://127.0.0.1:6379").start()) {
 *     emitter.emit(TaskEvent.builder("t1").status(Status.FINISHED).build());
 * } // close() sends everything still buffered (or spills it if Redis is down)
 * }</pre>
 */
public final class Emitter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);
    private static final int REPLAY_LINES_PER_ROUND_TRIP = 20;

    /**
     * Counters; {@code emitted = flushed + spilled + dropped + buffered} for this emitter's own events.
     * {@code coalesced} counts the {@linkplain #emitDeferred deferred} events that were {@linkplain
     * Deferred#withdraw() withdrawn} before they were sent (their content went out in a later event);
     * they are not in {@code emitted}, nor is a deferred event still waiting.
     * {@code rejected} counts the inputs an observer refused ({@link #reject}), {@code deadLettered} those
     * of them already written to the dead-letter stream.
     */
    public record Stats(
            long emitted,
            long flushed,
            long spilled,
            long replayed,
            long dropped,
            long buffered,
            boolean redisUp,
            long rejected,
            long deadLettered,
            long coalesced) {}

    /** Refused inputs waiting for Redis beyond this many are dropped (and counted, and logged). */
    static final int MAX_PENDING_LETTERS = 10_000;

    private final EmitterConfig config;
    private final EventStream stream;
    private final EventCodec codec = EventCodec.shared();
    /** Flusher thread only. */
    private final WireWriter wire;
    /** The stream's key and the entry's field as bytes: entries go to Redis as the bytes the writer made. */
    private final byte[] streamKey;

    private static final byte[] ENTRY_FIELD = EventStream.FIELD.getBytes(StandardCharsets.UTF_8);
    private static final XAddParams NEW_ENTRY = XAddParams.xAddParams(); // id "*"
    private static final Rawable NEW_ID = RawableFactory.from("*");
    private static final Rawable ENTRY_FIELD_ARG = RawableFactory.from(ENTRY_FIELD);

    /**
     * An entry's bytes as a command argument, not copied: Jedis' own {@code xadd(byte[]…)} copies every
     * value ({@code RawableFactory.Raw}), a second copy of each entry the flusher just made (≈ 37 % of
     * its allocation in issue 15 part 5's profile). The array is the emitter's own and never changes.
     */
    private record EntryBytes(byte[] getRaw) implements Rawable {}

    private final ConcurrentLinkedQueue<Event> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Deferred> deferred = new ConcurrentLinkedQueue<>();
    private final long lingerNanos;
    private final AtomicLong emitted = new AtomicLong();
    private final FlushSizer sizer;
    private final Thread flusher;
    private final String spillPrefix;

    // written by the flusher only, read by callers
    private volatile long drained;
    private volatile int flushSize = 1;
    private volatile boolean wakeRequested;
    private volatile boolean closed;
    private volatile boolean redisUp = true;
    private volatile long flushRequestedUpTo;

    private final LongAdder flushed = new LongAdder();
    private final LongAdder spilled = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final ConcurrentLinkedQueue<EventStream.DeadLetter> letters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingLetters = new AtomicInteger();

    // flusher-thread state
    private Jedis jedis;
    private SpillFile ownSpill;
    private final List<SpillFile> orphans = new ArrayList<>();
    private long lastFlushNanos = System.nanoTime();
    private long nextRetryNanos;
    private boolean loggedDown;

    private Emitter(EmitterConfig config) {
        this.config = config;
        this.stream = new EventStream(config.stream());
        this.streamKey = config.stream().getBytes(StandardCharsets.UTF_8);
        this.sizer = new FlushSizer(config.maxBatch(), config.maxAgeMillis());
        this.lingerNanos = config.lingerMillis() * 1_000_000L;
        this.wire = new WireWriter(config.compactTelemetry());
        this.spillPrefix = "mida-" + config.stream().replaceAll("[^A-Za-z0-9_.-]", "_");
        this.flusher = new Thread(this::run, "mida-emitter-flush");
        this.flusher.setDaemon(true);
    }

    /** Starts an emitter; it finds and queues for replay the spill files left in the spill dir. */
    public static Emitter start(EmitterConfig config) {
        var e = new Emitter(Objects.requireNonNull(config));
        e.claimOrphans();
        e.flusher.start();
        LOG.info("Emitter started: {}", config);
        return e;
    }

    public EmitterConfig config() {
        return config;
    }

    /**
     * Queues an event and returns at once (no I/O, no lock). Waits only when {@code maxBuffered}
     * events are queued and the flusher cannot even spill them to disk fast enough.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void emit(Event event) {
        if (closed) throw new IllegalStateException("emitter is closed");
        queue.offer(Objects.requireNonNull(event, "event"));
        long n = emitted.incrementAndGet() - drained;
        if (n >= flushSize && !wakeRequested) {
            wakeRequested = true;
            LockSupport.unpark(flusher);
        }
        if (n > config.maxBuffered()) awaitRoom();
    }

    /**
     * Queues an event that a later event may still replace: it waits up to {@code lingerMillis}
     * ({@link EmitterConfig#lingerMillis()}) before it joins the buffer, and {@link Deferred#withdraw()}
     * takes it back while it waits. Meant for a task's RUNNING event: a task that ends within the linger
     * withdraws it and sends one final event that also carries what the RUNNING event said (the server
     * merges a task's events per field, whatever their number and order). {@link #flush} and {@link
     * #close} send waiting deferred events first. Returns at once (no I/O, no lock).
     *
     * <pre>{@code
     * Emitter.Deferred running = emitter.emitDeferred(runningEvent);
     * ... // the task runs
     * if (running.withdraw()) emitter.emit(finishedEventWithStartFieldsToo);
     * else emitter.emit(finishedEvent);
     * }</pre>
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Deferred emitDeferred(Event event) {
        Objects.requireNonNull(event, "event");
        if (lingerNanos == 0) {
            emit(event);
            return Deferred.SENT;
        }
        return defer(event);
    }

    /**
     * {@link #emitDeferred(Event)} for an event that is only built if it is sent: {@code event} is called
     * at most once, by the flusher (or by {@link #flush}/{@link #close}) when the linger is over and
     * nobody {@linkplain Deferred#withdraw() withdrew} it — so a task that ends within the linger never
     * builds its RUNNING event at all (no event, no map copies on the task's thread). It must read only
     * values that no longer change. An event it cannot build (it throws, e.g. {@link
     * org.mida.event.InvalidEventException}) goes to the dead letters ({@link #reject}) with the reason.
     * With {@code lingerMillis} 0 it is called at once and the event emitted.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Deferred emitDeferred(Supplier<? extends Event> event) {
        Objects.requireNonNull(event, "event");
        if (lingerNanos == 0) {
            emit(Objects.requireNonNull(event.get(), "event"));
            return Deferred.SENT;
        }
        return defer(event);
    }

    private Deferred defer(Object eventOrSupplier) {
        if (closed) throw new IllegalStateException("emitter is closed");
        var d = new Deferred(eventOrSupplier, System.nanoTime(), coalesced);
        deferred.offer(d);
        if (closed) releaseDeferred(Long.MAX_VALUE); // raced with close(): do not leave it behind
        return d;
    }

    /** An event queued by {@link #emitDeferred}; thread-safe. Holds the event, or the supplier of it. */
    public static final class Deferred extends AtomicReference<Object> {
        static final Deferred SENT = new Deferred(null, 0, null);

        private final long queuedNanos;
        private final LongAdder withdrawn;

        Deferred(Object event, long queuedNanos, LongAdder withdrawn) {
            super(event);
            this.queuedNanos = queuedNanos;
            this.withdrawn = withdrawn;
        }

        /**
         * Takes the event back if it has not joined the buffer yet; then it is never sent, and the
         * caller sends its content in a later event. False when it is already on its way (or sent).
         */
        public boolean withdraw() {
            if (get() == null || getAndSet(null) == null) return false;
            withdrawn.increment();
            return true;
        }

        Object take() {
            return getAndSet(null);
        }
    }

    /** Moves deferred events queued at or before {@code before} (System.nanoTime) into the buffer. */
    private void releaseDeferred(long before) {
        Deferred d;
        while ((d = deferred.peek()) != null && (before == Long.MAX_VALUE || before - d.queuedNanos >= 0)) {
            if (deferred.remove(d)) {
                Event e = build(d.take());
                if (e != null) {
                    queue.offer(e);
                    emitted.incrementAndGet();
                }
            }
        }
    }

    /** The deferred event, built now if it was given as a supplier; null (and a dead letter) if that fails. */
    private Event build(Object eventOrSupplier) {
        if (eventOrSupplier == null || eventOrSupplier instanceof Event) return (Event) eventOrSupplier;
        @SuppressWarnings("unchecked")
        var supplier = (Supplier<? extends Event>) eventOrSupplier;
        try {
            return Objects.requireNonNull(supplier.get(), "the deferred event's supplier returned null");
        } catch (RuntimeException e) {
            reject(
                    "a deferred event could not be built: " + e.getMessage(),
                    "emitter:" + config.stream(),
                    e.toString());
            return null;
        }
    }

    /**
     * Records an input the observer refused (a message it cannot map, a malformed line…): it goes to the
     * dead-letter stream ({@code <stream>:dead}) with {@code reason}, {@code source} (where it came from,
     * e.g. {@code flowcept:interception} or {@code file:///runs/a.log#L17}) and the original text, so it
     * can be inspected and replayed; it is counted in {@link Stats#rejected()}. Returns at once (no I/O);
     * the flusher writes it when Redis is reachable. Up to {@value #MAX_PENDING_LETTERS} wait in memory
     * while Redis is away; beyond that (and at {@link #close()} with Redis still away) they are counted as
     * dropped and logged with their reason.
     */
    public void reject(String reason, String source, String raw) {
        rejected.increment();
        var letter = EventStream.DeadLetter.now(Objects.requireNonNull(reason, "reason"), source, raw);
        if (pendingLetters.incrementAndGet() > MAX_PENDING_LETTERS) {
            pendingLetters.decrementAndGet();
            dropped.increment();
            LOG.error("REFUSED INPUT LOST (dead-letter buffer full, Redis unreachable): {} from {}", reason, source);
            return;
        }
        letters.offer(letter);
        if (!wakeRequested) {
            wakeRequested = true;
            LockSupport.unpark(flusher);
        }
    }

    /** Emits each event in order. */
    public void emitAll(Iterable<? extends Event> events) {
        for (Event e : events) emit(e);
    }

    private void awaitRoom() {
        while (emitted.get() - drained > config.maxBuffered() && flusher.isAlive()) {
            LockSupport.unpark(flusher);
            LockSupport.parkNanos(100_000);
        }
    }

    /**
     * Sends (or spills) everything emitted before this call, waiting at most {@code timeout}.
     *
     * @return true when all of it left the buffer in time
     */
    public boolean flush(Duration timeout) {
        releaseDeferred(Long.MAX_VALUE);
        long target = emitted.get();
        if (target > flushRequestedUpTo) flushRequestedUpTo = target;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (drained < target || (redisUp && !letters.isEmpty())) {
            if (System.nanoTime() - deadline > 0 || !flusher.isAlive()) return drained >= target;
            LockSupport.unpark(flusher);
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    public Stats stats() {
        long e = emitted.get();
        return new Stats(
                e,
                flushed.sum(),
                spilled.sum(),
                replayed.sum(),
                dropped.sum(),
                Math.max(0, e - drained),
                redisUp,
                rejected.sum(),
                deadLettered.sum(),
                coalesced.sum());
    }

    /** The dynamic flush size in use now. */
    public int currentFlushSize() {
        return flushSize;
    }

    /**
     * Stops the flusher after it sent everything buffered and replayed the spill files; if Redis is
     * unreachable, what is left is spilled (and logged), to be replayed by the next emitter that
     * uses the same spill dir.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LockSupport.unpark(flusher);
        try {
            flusher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // an emit racing with close may have slipped in after the flusher's last pass
        if (!queue.isEmpty() || !deferred.isEmpty()) finalPass();
        closeQuietly();
        Stats s = stats();
        LOG.info(
                "Emitter closed: emitted {}, flushed {}, spilled {}, replayed {}, dropped {}",
                s.emitted(),
                s.flushed(),
                s.spilled(),
                s.replayed(),
                s.dropped());
    }

    // ---------------------------------------------------------------- flusher thread

    private void run() {
        long maxAge = config.maxAgeMillis() * 1_000_000L;
        long tick = Math.max(1_000_000L, maxAge / 4);
        try {
            while (!closed) {
                wakeRequested = false;
                long now = System.nanoTime();
                if (!deferred.isEmpty()) releaseDeferred(now - lingerNanos);
                sizer.sample(emitted.get(), now);
                flushSize = sizer.batchSize();
                if (!redisUp && now - nextRetryNanos >= 0) tryReconnect();
                if (redisUp && hasSpillPending()) replaySpills();
                if (redisUp && !letters.isEmpty()) sendLetters();
                long buffered = emitted.get() - drained;
                boolean due = buffered >= flushSize
                        || (buffered > 0 && now - lastFlushNanos >= maxAge)
                        || flushRequestedUpTo > drained;
                if (!redisUp && buffered > 0) {
                    spillAll(); // nothing waits in memory while Redis is away
                } else if (due) {
                    flushOnce();
                    if (emitted.get() - drained >= config.maxBuffered()) spillOverflow();
                    if (emitted.get() - drained >= flushSize) continue; // more is waiting
                }
                if (!wakeRequested) LockSupport.parkNanos(this, tick);
            }
            finalPass();
        } catch (Throwable t) {
            LOG.error("Emitter flusher died; events emitted from now on will wait in memory", t);
        }
    }

    private void finalPass() {
        releaseDeferred(Long.MAX_VALUE);
        if (!redisUp) tryReconnect();
        if (redisUp && hasSpillPending()) replaySpills();
        while (emitted.get() - drained > 0 || !queue.isEmpty()) {
            if (redisUp && !hasSpillPending()) flushOnce();
            else spillAll();
        }
        if (redisUp && !letters.isEmpty()) sendLetters();
        if (!letters.isEmpty()) {
            int lost = 0;
            EventStream.DeadLetter l;
            while ((l = letters.poll()) != null) {
                lost++;
                LOG.error("REFUSED INPUT LOST (Redis unreachable at close): {} from {}", l.reason(), l.sourceId());
            }
            dropped.add(lost);
        }
        if (!redisUp && ownSpill != null) {
            LOG.warn(
                    "Redis at {} unreachable at close: {} events are in {}; the next emitter using {} replays them",
                    config.redisUriForLogs(),
                    spilled.sum() - replayed.sum(),
                    ownSpill.path(),
                    config.spillDir());
        }
    }

    /** Sends up to maxBatch events in one pipeline; on failure spills them (order kept). */
    private void flushOnce() {
        List<Event> batch = drain(config.maxBatch());
        if (batch.isEmpty()) return;
        lastFlushNanos = System.nanoTime();
        List<byte[]> entries = encode(batch);
        if (redisUp && !hasSpillPending()) {
            try {
                send(entries);
                flushed.add(batch.size());
                drained += batch.size();
                return;
            } catch (RuntimeException e) {
                markDown(e);
            }
        }
        spill(entries, batch.size());
        drained += batch.size();
    }

    private void spillAll() {
        while (true) {
            List<Event> batch = drain(config.maxBatch());
            if (batch.isEmpty()) return;
            spill(encode(batch), batch.size());
            drained += batch.size();
        }
    }

    /** Keeps memory bounded when callers outrun Redis: moves the oldest half of the buffer to disk. */
    private void spillOverflow() {
        long target = config.maxBuffered() / 2;
        LOG.warn("Emitter buffer full ({} events); spilling to disk to keep up", emitted.get() - drained);
        while (emitted.get() - drained > target) {
            List<Event> batch = drain(config.maxBatch());
            if (batch.isEmpty()) return;
            spill(encode(batch), batch.size());
            drained += batch.size();
        }
    }

    private List<Event> drain(int max) {
        var out = new ArrayList<Event>(Math.min(max, 1024));
        Event e;
        while (out.size() < max && (e = queue.poll()) != null) out.add(e);
        return out;
    }

    /** The stream entries of a batch, as the UTF-8 bytes Redis gets (no {@code String} in between). */
    private List<byte[]> encode(List<Event> batch) {
        int per = config.eventsPerEntry();
        var entries = new ArrayList<byte[]>(batch.size() / per + 1);
        for (int i = 0; i < batch.size(); i += per) {
            List<Event> part = batch.subList(i, Math.min(batch.size(), i + per));
            try {
                entries.add(wire.arrayBytes(part));
            } catch (IOException | RuntimeException e) {
                entries.add(encodeOneByOne(part).getBytes(StandardCharsets.UTF_8));
            }
        }
        return entries;
    }

    private static boolean emptyArray(byte[] entry) {
        return entry.length == 2 && entry[0] == '[' && entry[1] == ']';
    }

    /** A part that failed to serialise: keeps the good events, drops (and counts) the bad ones. */
    private String encodeOneByOne(List<Event> part) {
        var good = new ArrayList<Event>();
        for (Event ev : part) {
            try {
                codec.encode(ev);
                good.add(ev);
            } catch (RuntimeException e) {
                dropped.increment();
                LOG.error("Dropping an event that cannot be serialised to JSON ({}): {}", ev.key(), e.toString());
            }
        }
        return good.isEmpty() ? "[]" : codec.encodeAll(good);
    }

    /** Writes the pending dead letters in one pipeline; on failure they stay queued for the next try. */
    private void sendLetters() {
        var batch = new ArrayList<EventStream.DeadLetter>();
        for (EventStream.DeadLetter l : letters) {
            batch.add(l);
            if (batch.size() >= config.maxBatch()) break;
        }
        try {
            Pipeline p = connection().pipelined();
            for (EventStream.DeadLetter l : batch) stream.appendDeadLetter(p, l);
            for (Object reply : p.syncAndReturnAll()) {
                if (reply instanceof RuntimeException e) throw e;
            }
        } catch (RuntimeException e) {
            markDown(e);
            return;
        }
        for (int i = 0; i < batch.size(); i++) letters.poll();
        pendingLetters.addAndGet(-batch.size());
        deadLettered.add(batch.size());
    }

    /** {@code XADD <stream> * event <entry>} per entry in one pipeline, as {@link EventStream#append} does. */
    private void send(List<byte[]> entries) {
        if (entries.size() == 1 && emptyArray(entries.get(0))) return;
        Jedis j = connection();
        Pipeline p = j.pipelined();
        for (byte[] entry : entries) {
            if (emptyArray(entry)) continue;
            if (WireWriter.SHORTCUTS) // the same XADD <stream> * event <entry>, the entry not copied
            p.sendCommand(new CommandArguments(Protocol.Command.XADD)
                    .key(streamKey)
                    .add(NEW_ID)
                    .add(ENTRY_FIELD_ARG)
                    .add(new EntryBytes(entry)));
            else p.xadd(streamKey, NEW_ENTRY, Map.of(ENTRY_FIELD, entry));
        }
        for (Object reply : p.syncAndReturnAll()) {
            if (reply instanceof RuntimeException e) throw e;
        }
    }

    private Jedis connection() {
        if (jedis == null) {
            jedis = new Jedis(config.redisUri(), config.timeoutMillis(), config.timeoutMillis());
        }
        return jedis;
    }

    private void markDown(RuntimeException e) {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
            jedis = null;
        }
        redisUp = false;
        nextRetryNanos = System.nanoTime() + config.retryMillis() * 1_000_000L;
        if (!loggedDown && authRefused(e)) {
            loggedDown = true;
            LOG.error(
                    "Redis at {} refused this emitter's credentials ({}): set MIDA_REDIS_URI to"
                            + " redis://:PASSWORD@host:port (the embedded server keeps its password in"
                            + " <MIDA_DATA_DIR>/redis/password). Events are spilled to {} meanwhile, none lost",
                    config.redisUriForLogs(),
                    e.getMessage(),
                    config.spillDir());
        } else if (!loggedDown) {
            loggedDown = true;
            LOG.warn(
                    "Redis at {} unreachable ({}); spilling events to {} until it is back",
                    config.redisUriForLogs(),
                    e.toString(),
                    config.spillDir());
        }
    }

    /** NOAUTH (no password given) or WRONGPASS (a wrong one). */
    static boolean authRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof redis.clients.jedis.exceptions.JedisAccessControlException) return true;
            String m = String.valueOf(t.getMessage());
            if (m.startsWith("NOAUTH") || m.startsWith("WRONGPASS") || m.contains("invalid password")) return true;
        }
        return false;
    }

    private void tryReconnect() {
        try {
            connection().ping();
            redisUp = true;
            loggedDown = false;
            LOG.info("Redis at {} is back; replaying spilled events", config.redisUriForLogs());
        } catch (RuntimeException e) {
            redisUp = true; // so markDown logs nothing new
            loggedDown = true;
            markDown(e);
        }
    }

    // ---------------------------------------------------------------- spill files

    private void spill(List<byte[]> entries, int events) {
        try {
            if (ownSpill == null) ownSpill = SpillFile.create(config.spillDir(), spillPrefix);
            ownSpill.appendBytes(entries);
            spilled.add(events);
        } catch (IOException | RuntimeException e) {
            dropped.add(events);
            LOG.error(
                    "EVENTS LOST: cannot write {} events to the spill file in {} (disk full?) while Redis at {} is"
                            + " unreachable: {}",
                    events,
                    config.spillDir(),
                    config.redisUriForLogs(),
                    e.toString());
        }
    }

    private void claimOrphans() {
        try {
            for (Path p : SpillFile.list(config.spillDir())) {
                if (!p.getFileName().toString().startsWith(spillPrefix + "-")) continue;
                SpillFile.claim(p).ifPresent(orphans::add);
            }
            if (!orphans.isEmpty())
                LOG.info(
                        "Found {} spill file(s) from an earlier run in {}; replaying them first",
                        orphans.size(),
                        config.spillDir());
        } catch (IOException e) {
            LOG.warn("Cannot look for spill files in {}: {}", config.spillDir(), e.toString());
        }
    }

    private boolean hasSpillPending() {
        try {
            return !orphans.isEmpty() || (ownSpill != null && ownSpill.hasPending());
        } catch (IOException e) {
            LOG.error("Cannot read spill file {}: {}", ownSpill.path(), e.toString());
            return false;
        }
    }

    /** Replays orphans oldest first, then this emitter's own spill file; stops at the first failure. */
    private void replaySpills() {
        try {
            while (!orphans.isEmpty()) {
                SpillFile f = orphans.get(0);
                if (!replay(f)) return;
                f.delete();
                orphans.remove(0);
                LOG.info("Replayed and removed spill file {}", f.path());
            }
            if (ownSpill != null && ownSpill.hasPending()) {
                if (!replay(ownSpill)) return;
                ownSpill.reset();
            }
        } catch (IOException e) {
            LOG.error("Cannot read spill files in {}: {}", config.spillDir(), e.toString());
        }
    }

    private boolean replay(SpillFile f) throws IOException {
        while (true) {
            List<SpillFile.Line> lines = f.next(REPLAY_LINES_PER_ROUND_TRIP);
            if (lines.isEmpty()) return true;
            var entries = new ArrayList<byte[]>(lines.size());
            int events = 0;
            for (SpillFile.Line l : lines) {
                if (l.events() == 0) {
                    if (!l.entry().isBlank())
                        LOG.warn("Skipping an unreadable line in spill file {} (torn write?)", f.path());
                    continue;
                }
                entries.add(l.entry().getBytes(StandardCharsets.UTF_8));
                events += l.events();
            }
            try {
                if (!entries.isEmpty()) send(entries);
            } catch (RuntimeException e) {
                markDown(e);
                return false;
            }
            replayed.add(events);
            f.advance(lines.get(lines.size() - 1).end());
        }
    }

    private void closeQuietly() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
            jedis = null;
        }
        try {
            if (ownSpill != null) {
                if (ownSpill.hasPending()) ownSpill.close();
                else ownSpill.delete();
            }
            for (SpillFile f : orphans) f.close();
        } catch (IOException e) {
            LOG.warn("Cannot close spill files: {}", e.toString());
        }
    }
}

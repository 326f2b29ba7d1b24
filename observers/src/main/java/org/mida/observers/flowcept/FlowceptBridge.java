package org.mida.observers.flowcept;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.InvalidEventException;
import org.mida.observers.controller.Observer;
import org.mida.observers.emit.Emitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * Forwards what Flowcept publishes on its Redis pub/sub channel into MIDA's stream, so existing
 * Flowcept users get the graph without changing anything. Flowcept's task and workflow messages
 * already use MIDA's field names: they are forwarded as they are (unknown fields kept).
 *
 * <ul>
 *   <li>{@code task} / {@code workflow} (or untyped messages Flowcept itself would type so) → events,
 *       handed to the {@link Emitter} (which batches them: a buffer flushed by size or age), after
 *       {@link FlowceptMapping} (scalar {@code used}/{@code generated} kept as {@code used.input} /
 *       {@code generated.result}, upstream Dask keys → {@code dependencies});
 *   <li>{@code flowcept_control} (Flowcept's consumer bookkeeping) → skipped, counted;
 *   <li>{@code agent}, {@code object} and other types → skipped, counted per type, logged once per
 *       type;
 *   <li>undecodable payloads and messages MIDA refuses (no {@code task_id}, a bad status…) →
 *       counted as rejected, logged (the first ones, then every 1000th), the last 20 kept for {@link
 *       #lastRejections()}, and, when started with an {@link Emitter}, sent to the dead-letter stream
 *       ({@link Emitter#reject}) with the reason, the source ({@code flowcept:<channel>}) and the
 *       message as JSON text (an undecodable payload as {@code {"payload_base64": …}}).
 * </ul>
 *
 * {@link #counters()} (sent in the observer's status reports): {@code received} (pub/sub payloads),
 * {@code forwarded}, {@code control}, {@code skipped}, {@code rejected}, {@code dependencies} (links
 * derived from Dask keys), {@code wrapped} (scalar/list values kept under {@code input}/{@code
 * result}), {@code reconnects}.
 *
 * A callback-style {@link Observer}: a daemon thread holds the subscription (reconnecting after
 * {@link FlowceptSettings#reconnectDelay()} when it drops; Redis pub/sub keeps nothing for absent
 * subscribers, so what is published while disconnected is missed) and calls {@link
 * #callback(Object)} with each payload.
 *
 * <pre>{@code
 * try (var bridge = new FlowceptBridge(FlowceptSettings.of("redis://127.0.0.1:6379"))) {
 *     bridge.start(emitter);
 *     bridge.awaitSubscribed(Duration.ofSeconds(5));
 *     ...
 * }
 * }</pre>
 */
public final class FlowceptBridge implements Observer {

    private static final Logger LOG = LoggerFactory.getLogger(FlowceptBridge.class);
    private static final int KEEP_REJECTIONS = 20;

    private final FlowceptSettings settings;
    private volatile Consumer<Event> sink;
    private volatile Emitter deadLetters; // null when started with a plain sink
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile Subscriber subscriber;
    private volatile Jedis connection;
    private volatile CountDownLatch subscribed = new CountDownLatch(1);

    private final LongAdder received = new LongAdder();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder control = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder dependencies = new LongAdder();
    private final LongAdder wrapped = new LongAdder();
    private final AtomicLong reconnects = new AtomicLong();
    private final Map<String, LongAdder> skipped = new ConcurrentHashMap<>();
    private final Deque<String> lastRejections = new ArrayDeque<>();

    /** Counters since start; {@code skipped} is per Flowcept message type. */
    public record Stats(
            long received, long forwarded, long control, long rejected, Map<String, Long> skipped, long reconnects) {}

    public FlowceptBridge(FlowceptSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return "flowcept";
    }

    public FlowceptSettings settings() {
        return settings;
    }

    /** Subscribes (in a daemon thread) and emits into {@code emitter}. */
    @Override
    public void start(Emitter emitter) {
        Objects.requireNonNull(emitter, "emitter");
        deadLetters = emitter;
        start(emitter::emit);
    }

    /** Like {@link #start(Emitter)} with any sink (tests, or a custom buffer). */
    public synchronized void start(Consumer<Event> sink) {
        if (thread != null) throw new IllegalStateException("already started");
        if (closed) throw new IllegalStateException("closed");
        this.sink = Objects.requireNonNull(sink, "sink");
        Thread t = new Thread(this::run, "mida-flowcept-bridge");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /**
     * Sets the sink without subscribing: payloads then come only through {@link #callback(Object)}
     * (e.g. replayed from a file, or received by another client).
     */
    public synchronized void attach(Consumer<Event> sink) {
        if (closed) throw new IllegalStateException("closed");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Like {@link #attach(Consumer)} into an emitter: refused messages then go to its dead-letter
     * stream too.
     */
    public synchronized void attach(Emitter emitter) {
        attach((Consumer<Event>) emitter::emit);
        deadLetters = emitter;
    }

    /** Waits until the channel subscription is active; true when it is. */
    public boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Handles one payload as published by Flowcept: a {@code byte[]} (msgpack or JSON), a {@code
     * String} (JSON) or an already decoded {@code Map}/{@code List}. Thread-safe.
     */
    @Override
    public void callback(Object change) {
        handle(change, "flowcept:" + settings.channel());
    }

    private void handle(Object change, String source) {
        Consumer<Event> out = sink;
        if (out == null) throw new IllegalStateException("start first");
        received.increment();
        List<Object> messages;
        try {
            if (change instanceof byte[] b) messages = FlowceptMessages.decode(b, settings.format());
            else if (change instanceof String s)
                messages = FlowceptMessages.decode(s.getBytes(StandardCharsets.UTF_8), FlowceptMessages.Format.JSON);
            else if (change instanceof List<?> l) messages = List.copyOf(l);
            else messages = java.util.Collections.singletonList(change);
        } catch (IllegalArgumentException e) {
            reject("undecodable Flowcept payload: " + e.getMessage(), source, rawOf(change));
            return;
        }
        for (Object m : messages) handleMessage(m, out, source);
    }

    private void handleMessage(Object message, Consumer<Event> out, String source) {
        FlowceptMessages.Kind kind = FlowceptMessages.kind(message);
        switch (kind) {
            case TASK, WORKFLOW -> {
                Event e;
                FlowceptMapping.Result r;
                try {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) message;
                    r = FlowceptMapping.map(m, kind == FlowceptMessages.Kind.TASK);
                    e = EventCodec.shared().decodeEvent(r.fields());
                } catch (InvalidEventException | ClassCastException ex) {
                    reject(
                            "Flowcept " + kind.name().toLowerCase(java.util.Locale.ROOT) + " message refused: "
                                    + ex.getMessage(),
                            source,
                            json(message));
                    return;
                }
                out.accept(e);
                forwarded.increment();
                if (r.dependenciesAdded() > 0) dependencies.add(r.dependenciesAdded());
                if (r.valuesWrapped() > 0) wrapped.add(r.valuesWrapped());
            }
            case CONTROL -> control.increment();
            case OTHER -> {
                String type = FlowceptMessages.typeName(message);
                LongAdder n = skipped.computeIfAbsent(type, k -> {
                    LOG.info("Flowcept bridge: skipping messages of type \"{}\" (no MIDA mapping)", k);
                    return new LongAdder();
                });
                n.increment();
            }
            case INVALID ->
                reject(
                        "not a Flowcept task or workflow message (no type, task_id, activity_id or workflow name)",
                        source,
                        json(message));
        }
    }

    private void reject(String reason, String source, String raw) {
        rejected.increment();
        long n = rejected.sum();
        if (n <= 10 || n % 1000 == 0)
            LOG.warn("Flowcept bridge: rejected message #{}: {}: {}", n, reason, abbreviate(raw));
        synchronized (lastRejections) {
            if (lastRejections.size() == KEEP_REJECTIONS) lastRejections.removeFirst();
            lastRejections.addLast(reason + ": " + abbreviate(raw));
        }
        Emitter dead = deadLetters;
        if (dead != null) {
            try {
                dead.reject(reason, source, raw);
            } catch (RuntimeException e) { // a closed emitter: the count and the log line stay
                LOG.debug("dead letter not sent", e);
            }
        }
    }

    /** The message as JSON text (what a dead letter carries); never throws. */
    private static String json(Object message) {
        try {
            return EventCodec.shared().toJson(message);
        } catch (RuntimeException e) {
            return String.valueOf(message);
        }
    }

    /** An undecodable payload as JSON text: a string as it is, bytes as UTF-8 text or base64. */
    private static String rawOf(Object change) {
        if (change instanceof String s) return s;
        if (change instanceof byte[] b) {
            var decoder = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
            try {
                return decoder.decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                return json(
                        Map.of("payload_base64", java.util.Base64.getEncoder().encodeToString(b)));
            }
        }
        return json(change);
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    /**
     * The bridge's counters for status reports: {@code received}, {@code forwarded}, {@code control},
     * {@code skipped} (all types), {@code rejected}, {@code dependencies}, {@code wrapped}, {@code
     * reconnects}.
     */
    @Override
    public Map<String, Long> counters() {
        var c = new java.util.LinkedHashMap<String, Long>();
        c.put("received", received.sum());
        c.put("forwarded", forwarded.sum());
        c.put("control", control.sum());
        c.put("skipped", skipped.values().stream().mapToLong(LongAdder::sum).sum());
        c.put("rejected", rejected.sum());
        c.put("dependencies", dependencies.sum());
        c.put("wrapped", wrapped.sum());
        c.put("reconnects", reconnects.get());
        return c;
    }

    public Stats stats() {
        var sk = new TreeMap<String, Long>();
        skipped.forEach((k, v) -> sk.put(k, v.sum()));
        return new Stats(received.sum(), forwarded.sum(), control.sum(), rejected.sum(), sk, reconnects.get());
    }

    /** The reasons of the last rejected messages, oldest first. */
    public List<String> lastRejections() {
        synchronized (lastRejections) {
            return List.copyOf(lastRejections);
        }
    }

    private final class Subscriber extends BinaryJedisPubSub {
        @Override
        public void onPMessage(byte[] pattern, byte[] channel, byte[] message) {
            deliver(channel, message);
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            deliver(channel, message);
        }

        @Override
        public void onPSubscribe(byte[] pattern, int count) {
            LOG.info("Flowcept bridge subscribed to {} on {}", settings.channel(), redacted());
            subscribed.countDown();
        }

        private void deliver(byte[] channel, byte[] message) {
            String source = "flowcept:" + new String(channel, StandardCharsets.UTF_8);
            try {
                handle(message, source);
            } catch (RuntimeException e) { // never let one message end the subscription
                reject("failed: " + e, source, rawOf(message));
            }
        }
    }

    private void run() {
        byte[] pattern = settings.channel().getBytes(StandardCharsets.UTF_8);
        while (!closed) {
            try (Jedis jedis = new Jedis(URI.create(settings.redisUri()))) {
                connection = jedis;
                Subscriber s = new Subscriber();
                subscriber = s;
                if (closed) break;
                jedis.psubscribe(s, pattern); // blocks until punsubscribe() or a connection error
            } catch (RuntimeException e) {
                if (closed) break;
                reconnects.incrementAndGet();
                if (subscribed.getCount() == 0) subscribed = new CountDownLatch(1);
                LOG.warn(
                        "Flowcept bridge: subscription to {} lost ({}); retrying in {}",
                        redacted(),
                        e.toString(),
                        settings.reconnectDelay());
                try {
                    Thread.sleep(settings.reconnectDelay().toMillis());
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        subscriber = null;
    }

    private String redacted() {
        return settings.redisUri().replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }

    /** Unsubscribes and stops the thread (what is already handed to the emitter stays there). */
    @Override
    public void close() {
        closed = true;
        Subscriber s = subscriber;
        if (s != null) {
            try {
                if (s.isSubscribed()) s.punsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("punsubscribe failed", e);
            }
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Jedis j = connection;
            if (t.isAlive() && j != null) {
                try {
                    j.disconnect(); // not subscribed yet, or unresponsive: end the blocking read
                } catch (RuntimeException e) {
                    LOG.debug("disconnect failed", e);
                }
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}

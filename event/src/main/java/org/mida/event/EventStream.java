package org.mida.event;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.commands.StreamCommands;
import redis.clients.jedis.commands.StreamPipelineCommands;
import redis.clients.jedis.commands.StringPipelineCommands;
import redis.clients.jedis.params.XAddParams;

/**
 * The one way to append to a MIDA stream, and the stream's entry layout: each entry has one field
 * {@value #FIELD} whose value is a JSON object or a JSON array of objects (a flushed buffer); refused
 * events go to {@code <stream>:dead} as {@link DeadLetter}s. Observers, the HTTP intake, the
 * OpenLineage and PROV importers all append through this class. Immutable and thread-safe; the Redis
 * connection or pipeline is the caller's.
 *
 * <pre>{@code
 * var stream = new EventStream("mida:events");
 * stream.append(jedis, EventCodec.shared().encodeAll(events));   // one XADD
 * try (var p = jedis.pipelined()) { for (String e : entries) stream.append(p, e); p.sync(); }
 * }</pre>
 */
public final class EventStream {

    /** The entry field holding the event JSON. */
    public static final String FIELD = "event";
    /** The stream observers write to unless told otherwise. */
    public static final String DEFAULT_NAME = "mida:events";
    /** Appended to a stream's name to name its dead-letter stream. */
    public static final String DEAD_SUFFIX = ":dead";
    /**
     * Appended to the dead-letter stream's name to name the counter of dead letters ever appended (an
     * integer key): with the replayed counter and the stream's length it tells how many the length bound
     * dropped.
     */
    public static final String ADDED_SUFFIX = ":added";
    /** Appended to the dead-letter stream's name to name the counter of dead letters replayed. */
    public static final String REPLAYED_SUFFIX = ":replayed";

    private final String name;

    public EventStream(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("the stream name must not be empty");
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** {@code <name>:dead}: where the server puts what it refuses, with the reason. */
    public String deadLetterName() {
        return name + DEAD_SUFFIX;
    }

    /** Appends one entry (a JSON object or array of events) and returns its id. */
    public StreamEntryID append(StreamCommands redis, String json) {
        return redis.xadd(name, StreamEntryID.NEW_ENTRY, entry(json));
    }

    /** Queues one entry on a pipeline; the id arrives when the caller syncs. */
    public Response<StreamEntryID> append(StreamPipelineCommands pipeline, String json) {
        return pipeline.xadd(name, StreamEntryID.NEW_ENTRY, entry(json));
    }

    /** Encodes the events as one array entry and appends it. */
    public StreamEntryID appendAll(StreamCommands redis, EventCodec codec, List<? extends Event> events) {
        return append(redis, codec.encodeAll(events));
    }

    /** Queues a dead letter on a pipeline (no length bound; see the other overload). */
    public Response<StreamEntryID> appendDeadLetter(StreamPipelineCommands pipeline, DeadLetter letter) {
        return pipeline.xadd(deadLetterName(), StreamEntryID.NEW_ENTRY, letter.fields(name));
    }

    /**
     * Queues a dead letter on a pipeline, keeping the dead-letter stream at about {@code maxLen} entries
     * ({@code XADD MAXLEN ~}: the oldest are dropped), and counts it in {@link #deadLettersAddedName()}.
     */
    public <P extends StreamPipelineCommands & StringPipelineCommands> Response<StreamEntryID> appendDeadLetter(
            P pipeline, DeadLetter letter, long maxLen) {
        pipeline.incr(deadLettersAddedName());
        return pipeline.xadd(
                deadLetterName(), XAddParams.xAddParams().maxLen(maxLen).approximateTrimming(), letter.fields(name));
    }

    /** The counter of dead letters appended with a length bound. */
    public String deadLettersAddedName() {
        return deadLetterName() + ADDED_SUFFIX;
    }

    /** The counter of dead letters moved back to the stream. */
    public String deadLettersReplayedName() {
        return deadLetterName() + REPLAYED_SUFFIX;
    }

    private static Map<String, String> entry(String json) {
        return Map.of(FIELD, Objects.requireNonNull(json, "json"));
    }

    /**
     * One refused entry or event: why, which stream entry it came from, when, and the original text.
     * On the dead-letter stream its fields are {@code reason}, {@code source_id}, {@code stream},
     * {@code at} (epoch seconds) and {@value #FIELD} (the text as received, so it can be replayed).
     */
    public record DeadLetter(String reason, String sourceId, double at, String raw) {
        public DeadLetter {
            Objects.requireNonNull(reason, "reason");
            raw = raw == null ? "" : raw;
        }

        /** A dead letter stamped now. */
        public static DeadLetter now(String reason, String sourceId, String raw) {
            return new DeadLetter(reason, sourceId, System.currentTimeMillis() / 1000.0, raw);
        }

        Map<String, String> fields(String stream) {
            var m = new LinkedHashMap<String, String>();
            m.put("reason", reason);
            if (sourceId != null) m.put("source_id", sourceId);
            m.put("stream", stream);
            m.put("at", String.valueOf(at));
            m.put(FIELD, raw);
            return m;
        }
    }
}

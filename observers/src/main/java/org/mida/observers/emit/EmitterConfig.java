package org.mida.observers.emit;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import org.mida.event.EventStream;

/**
 * Settings of an {@link Emitter}; build with {@link #builder()}, every setting has a default.
 *
 * <pre>{@code
 * EmitterConfig c = EmitterConfig.builder().redisUri("redis://127.0.0.1:6379")
 *         .maxBatch(2000).maxAgeMillis(100).spillDir(Path.of("/tmp/mida-spill")).build();
 * }</pre>
 *
 * @param redisUri where to send ({@code redis://[user:password@]host:port[/db]})
 * @param stream the stream key
 * @param maxBatch the most events one flush sends (the dynamic flush size stays at or below it)
 * @param maxAgeMillis the longest an event waits in the buffer before a flush, under normal load
 * @param spillDir where spill files go when Redis is unreachable (and are looked for at start)
 * @param maxBuffered the most events held in memory; above it the flusher spills to disk
 * @param eventsPerEntry how many events one stream entry (one JSON array) holds at most
 * @param timeoutMillis Redis connect and read timeout
 * @param retryMillis how often to try Redis again while it is unreachable
 */
public record EmitterConfig(
        URI redisUri,
        String stream,
        int maxBatch,
        long maxAgeMillis,
        Path spillDir,
        int maxBuffered,
        int eventsPerEntry,
        int timeoutMillis,
        long retryMillis) {

    public static final String DEFAULT_REDIS_URI = "redis://127.0.0.1:6379";
    public static final String DEFAULT_STREAM = EventStream.DEFAULT_NAME;
    public static final int DEFAULT_MAX_BATCH = 5_000;
    public static final long DEFAULT_MAX_AGE_MILLIS = 100;
    public static final int DEFAULT_MAX_BUFFERED = 200_000;
    public static final int DEFAULT_EVENTS_PER_ENTRY = 500;
    public static final int DEFAULT_TIMEOUT_MILLIS = 2_000;
    public static final long DEFAULT_RETRY_MILLIS = 1_000;

    public EmitterConfig {
        Objects.requireNonNull(redisUri, "redisUri");
        if (stream == null || stream.isBlank()) throw new IllegalArgumentException("stream must not be blank");
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        if (maxAgeMillis < 1) throw new IllegalArgumentException("maxAgeMillis must be >= 1, got " + maxAgeMillis);
        Objects.requireNonNull(spillDir, "spillDir");
        if (maxBuffered < maxBatch)
            throw new IllegalArgumentException(
                    "maxBuffered (" + maxBuffered + ") must be >= maxBatch (" + maxBatch + ")");
        if (eventsPerEntry < 1) throw new IllegalArgumentException("eventsPerEntry must be >= 1");
        if (timeoutMillis < 1) throw new IllegalArgumentException("timeoutMillis must be >= 1");
        if (retryMillis < 1) throw new IllegalArgumentException("retryMillis must be >= 1");
    }

    /** The defaults; spill files under {@code $MIDA_SPILL_DIR} or {@code ~/.mida/spill}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this config's settings. */
    public Builder toBuilder() {
        return new Builder()
                .redisUri(redisUri.toString()).stream(stream)
                        .maxBatch(maxBatch)
                        .maxAgeMillis(maxAgeMillis)
                        .spillDir(spillDir)
                        .maxBuffered(maxBuffered)
                        .eventsPerEntry(eventsPerEntry)
                        .timeoutMillis(timeoutMillis)
                        .retryMillis(retryMillis);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String redisUri = env("MIDA_REDIS_URI", DEFAULT_REDIS_URI);
        private String stream = env("MIDA_STREAM", DEFAULT_STREAM);
        private int maxBatch = DEFAULT_MAX_BATCH;
        private long maxAgeMillis = DEFAULT_MAX_AGE_MILLIS;
        private Path spillDir = Path.of(env(
                "MIDA_SPILL_DIR",
                Path.of(System.getProperty("user.home"), ".mida", "spill").toString()));
        private int maxBuffered = DEFAULT_MAX_BUFFERED;
        private int eventsPerEntry = DEFAULT_EVENTS_PER_ENTRY;
        private int timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
        private long retryMillis = DEFAULT_RETRY_MILLIS;

        private Builder() {}

        public Builder redisUri(String v) {
            redisUri = v;
            return this;
        }

        public Builder stream(String v) {
            stream = v;
            return this;
        }

        public Builder maxBatch(int v) {
            maxBatch = v;
            return this;
        }

        public Builder maxAgeMillis(long v) {
            maxAgeMillis = v;
            return this;
        }

        public Builder spillDir(Path v) {
            spillDir = v;
            return this;
        }

        public Builder maxBuffered(int v) {
            maxBuffered = v;
            return this;
        }

        public Builder eventsPerEntry(int v) {
            eventsPerEntry = v;
            return this;
        }

        public Builder timeoutMillis(int v) {
            timeoutMillis = v;
            return this;
        }

        public Builder retryMillis(long v) {
            retryMillis = v;
            return this;
        }

        public EmitterConfig build() {
            return new EmitterConfig(
                    URI.create(Objects.requireNonNull(redisUri, "redisUri")),
                    stream,
                    maxBatch,
                    maxAgeMillis,
                    spillDir,
                    maxBuffered,
                    eventsPerEntry,
                    timeoutMillis,
                    retryMillis);
        }

        /** Builds the config and starts an {@link Emitter} with it. */
        public Emitter start() {
            return Emitter.start(build());
        }

        private static String env(String name, String fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : v;
        }
    }

    @Override
    public String toString() {
        String u = redisUri.getUserInfo() == null
                ? redisUri.toString()
                : redisUri.toString().replace(redisUri.getRawUserInfo(), "***");
        return "EmitterConfig[redisUri=" + u + ", stream=" + stream + ", maxBatch=" + maxBatch + ", maxAgeMillis="
                + maxAgeMillis + ", spillDir=" + spillDir + ", maxBuffered=" + maxBuffered + ", eventsPerEntry="
                + eventsPerEntry + ", timeoutMillis=" + timeoutMillis + ", retryMillis=" + retryMillis + "]";
    }
}

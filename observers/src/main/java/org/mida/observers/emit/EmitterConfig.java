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
 * @param redisUri where to send ({@code redis://[user:password@]host:port[/db]}); by default {@link
 *     #defaultRedisUri}: {@code $MIDA_REDIS_URI}, else the embedded server's Redis with the password
 *     from its data dir
 * @param stream the stream key
 * @param maxBatch the most events one flush sends (the dynamic flush size stays at or below it)
 * @param maxAgeMillis the longest an event waits in the buffer before a flush, under normal load
 * @param spillDir where spill files go when Redis is unreachable (and are looked for at start)
 * @param maxBuffered the most events held in memory; above it the flusher spills to disk
 * @param eventsPerEntry how many events one stream entry (one JSON array) holds at most
 * @param timeoutMillis Redis connect and read timeout
 * @param retryMillis how often to try Redis again while it is unreachable
 * @param lingerMillis how long a {@linkplain Emitter#emitDeferred deferred} event (a task's RUNNING) waits
 *     for a later event to replace it before it joins the buffer; 0 sends it like any other
 * @param compactTelemetry a task event whose {@code telemetry_at_end} is the very snapshot of its {@code
 *     telemetry_at_start} sends it as {@code "=telemetry_at_start"}, and a {@code telemetry_at_start} that
 *     is the very snapshot an earlier event of the same stream entry carries in full as {@code "=[k]"} (the
 *     server reads them as those maps); off for a server older than these forms, which refuses such events
 *     to its dead letters. Default on; {@code
 *     MIDA_COMPACT_TELEMETRY=0} (or false, no, off) turns it off
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
        long retryMillis,
        long lingerMillis,
        boolean compactTelemetry) {

    public static final String DEFAULT_REDIS_URI = "redis://127.0.0.1:6379";
    /** The server's data dir when {@code MIDA_DATA_DIR} is unset (the server's default, relative to the cwd). */
    public static final String DEFAULT_DATA_DIR = "./mida-data";

    public static final String DEFAULT_STREAM = EventStream.DEFAULT_NAME;
    public static final int DEFAULT_MAX_BATCH = 5_000;
    public static final long DEFAULT_MAX_AGE_MILLIS = 100;
    public static final int DEFAULT_MAX_BUFFERED = 200_000;
    public static final int DEFAULT_EVENTS_PER_ENTRY = 500;
    public static final int DEFAULT_TIMEOUT_MILLIS = 2_000;
    public static final long DEFAULT_RETRY_MILLIS = 1_000;
    /**
     * A task that ends within this time after it started is sent as one event instead of two (RUNNING
     * then FINISHED); a longer one shows RUNNING this much later than it would have. Well under the
     * {@value #DEFAULT_MAX_AGE_MILLIS} ms an event may already wait in the buffer.
     */
    public static final long DEFAULT_LINGER_MILLIS = 20;

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
        if (lingerMillis < 0) throw new IllegalArgumentException("lingerMillis must be >= 0, got " + lingerMillis);
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
                        .retryMillis(retryMillis)
                        .lingerMillis(lingerMillis)
                        .compactTelemetry(compactTelemetry);
    }

    /**
     * The Redis URI when none is given: {@code $MIDA_REDIS_URI} if set; else, when the file {@code
     * $MIDA_DATA_DIR/redis/password} exists ({@code MIDA_DATA_DIR} defaults to {@code ./mida-data},
     * as for the server), the embedded Redis with that password, {@code
     * redis://:PASSWORD@127.0.0.1:$MIDA_REDIS_PORT} (port 6379 by default); else {@link
     * #DEFAULT_REDIS_URI}.
     */
    public static String defaultRedisUri(java.util.Map<String, String> env) {
        String uri = env.get("MIDA_REDIS_URI");
        if (uri != null && !uri.isBlank()) return uri.strip();
        String dataDir = env.getOrDefault("MIDA_DATA_DIR", "");
        Path file = Path.of(dataDir.isBlank() ? DEFAULT_DATA_DIR : dataDir.strip(), "redis", "password");
        String password;
        try {
            password = java.nio.file.Files.readString(file).strip();
        } catch (java.io.IOException | RuntimeException e) {
            return DEFAULT_REDIS_URI; // no embedded server here, or not readable by this user
        }
        if (password.isEmpty()) return DEFAULT_REDIS_URI;
        String port = env.getOrDefault("MIDA_REDIS_PORT", "");
        port = port.isBlank() ? "6379" : port.strip();
        return "redis://:" + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8)
                + "@127.0.0.1:" + port;
    }

    /** The Redis URI with its password (user info) replaced by {@code ***}: for logs and messages. */
    public String redisUriForLogs() {
        return redisUri.getRawUserInfo() == null
                ? redisUri.toString()
                : redisUri.toString().replace(redisUri.getRawUserInfo(), "***");
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String redisUri = defaultRedisUri(System.getenv());
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
        private long lingerMillis = DEFAULT_LINGER_MILLIS;
        private boolean compactTelemetry = !java.util.Set.of("0", "false", "no", "off")
                .contains(env("MIDA_COMPACT_TELEMETRY", "1").strip().toLowerCase(java.util.Locale.ROOT));

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

        public Builder lingerMillis(long v) {
            lingerMillis = v;
            return this;
        }

        public Builder compactTelemetry(boolean v) {
            compactTelemetry = v;
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
                    retryMillis,
                    lingerMillis,
                    compactTelemetry);
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
        return "EmitterConfig[redisUri=" + redisUriForLogs() + ", stream=" + stream + ", maxBatch=" + maxBatch
                + ", maxAgeMillis="
                + maxAgeMillis + ", spillDir=" + spillDir + ", maxBuffered=" + maxBuffered + ", eventsPerEntry="
                + eventsPerEntry + ", timeoutMillis=" + timeoutMillis + ", retryMillis=" + retryMillis
                + ", lingerMillis=" + lingerMillis + ", compactTelemetry=" + compactTelemetry + "]";
    }
}

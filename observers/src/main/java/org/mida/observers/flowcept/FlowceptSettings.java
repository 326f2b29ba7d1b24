package org.mida.observers.flowcept;

import java.time.Duration;
import java.util.Objects;

/**
 * Where Flowcept publishes and how to read it.
 *
 * @param redisUri the Redis Flowcept's MQ uses ({@code mq.host}/{@code mq.port} in its settings, or
 *     its {@code MQ_HOST}/{@code MQ_PORT}/{@code MQ_URI} environment variables), e.g. {@code
 *     redis://127.0.0.1:6379}; may carry a password ({@code redis://:pw@host:6379})
 * @param channel Flowcept's {@code mq.channel} ({@code MQ_CHANNEL}), default {@code interception};
 *     subscribed as a pattern, like Flowcept's own consumer does ({@code PSUBSCRIBE})
 * @param format payload format; Flowcept's default is msgpack, {@code AUTO} also takes JSON
 * @param reconnectDelay wait between reconnection attempts when the subscription drops
 */
public record FlowceptSettings(
        String redisUri, String channel, FlowceptMessages.Format format, Duration reconnectDelay) {

    public static final String DEFAULT_REDIS_URI = "redis://127.0.0.1:6379";
    public static final String DEFAULT_CHANNEL = "interception";

    public FlowceptSettings {
        if (redisUri == null || redisUri.isBlank()) redisUri = DEFAULT_REDIS_URI;
        if (channel == null || channel.isBlank()) channel = DEFAULT_CHANNEL;
        if (format == null) format = FlowceptMessages.Format.AUTO;
        if (reconnectDelay == null) reconnectDelay = Duration.ofSeconds(1);
    }

    /** Defaults: {@code redis://127.0.0.1:6379}, channel {@code interception}, auto format. */
    public static FlowceptSettings defaults() {
        return new FlowceptSettings(null, null, null, null);
    }

    public static FlowceptSettings of(String redisUri) {
        return new FlowceptSettings(Objects.requireNonNull(redisUri, "redisUri"), null, null, null);
    }

    public FlowceptSettings withChannel(String v) {
        return new FlowceptSettings(redisUri, v, format, reconnectDelay);
    }

    public FlowceptSettings withFormat(FlowceptMessages.Format v) {
        return new FlowceptSettings(redisUri, channel, v, reconnectDelay);
    }

    public FlowceptSettings withReconnectDelay(Duration v) {
        return new FlowceptSettings(redisUri, channel, format, v);
    }
}

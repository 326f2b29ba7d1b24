package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamConsumerInfo;

/** Consumer names of processes that never come back are removed once idle with nothing pending. */
@ExtendWith(Backends.class)
class ConsumersIT {
    private static final String STREAM = "consumers-it";
    private static final String GROUP = "g";

    @Test
    void idle_consumers_with_nothing_pending_are_removed_and_those_with_pending_entries_kept() throws Exception {
        Backends.reset();
        try (var redis = new JedisPooled(URI.create(Backends.redisUri()))) {
            redis.xgroupCreate(STREAM, GROUP, StreamEntryID.XGROUP_LAST_ENTRY, true);
            redis.xadd(STREAM, StreamEntryID.NEW_ENTRY, Map.of("event", "{}"));
            redis.xadd(STREAM, StreamEntryID.NEW_ENTRY, Map.of("event", "{}"));
            // "gone-with-work" read one entry and died before acknowledging it
            read(redis, "gone-with-work");
            // "gone-clean" read the other and acknowledged it
            var e = read(redis, "gone-clean");
            redis.xack(STREAM, GROUP, e);
            redis.xgroupCreateConsumer(STREAM, GROUP, "me");
            Thread.sleep(300);

            assertThat(Consumers.removeStale(redis, STREAM, GROUP, "me", 200)).containsExactly("gone-clean");
            assertThat(redis.xinfoConsumers2(STREAM, GROUP))
                    .extracting(StreamConsumerInfo::getName)
                    .containsExactlyInAnyOrder("gone-with-work", "me");
            // a consumer not idle long enough stays
            assertThat(Consumers.removeStale(redis, STREAM, GROUP, "other", 60_000))
                    .isEmpty();
            // no stream or no group: nothing to do, no error
            assertThat(Consumers.removeStale(redis, "no-such-stream", GROUP, "me", 0))
                    .isEmpty();
        }
    }

    private static StreamEntryID read(JedisPooled redis, String consumer) {
        var res = redis.xreadGroup(
                GROUP,
                consumer,
                XReadGroupParams.xReadGroupParams().count(1),
                Map.of(STREAM, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        return res == null || res.isEmpty() || res.get(0).getValue().isEmpty()
                ? null
                : res.get(0).getValue().get(0).getID();
    }
}

package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamConsumerInfo;

/**
 * Housekeeping of the consumer group's consumer names. Every server process reads as its own consumer
 * (by default {@code mida-<hostname>-<port>}, or {@code -<pid>} when the port is chosen at random, see
 * {@code Config}), so names of processes that never come back accumulate. Their pending entries are not
 * lost: every instance claims entries idle longer than {@code MIDA_CLAIM_IDLE_MS} ({@code XAUTOCLAIM}).
 * Once a consumer has no pending entry and has been idle a long time, its name is removed ({@code XGROUP
 * DELCONSUMER}, which would drop pending entries: only names with none, idle so long that they cannot be
 * in the middle of a read). A live consumer that is removed anyway is re-created by its next read.
 *
 * <pre>{@code
 * List<String> removed = Consumers.removeStale(redis, "mida:events", "mida-ingest", "mida-h1-8080", 3_600_000);
 * }</pre>
 */
public final class Consumers {
    private static final Logger LOG = LoggerFactory.getLogger(Consumers.class);

    /** How long a consumer with no pending entry stays before its name is removed, by default. */
    public static final long STALE_AFTER_MS = 3_600_000;

    private Consumers() {}

    /**
     * Removes the consumers of {@code group} other than {@code self} that have no pending entry and have
     * been idle at least {@code idleMs}; returns their names. Nothing when the stream or group is missing.
     */
    public static List<String> removeStale(UnifiedJedis redis, String stream, String group, String self, long idleMs) {
        var removed = new ArrayList<String>();
        List<StreamConsumerInfo> consumers;
        try {
            consumers = redis.xinfoConsumers2(stream, group);
        } catch (RuntimeException e) {
            LOG.debug("no consumers to look at on {}/{}: {}", stream, group, e.toString());
            return removed;
        }
        for (StreamConsumerInfo c : consumers) {
            if (c.getName().equals(self) || c.getPending() > 0 || c.getIdle() < idleMs) continue;
            redis.xgroupDelConsumer(stream, group, c.getName());
            removed.add(c.getName());
        }
        if (!removed.isEmpty())
            LOG.info("removed {} consumer names idle with nothing pending: {}", removed.size(), removed);
        return removed;
    }
}

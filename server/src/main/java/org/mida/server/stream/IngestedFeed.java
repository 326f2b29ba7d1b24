package org.mida.server.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.mida.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * What every server instance ingests, for every instance's SSE clients: the ingest hands each committed
 * batch to {@link #publish}, which feeds this instance's {@link TaskBroadcaster} directly and, when another
 * instance has live SSE clients, publishes the batch's payloads on the Redis channel {@code
 * <stream>:ingested} (one message per batch, with this instance's id; the same Redis and credentials as the
 * stream). Each instance subscribes to the channel only while it has SSE clients, and hands what other
 * instances published to its broadcaster; its own messages are skipped, so nothing is delivered twice.
 * Publishing never fails the ingest: an error is logged and the batch is not shown to other instances'
 * clients (SSE is a live view, the graph is the record). Thread-safe.
 *
 * <pre>{@code
 * var feed = new IngestedFeed(broadcaster, redis, redisUri, "mida:events", mapper);
 * feed.start();
 * Consumer<List<Event>> afterEachBatch = feed::publish; // what the ingest calls
 * }</pre>
 */
public final class IngestedFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestedFeed.class);
    /** How often the subscriber count of the channel and the local clients are looked at. */
    static final long CHECK_MS = 250;

    private final TaskBroadcaster broadcaster;
    private final UnifiedJedis redis;
    private final String redisUri;
    private final String channel;
    private final ObjectMapper mapper;
    private final String origin = UUID.randomUUID().toString();
    private final ScheduledExecutorService checks =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mida-feed-check"));
    private final Thread subscriber = daemon(this::subscribeLoop, "mida-feed-subscriber");
    private final Listener listener = new Listener();
    private volatile boolean subscribed;
    private volatile boolean othersListen;
    private volatile boolean closed;

    public IngestedFeed(
            TaskBroadcaster broadcaster, UnifiedJedis redis, String redisUri, String stream, ObjectMapper mapper) {
        this.broadcaster = broadcaster;
        this.redis = redis;
        this.redisUri = redisUri;
        this.channel = channel(stream);
        this.mapper = mapper;
    }

    /** The channel of a stream's ingests. */
    public static String channel(String stream) {
        return stream + ":ingested";
    }

    public IngestedFeed start() {
        checks.scheduleWithFixedDelay(this::check, 0, CHECK_MS, TimeUnit.MILLISECONDS);
        subscriber.start();
        return this;
    }

    /** The ingest hook: the merged state of what one committed batch created or changed. */
    public void publish(List<Event> changed) {
        broadcaster.publish(changed);
        if (!othersListen || changed.isEmpty()) return;
        try {
            ObjectNode message = mapper.createObjectNode().put("origin", origin);
            ArrayNode items = message.putArray("items");
            for (Event e : changed) {
                Payload p = TaskBroadcaster.payload(e);
                if (p != null) items.addObject().put("event", p.event()).set("data", mapper.valueToTree(p));
            }
            if (!items.isEmpty()) redis.publish(channel, mapper.writeValueAsString(message));
        } catch (Exception e) {
            LOG.warn("could not publish ingested tasks to other instances' live streams: {}", e.toString());
        }
    }

    /** Whether this instance receives other instances' ingests now (it has SSE clients and is subscribed). */
    public boolean receiving() {
        return subscribed;
    }

    /** Whether another instance's SSE clients receive this instance's ingests now. */
    public boolean othersListen() {
        return othersListen;
    }

    private void check() {
        try {
            if (subscribed && broadcaster.subscriberCount() == 0 && listener.isSubscribed()) listener.unsubscribe();
            // PUBSUB NUMSUB answers [channel, count]
            List<?> n = (List<?>) redis.sendCommand(Protocol.Command.PUBSUB, "NUMSUB", channel);
            long listeners = ((Long) n.get(1)) - (subscribed ? 1 : 0);
            othersListen = listeners > 0;
        } catch (Exception e) {
            LOG.debug("ingested feed check failed: {}", e.toString());
        }
    }

    private void subscribeLoop() {
        while (!closed) {
            if (broadcaster.subscriberCount() == 0) {
                sleep(CHECK_MS / 2);
                continue;
            }
            try (Jedis jedis = new Jedis(URI.create(redisUri))) {
                jedis.subscribe(listener, channel); // returns once unsubscribed
            } catch (Exception e) {
                if (!closed) {
                    LOG.warn("ingested feed subscription lost, retrying in 1 s: {}", e.toString());
                    sleep(1_000);
                }
            } finally {
                subscribed = false;
            }
        }
    }

    /** Hands other instances' payloads to the local broadcaster. */
    private final class Listener extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            subscribed = true;
        }

        @Override
        public void onMessage(String channel, String message) {
            try {
                JsonNode m = mapper.readTree(message);
                if (origin.equals(m.path("origin").asText())) return;
                var payloads = new ArrayList<Payload>();
                for (JsonNode item : m.path("items")) {
                    Class<? extends Payload> type = switch (item.path("event").asText()) {
                        case "task" -> Payload.Task.class;
                        case "workflow" -> Payload.Workflow.class;
                        default -> null;
                    };
                    if (type != null) payloads.add(mapper.treeToValue(item.get("data"), type));
                }
                broadcaster.publishPayloads(payloads);
            } catch (Exception e) {
                LOG.warn("unreadable message on {}: {}", channel, e.toString());
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        checks.shutdownNow();
        try {
            if (listener.isSubscribed()) listener.unsubscribe();
        } catch (Exception e) {
            LOG.debug("ingested feed unsubscribe failed: {}", e.toString());
        }
        subscriber.interrupt();
    }
}

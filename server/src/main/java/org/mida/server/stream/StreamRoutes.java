package org.mida.server.stream;

import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mida.server.http.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/stream}: Server-Sent Events of tasks (event {@code task}) and workflows (event
 * {@code workflow}) as the ingest commits them, each with the merged state as JSON and an increasing
 * {@code id}. Filters: {@code workflow_id} and {@code campaign_id} (each may be repeated:
 * {@code ?workflow_id=a&workflow_id=b} matches either), {@code events=task|workflow}. A
 * comment {@code : connected} opens the stream, a comment {@code : heartbeat} follows every 15 s of
 * silence, and an event {@code dropped} ({@code {"dropped":n}}) tells a client too slow to keep up how
 * many messages it missed. Each client is served by its own thread; a disconnected client is noticed
 * at the next write (event or heartbeat) and removed.
 */
public final class StreamRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);
    public static final int MAX_SUBSCRIBERS = 100;

    private final TaskBroadcaster broadcaster;
    private final long heartbeatMillis;

    public StreamRoutes(TaskBroadcaster broadcaster, long heartbeatMillis) {
        this.broadcaster = broadcaster;
        this.heartbeatMillis = heartbeatMillis;
    }

    public void stream(Context ctx) throws Exception {
        Set<String> workflows = values(ctx, "workflow_id");
        Set<String> campaigns = values(ctx, "campaign_id");
        Set<String> kinds = values(ctx, "events");
        for (String k : kinds)
            if (!k.equals("task") && !k.equals("workflow"))
                throw ApiException.badRequest("query parameter 'events' takes task and/or workflow, got '" + k + "'");
        if (broadcaster.subscriberCount() >= MAX_SUBSCRIBERS)
            throw new ApiException(
                    503,
                    "Service Unavailable",
                    "too many live streams (" + MAX_SUBSCRIBERS + "); close one or poll the REST listings");
        new SseHandler(client -> serve(client, workflows, campaigns, kinds)).handle(ctx);
    }

    private void serve(SseClient client, Set<String> workflows, Set<String> campaigns, Set<String> kinds) {
        TaskBroadcaster.Subscriber sub = broadcaster.subscribe(workflows, campaigns, kinds);
        LOG.debug("stream subscriber added ({} live) with {}", broadcaster.subscriberCount(), sub.filters());
        try {
            client.sendComment("connected");
            while (!client.terminated() && !sub.closed()) {
                TaskBroadcaster.Message m = sub.next(heartbeatMillis, TimeUnit.MILLISECONDS);
                long dropped = sub.takeDropped();
                if (dropped > 0) client.sendEvent("dropped", "{\"dropped\":" + dropped + "}");
                if (m != null) client.sendEvent(m.name(), m.data(), Long.toString(m.id()));
                else if (dropped == 0) client.sendComment("heartbeat");
            }
        } catch (RuntimeException e) {
            LOG.debug("stream subscriber failed: {}", e.toString());
        } finally {
            sub.close();
            client.close();
            LOG.debug("stream subscriber removed ({} live)", broadcaster.subscriberCount());
        }
    }

    private static Set<String> values(Context ctx, String name) {
        var out = new LinkedHashSet<String>();
        for (String v : ctx.queryParams(name))
            if (v != null && !v.isEmpty()) out.add(name.equals("events") ? v.toLowerCase(Locale.ROOT) : v);
        return out;
    }
}

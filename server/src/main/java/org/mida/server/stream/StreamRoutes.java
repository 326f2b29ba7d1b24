package org.mida.server.stream;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/stream}: Server-Sent Events of tasks (event {@code task}) and workflows (event
 * {@code workflow}) as the ingest commits them, each with the merged state as JSON and an increasing
 * {@code id}. Filters: {@code workflow_id} and {@code campaign_id} (each may be repeated:
 * {@code ?workflow_id=a&workflow_id=b} matches either), {@code events=task|workflow}. A
 * comment {@code : connected} opens the stream, a comment {@code : heartbeat} follows every 15 s of
 * silence, and an event {@code dropped} ({@code {"dropped":n}}) tells a client too slow to keep up how
 * many messages it missed. Each client is served on its own request thread, synchronously: a
 * disconnected client is noticed at a write, so between events an empty comment line ({@code :}) probes
 * the connection every {@link #PROBE_MS} ms; a client that left frees its slot (of {@link
 * #MAX_SUBSCRIBERS}) within about two probes (the first write after the peer closed is still accepted
 * by the kernel, the next one fails). (Not Javalin's
 * {@code SseHandler}: it serves on an async context, and when the client had gone, completing that
 * context after Jetty recycled the request set off an endless chain of exceptions in the error
 * handling — hundreds of thousands of stack traces a minute.)
 *
 * <pre>{@code
 * var stream = new StreamRoutes(broadcaster, 15_000); // a heartbeat after 15 s of silence
 * config.routes.get("/api/stream", stream::stream);
 * }</pre>
 */
public final class StreamRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);
    static final int MAX_SUBSCRIBERS = 100;
    /** How often an idle stream is probed with an empty comment line, to notice a client that left. */
    static final long PROBE_MS = 400;

    /** The data of event {@code dropped}: how many messages a client too slow to keep up missed. */
    record Dropped(long dropped) {}

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
                throw ApiException.badParameter(
                        "events", "query parameter 'events' takes task and/or workflow, got '" + k + "'");
        if (broadcaster.subscriberCount() >= MAX_SUBSCRIBERS)
            throw new ApiException(
                    ProblemType.UNAVAILABLE,
                    "too many live streams (" + MAX_SUBSCRIBERS + "); close one or poll the REST listings");
        ctx.status(200);
        var res = ctx.res();
        res.setCharacterEncoding("UTF-8");
        res.setContentType("text/event-stream");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        serve(res.getOutputStream(), workflows, campaigns, kinds);
    }

    private void serve(OutputStream out, Set<String> workflows, Set<String> campaigns, Set<String> kinds) {
        TaskBroadcaster.Subscriber sub = broadcaster.subscribe(workflows, campaigns, kinds);
        LOG.debug("stream subscriber added ({} live) with {}", broadcaster.subscriberCount(), sub.filters());
        try {
            write(out, ": connected\n\n");
            long lastWrite = System.nanoTime();
            while (!sub.closed()) {
                long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWrite);
                long wait = Math.max(1, Math.min(PROBE_MS, heartbeatMillis - silentMs));
                TaskBroadcaster.Message m = sub.next(wait, TimeUnit.MILLISECONDS);
                long dropped = sub.takeDropped();
                if (dropped > 0) write(out, event("dropped", broadcaster.json(new Dropped(dropped)), null));
                if (m != null) write(out, event(m.name(), m.data(), Long.toString(m.id())));
                else if (dropped == 0) {
                    boolean heartbeat = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWrite) >= heartbeatMillis;
                    if (heartbeat) write(out, ": heartbeat\n\n");
                    else {
                        // a probe: a comment line, ignored by EventSource, that fails once the client is gone
                        write(out, ":\n");
                        continue; // not "activity": the heartbeat still follows 15 s without events
                    }
                }
                lastWrite = System.nanoTime();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("stream subscriber gone: {}", e.toString());
        } finally {
            sub.close();
            LOG.debug("stream subscriber removed ({} live)", broadcaster.subscriberCount());
        }
    }

    /** One SSE frame; names and ids carry no line breaks, data is split into {@code data:} lines. */
    static String event(String name, String data, String id) {
        var b = new StringBuilder();
        if (id != null)
            b.append("id: ").append(id.replace("\r", "").replace("\n", "")).append('\n');
        b.append("event: ").append(name.replace("\r", "").replace("\n", "")).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1))
            b.append("data: ").append(line).append('\n');
        return b.append('\n').toString();
    }

    private static void write(OutputStream out, String frame) throws IOException {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static Set<String> values(Context ctx, String name) {
        var out = new LinkedHashSet<String>();
        for (String v : ctx.queryParams(name))
            if (v != null && !v.isEmpty()) out.add(name.equals("events") ? v.toLowerCase(Locale.ROOT) : v);
        return out;
    }
}

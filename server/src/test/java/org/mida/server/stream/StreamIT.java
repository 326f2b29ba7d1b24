package org.mida.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;
import static org.mida.server.testing.TestServer.seconds;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.slf4j.LoggerFactory;

@ExtendWith(Backends.class)
class StreamIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WF_A = "wf a/1 #x";

    private TestServer server;
    private final List<SseClient> clients = new ArrayList<>();

    private final ListAppender<ILoggingEvent> javalinWarnings = new ListAppender<>();

    @BeforeEach
    void watchJavalin() {
        javalinWarnings.addFilter(new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent e) {
                return e.getLevel().isGreaterOrEqual(Level.WARN) ? FilterReply.NEUTRAL : FilterReply.DENY;
            }
        });
        javalinWarnings.start();
        ((Logger) LoggerFactory.getLogger("io.javalin")).addAppender(javalinWarnings);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger("io.javalin")).detachAppender(javalinWarnings);
        for (SseClient c : clients) c.close();
        if (server != null) server.close();
    }

    /** One received SSE event. */
    record Sse(String event, String id, String data) {
        JsonNode json() {
            try {
                return MAPPER.readTree(data);
            } catch (IOException e) {
                throw new AssertionError(data, e);
            }
        }
    }

    /** A minimal SSE client over a plain socket (HTTP/1.0, so the body is not chunked). */
    final class SseClient implements AutoCloseable {
        final Socket socket;
        final BlockingQueue<Sse> events = new LinkedBlockingQueue<>();
        final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
        /** Events other than {@code task} that {@link #nextTask} passed over. */
        final List<Sse> others = new java.util.concurrent.CopyOnWriteArrayList<>();

        int status;
        final Thread reader;

        SseClient(String query) throws IOException {
            this(query, "HTTP/1.0");
        }

        /** {@code HTTP/1.1} keeps the connection open as a browser's EventSource does. */
        SseClient(String query, String protocol) throws IOException {
            socket = new Socket("127.0.0.1", server.server().port());
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/stream" + query + " " + protocol
                            + "\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String statusLine = in.readLine();
            status = Integer.parseInt(statusLine.split(" ")[1]);
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // headers
            }
            reader = new Thread(() -> read(in), "sse-test-reader");
            reader.setDaemon(true);
            reader.start();
            clients.add(this);
        }

        private void read(BufferedReader in) {
            String event = null, id = null;
            StringBuilder data = null;
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (data != null) events.add(new Sse(event == null ? "message" : event, id, data.toString()));
                        event = null;
                        id = null;
                        data = null;
                    } else if (line.startsWith(":"))
                        comments.add(line.substring(1).trim());
                    else if (line.startsWith("event:"))
                        event = line.substring(6).trim();
                    else if (line.startsWith("id:")) id = line.substring(3).trim();
                    else if (line.startsWith("data:")) {
                        if (data == null) data = new StringBuilder();
                        else data.append('\n');
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (IOException closed) {
                // the test closed the socket
            }
        }

        void awaitConnected() throws InterruptedException {
            assertThat(comments.poll(30, TimeUnit.SECONDS)).isEqualTo("connected");
        }

        /** The next {@code task} event (other kinds are skipped), or fails after 30 s. */
        Sse nextTask() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                Sse e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) continue;
                if (e.event().equals("task")) return e;
                others.add(e);
            }
            throw new AssertionError("no task event within 30 s");
        }

        List<Sse> drainTasks() {
            var out = new ArrayList<Sse>();
            Sse e;
            while ((e = events.poll()) != null)
                if (e.event().equals("task")) out.add(e);
                else others.add(e);
            return out;
        }

        boolean sawWorkflowEvent() {
            assertThat(drainTasks()).as("task events").isEmpty();
            return others.stream().anyMatch(e -> e.event().equals("workflow"));
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void post(String json) {
        var r = server.post("/api/events", json);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    private static String task(String id, String wf, String campaign, String status, double start, Double end) {
        return "{\"type\":\"task\",\"task_id\":\"" + id + "\",\"workflow_id\":\"" + wf + "\""
                + (campaign == null ? "" : ",\"campaign_id\":\"" + campaign + "\"") + ",\"status\":\"" + status
                + "\",\"activity_id\":\"train\",\"started_at\":" + start + (end == null ? "" : ",\"ended_at\":" + end)
                + "}";
    }

    /** The keys of a task event's data, in order: the merged state, nulls included. */
    static final List<String> TASK_KEYS = List.of(
            "task_id",
            "workflow_id",
            "campaign_id",
            "activity_id",
            "status",
            "submitted_at",
            "started_at",
            "ended_at",
            "duration",
            "hostname",
            "user");

    static final List<String> WORKFLOW_KEYS =
            List.of("workflow_id", "campaign_id", "name", "parent_workflow_id", "status", "started_at", "ended_at");

    static List<String> keys(JsonNode object) {
        var out = new ArrayList<String>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void stopping_the_server_under_live_and_just_closed_streams_ends_them_cleanly() throws Exception {
        server = TestServer.start();
        var live = new SseClient("", "HTTP/1.1");
        var gone = new SseClient("?workflow_id=" + enc(WF_A), "HTTP/1.1");
        live.awaitConnected();
        gone.awaitConnected();
        gone.close(); // a browser that left the page: not noticed before the next write
        Thread.sleep(500);
        server.close();
        server = null;
        // once, the streams' request contexts completed after Jetty had recycled them and Javalin's error
        // handling looped on them for as long as the JVM lived (millions of stack traces)
        Thread.sleep(1500);
        assertThat(javalinWarnings.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .as("Javalin warnings after the server stopped under live streams")
                .isEmpty();
        live.reader.join(5_000);
        assertThat(live.reader.isAlive()).as("the live stream was ended").isFalse();
    }

    @Test
    void filtered_clients_see_their_tasks_progress_and_leave_cleanly() throws Exception {
        server = TestServer.start();
        TaskBroadcaster hub = server.server().broadcaster();
        var a = new SseClient("?workflow_id=" + enc(WF_A));
        var b = new SseClient("?campaign_id=camp-b&events=task");
        var all = new SseClient("");
        assertThat(a.status).isEqualTo(200);
        a.awaitConnected();
        b.awaitConnected();
        all.awaitConnected();
        assertThat(hub.subscriberCount()).isEqualTo(3);

        post("[" + task("a1", WF_A, null, "RUNNING", 10, null) + "," + task("b1", "wf-b", "camp-b", "RUNNING", 11, null)
                + "]");
        post("[" + task("a1", WF_A, null, "FINISHED", 10, 15.5) + ","
                + task("b1", "wf-b", "camp-b", "FINISHED", 11, 12.0) + "]");

        Sse a1 = a.nextTask();
        assertThat(keys(a1.json())).containsExactlyElementsOf(TASK_KEYS);
        assertThat(a1.json().get("campaign_id").isNull()).isTrue();
        assertThat(a1.json().get("activity_id").asText()).isEqualTo("train");
        assertThat(a1.json().get("task_id").asText()).isEqualTo("a1");
        assertThat(a1.json().get("workflow_id").asText()).isEqualTo(WF_A);
        assertThat(a1.json().get("status").asText()).isEqualTo("RUNNING");
        assertThat(a1.json().get("duration").isNull()).isTrue();
        Sse a2 = a.nextTask();
        assertThat(a2.json().get("task_id").asText()).isEqualTo("a1");
        assertThat(a2.json().get("status").asText()).isEqualTo("FINISHED");
        assertThat(a2.json().get("started_at").asDouble()).isEqualTo(10.0);
        assertThat(a2.json().get("duration").asDouble()).isEqualTo(5.5);
        assertThat(Long.parseLong(a2.id())).isGreaterThan(Long.parseLong(a1.id()));

        Sse b1 = b.nextTask();
        assertThat(b1.json().get("task_id").asText()).isEqualTo("b1");
        assertThat(b1.json().get("status").asText()).isEqualTo("RUNNING");
        assertThat(b.nextTask().json().get("status").asText()).isEqualTo("FINISHED");

        var seen = new ArrayList<String>();
        for (int i = 0; i < 4; i++) {
            JsonNode t = all.nextTask().json();
            seen.add(t.get("task_id").asText() + ":" + t.get("status").asText());
        }
        assertThat(seen).containsExactlyInAnyOrder("a1:RUNNING", "b1:RUNNING", "a1:FINISHED", "b1:FINISHED");
        assertThat(seen.indexOf("a1:RUNNING")).isLessThan(seen.indexOf("a1:FINISHED"));
        // the unfiltered client also gets workflow events (the filtered 'events=task' one does not)
        await(seconds(10), "a workflow event", all::sawWorkflowEvent);
        for (Sse w : all.others) {
            if (!w.event().equals("workflow")) continue;
            assertThat(keys(w.json())).containsExactlyElementsOf(WORKFLOW_KEYS);
            assertThat(Long.parseLong(w.id())).isPositive();
        }
        Sse wfB = all.others.stream()
                .filter(e -> e.event().equals("workflow")
                        && e.json().get("workflow_id").asText().equals("wf-b"))
                .findFirst()
                .orElseThrow();
        assertThat(wfB.json().get("campaign_id").asText()).isEqualTo("camp-b");
        assertThat(b.sawWorkflowEvent()).isFalse();
        assertThat(b.others).isEmpty();

        // a replay changes nothing and sends nothing; the next task event is the new one
        post(task("a1", WF_A, null, "FINISHED", 10, 15.5));
        post(task("a2", WF_A, null, "RUNNING", 20, null));
        assertThat(a.nextTask().json().get("task_id").asText()).isEqualTo("a2");
        assertThat(a.drainTasks()).isEmpty();
        assertThat(b.drainTasks()).isEmpty();

        // disconnecting removes the subscriber (noticed at the next write)
        a.close();
        post(task("a3", WF_A, null, "RUNNING", 30, null));
        await(seconds(20), "the closed client to be removed", () -> {
            if (hub.subscriberCount() == 2) return true;
            post(task("a-poke-" + System.nanoTime(), WF_A, null, "RUNNING", 31, null));
            return false;
        });
        b.close();
        all.close();
        await(seconds(20), "every client to be removed", () -> {
            if (hub.subscriberCount() == 0) return true;
            post(task("poke-" + System.nanoTime(), "wf-b", "camp-b", "RUNNING", 32, null));
            return false;
        });
        // clients that left must end their requests cleanly: once, completing an async context
        // after Jetty had recycled the request set off an endless chain of exceptions in Javalin
        Thread.sleep(500);
        assertThat(javalinWarnings.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .as("Javalin warnings after clients disconnected")
                .isEmpty();
    }

    @Test
    void bad_filters_are_refused_before_the_stream_opens() {
        server = TestServer.start();
        var r = server.get("/api/stream?events=everything");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("events");
        assertThat(r.json().get("errors").get(0).get("parameter").asText()).isEqualTo("events");
        assertThat(server.server().broadcaster().subscriberCount()).isZero();
    }
}

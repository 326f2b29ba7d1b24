package org.mida.server.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** Two servers on one Redis and one Neo4j: a live stream on either shows what both ingest, once. */
@ExtendWith(Backends.class)
class StreamAcrossInstancesIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestServer a;
    private TestServer b;
    private Socket socket;

    @AfterEach
    void stop() throws Exception {
        if (socket != null) socket.close();
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void a_stream_on_one_instance_sees_tasks_posted_to_the_other_once() throws Exception {
        a = TestServer.start(c -> c.withIngest(100, "stream-a", 60_000));
        b = TestServer.startKeepingState(c -> c.withIngest(100, "stream-b", 60_000));
        List<String> tasks = new CopyOnWriteArrayList<>();
        socket = new Socket("127.0.0.1", a.server().port());
        socket.getOutputStream()
                .write(("GET /api/stream?events=task HTTP/1.1\r\nHost: 127.0.0.1:"
                                + a.server().port() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        var reader = new Thread(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null)
                    if (line.startsWith("data:"))
                        tasks.add(MAPPER.readTree(line.substring(5))
                                .get("task_id")
                                .asText());
            } catch (IOException closed) {
                // the test closed the socket
            }
        });
        reader.setDaemon(true);
        reader.start();
        // A subscribes to the channel once it has a client, and B notices within a check interval. Not by
        // counting the channel's subscribers: the columnar mirrors of both instances subscribe to it too (since
        // they follow each other's batches), so that count is 1 only until they do (it failed CI that way)
        TestServer.await(
                TestServer.seconds(10),
                "A to subscribe to " + IngestedFeed.channel(a.stream()),
                () -> a.server().ingestedFeed().receiving());
        TestServer.await(
                TestServer.seconds(10),
                "B to see that A's clients listen",
                () -> b.server().ingestedFeed().othersListen());

        post(b, "on-b");
        post(a, "on-a");
        TestServer.await(
                TestServer.seconds(10), "both tasks on A's stream", () -> tasks.containsAll(List.of("on-b", "on-a")));
        Thread.sleep(1_000);
        assertThat(tasks).as("each task once").containsExactlyInAnyOrder("on-b", "on-a");
    }

    private static void post(TestServer s, String id) {
        var r = s.post(
                "/api/events",
                "{\"type\":\"task\",\"task_id\":\"" + id + "\",\"workflow_id\":\"wf\",\"status\":\"FINISHED\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
    }
}

package org.mida.server.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** A live-stream slot is free again within a second or two of its client leaving (it took ~15 s). */
@ExtendWith(Backends.class)
class StreamSlotsIT {
    private TestServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) s.close();
        if (server != null) server.close();
    }

    @Test
    void clients_that_connect_and_leave_do_not_block_the_next_ones() throws Exception {
        server = TestServer.start();
        int n = StreamRoutes.MAX_SUBSCRIBERS;
        var first = new ArrayList<Socket>();
        for (int i = 0; i < n; i++) first.add(open());
        assertThat(server.server().broadcaster().subscriberCount()).isEqualTo(n);
        assertThat(status(open())).as("one stream over the limit").isEqualTo(503);
        for (Socket s : first) s.close();
        long t0 = System.nanoTime();

        TestServer.await(
                TestServer.seconds(3),
                "the slots to be freed",
                () -> server.server().broadcaster().subscriberCount() == 0);
        long freedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(freedMs).as("ms until every slot was free").isLessThan(2_500);
        for (int i = 0; i < n; i++)
            assertThat(status(open())).as("client %d of the next %d", i, n).isEqualTo(200);
    }

    /** A stream request whose answer is read up to its status line (and ": connected" when 200). */
    private Socket open() throws Exception {
        var s = new Socket("127.0.0.1", server.server().port());
        sockets.add(s);
        s.getOutputStream()
                .write(("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:"
                                + server.server().port() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.setSoTimeout(10_000);
        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        statuses.put(s, Integer.parseInt(status.split(" ")[1]));
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            // headers
        }
        if (statuses.get(s) == 200) {
            while ((line = in.readLine()) != null && !line.startsWith(": connected")) {
                // chunk sizes (chunked transfer encoding)
            }
        }
        return s;
    }

    private final java.util.Map<Socket, Integer> statuses = new java.util.HashMap<>();

    private int status(Socket s) {
        return statuses.get(s);
    }
}

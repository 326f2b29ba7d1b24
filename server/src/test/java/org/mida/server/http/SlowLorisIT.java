package org.mida.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Issue 14: about 260 slow-loris connections made the server unresponsive. 300 of them here (headers
 * that never end, and JSON bodies announced large and sent a byte at a time), held open by a trickle;
 * meanwhile a normal request must answer within a few seconds.
 */
@ExtendWith(Backends.class)
class SlowLorisIT {

    @Test
    void three_hundred_slow_connections_leave_the_server_responsive() throws Exception {
        try (TestServer server = TestServer.start()) {
            int port = server.server().port();
            var slow = new ArrayList<Socket>();
            try {
                for (int i = 0; i < 300; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    String start = i % 10 == 0
                            ? "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Slow-0: a\r\n"
                            : "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + port
                                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[";
                    s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    slow.add(s);
                }
                long until = System.nanoTime() + 8_000_000_000L;
                int round = 0;
                List<Long> answers = new ArrayList<>();
                while (System.nanoTime() < until) {
                    round++;
                    for (int i = 0; i < slow.size(); i++) trickle(slow.get(i), i % 10 == 0, round);
                    long t0 = System.nanoTime();
                    var a = WebSecurityIT.send(port, "GET", "/api/health", Map.of(), null);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(a.status()).isEqualTo(200);
                    answers.add(ms);
                    long t1 = System.nanoTime();
                    var q = WebSecurityIT.send(
                            port,
                            "POST",
                            "/api/query",
                            Map.of("Content-Type", "application/json"),
                            "{\"from\":\"tasks\"}");
                    assertThat(q.status()).isEqualTo(200);
                    answers.add((System.nanoTime() - t1) / 1_000_000);
                    Thread.sleep(1_000);
                }
                System.out.println("answers under 300 slow-loris connections, ms: " + answers);
                assertThat(answers).allSatisfy(ms -> assertThat(ms).isLessThan(3_000));
            } finally {
                for (Socket s : slow) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // already closed by the server
                    }
                }
            }
        }
    }

    /** The idle timeout (MIDA_HTTP_IDLE_TIMEOUT_MS) reaches Javalin's connector: a silent connection is closed. */
    @Test
    void a_silent_connection_is_closed_after_the_idle_timeout() throws Exception {
        try (TestServer server = TestServer.start(c -> c.withHttpLimits(1_500, 2_000, 400));
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.server().port()), 5_000);
            s.setSoTimeout(20_000);
            s.getOutputStream()
                    .write(("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            long t0 = System.nanoTime();
            // the server closes it (EOF, perhaps after a 408 answer) well before the 30 s default
            while (s.getInputStream().read() >= 0) {}
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(1_000L, 10_000L);
        }
    }

    /** One more byte (or header line): keeps the connection from looking idle. */
    private static void trickle(Socket s, boolean header, int round) {
        try {
            OutputStream out = s.getOutputStream();
            out.write((header ? "X-Slow-" + round + ": a\r\n" : " ").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException closedByServer) {
            // the server dropped it: fine
        }
    }
}

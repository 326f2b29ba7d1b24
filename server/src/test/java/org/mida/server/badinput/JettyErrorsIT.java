package org.mida.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.badinput.RawHttp.headers;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * What Jetty refuses before a request reaches MIDA (found by the bad-input corpus: these were HTML pages)
 * is {@code application/problem+json} with a {@code detail}, like every other error.
 */
@ExtendWith(Backends.class)
class JettyErrorsIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void jettys_own_refusals_are_problem_json_with_a_detail() throws Exception {
        server = TestServer.start();
        int port = server.server().port();
        var cases = java.util.List.of(
                RawHttp.request("GET", "/%ZZ", headers(), null),
                RawHttp.request("GET", "/api/health/..;/metrics", headers(), null),
                RawHttp.request("GET", "/%c0%ae%c0%ae/etc/passwd", headers(), null),
                RawHttp.request("GET", "/api/health", headers("Host", "127.0.0.1:1@evil.example"), null),
                RawHttp.request("GET", "/api/health", headers("X-Big", "b".repeat(20_000)), null),
                RawHttp.request(
                        "POST",
                        "/api/events",
                        headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"),
                        "0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        for (byte[] request : cases) {
            var a = RawHttp.send(port, request, 10_000);
            String what = new String(request, 0, Math.min(60, request.length)) + " -> " + a.status();
            assertThat(a.status()).as(what).isBetween(400, 499);
            assertThat(a.contentType()).as(what).startsWith("application/problem+json");
            var problem = MAPPER.readTree(a.body());
            assertThat(problem.get("status").asInt()).as(what).isEqualTo(a.status());
            assertThat(problem.get("detail").asText()).as(what).contains("refused the request");
        }
        // the server is fine afterwards
        assertThat(server.get("/api/health").status()).isEqualTo(200);
    }
}

package org.mida.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * The web attacks of issue 14, played against a real server: a page of another site posting events
 * ({@code text/plain} needs no CORS preflight) or JSON with its Origin, DNS rebinding (a foreign Host
 * header), framing and sniffing (headers), reads without the token when reads need it, lowercase
 * {@code bearer}, and slow-loris connections. Raw sockets, so every header is what the test says.
 */
@ExtendWith(Backends.class)
class WebSecurityIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String EVENT = "{\"type\":\"task\",\"task_id\":\"csrf-1\",\"status\":\"FINISHED\"}";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String problemType() {
            try {
                return MAPPER.readTree(body).path("type").asText();
            } catch (IOException e) {
                return "";
            }
        }
    }

    private Answer send(String method, String path, Map<String, String> headers, String body) throws IOException {
        return send(server.server().port(), method, path, headers, body);
    }

    static Answer send(int port, String method, String path, Map<String, String> headers, String body)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(15_000);
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            var h = new LinkedHashMap<String, String>();
            h.put("Host", "127.0.0.1:" + port);
            h.putAll(headers);
            if (body != null) h.put("Content-Length", Integer.toString(bytes.length));
            h.put("Connection", "close");
            var req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            h.forEach((k, v) -> {
                if (v != null) req.append(k).append(": ").append(v).append("\r\n");
            });
            req.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            return parse(s.getInputStream(), method.equals("GET") && path.startsWith("/api/stream"));
        }
    }

    private static Answer parse(InputStream in, boolean headersOnly) throws IOException {
        var raw = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        try {
            while ((n = in.read(buf)) >= 0) {
                raw.write(buf, 0, n);
                if (headersOnly && raw.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) break;
            }
        } catch (SocketTimeoutException e) {
            if (!headersOnly) throw e;
        }
        String text = raw.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        var headers = new LinkedHashMap<String, String>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0)
                headers.put(
                        lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(c + 1).strip());
        }
        return new Answer(status, headers, end < 0 ? "" : text.substring(end + 4));
    }

    private long streamLength() {
        return server.server().redis().exists(server.stream())
                ? server.server().redis().xlen(server.stream())
                : 0;
    }

    @Test
    void a_page_of_another_site_cannot_post_events_or_prov_documents() throws IOException {
        server = TestServer.start();
        // CSRF the classic way: a form or fetch with text/plain (no CORS preflight), no token set
        Answer plain = send("POST", "/api/events", Map.of("Content-Type", "text/plain"), EVENT);
        assertThat(plain.status()).isEqualTo(415);
        assertThat(plain.header("Content-Type")).startsWith("application/problem+json");
        assertThat(plain.problemType()).endsWith("/unsupported-media-type");
        assertThat(MAPPER.readTree(plain.body()).path("detail").asText()).contains("application/json");
        Answer form = send(
                "POST", "/api/prov", Map.of("Content-Type", "application/x-www-form-urlencoded"), "{\"entity\":{}}");
        assertThat(form.status()).isEqualTo(415);
        Answer none = send("POST", "/api/v1/lineage", Map.of(), "{}");
        assertThat(none.status()).isEqualTo(415);
        // JSON with the foreign page's Origin (a preflight-less browser, or a lax CORS setup)
        Answer foreign = send(
                "POST",
                "/api/events",
                Map.of("Content-Type", "application/json", "Origin", "http://evil.example"),
                EVENT);
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(foreign.problemType()).endsWith("/cross-origin");
        Answer nullOrigin =
                send("POST", "/api/events", Map.of("Content-Type", "application/json", "Origin", "null"), EVENT);
        assertThat(nullOrigin.status()).isEqualTo(403);
        Answer crossSite = send(
                "POST",
                "/api/events",
                Map.of("Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"),
                EVENT);
        assertThat(crossSite.status()).isEqualTo(403);
        assertThat(streamLength()).isZero();

        // the server's own page, a script (no Origin) and an allowed JSON type still post
        int port = server.server().port();
        Answer own = send(
                "POST",
                "/api/events",
                Map.of(
                        "Content-Type",
                        "application/json; charset=utf-8",
                        "Origin",
                        "http://127.0.0.1:" + port,
                        "Sec-Fetch-Site",
                        "same-origin"),
                EVENT);
        assertThat(own.status()).as(own.body()).isEqualTo(202);
        Answer script = send("POST", "/api/events", Map.of("Content-Type", "application/json"), EVENT);
        assertThat(script.status()).isEqualTo(202);
        // reads are untouched: POST /api/query from the UI with JSON
        Answer query = send(
                "POST",
                "/api/query",
                Map.of("Content-Type", "application/json", "Origin", "http://127.0.0.1:" + port),
                "{\"from\":\"tasks\",\"limit\":1}");
        assertThat(query.status()).as(query.body()).isNotIn(403, 415);
    }

    @Test
    void allowed_origins_may_post() throws IOException {
        server = TestServer.start(c -> c.withAllowed(null, "https://notebook.example:8888"));
        Answer ok = send(
                "POST",
                "/api/events",
                Map.of("Content-Type", "application/json", "Origin", "https://notebook.example:8888"),
                EVENT);
        assertThat(ok.status()).isEqualTo(202);
        Answer other = send(
                "POST",
                "/api/events",
                Map.of("Content-Type", "application/json", "Origin", "https://notebook.example:9999"),
                EVENT);
        assertThat(other.status()).isEqualTo(403);
    }

    @Test
    void a_foreign_host_header_is_refused_dns_rebinding() throws IOException {
        server = TestServer.start();
        int port = server.server().port();
        for (String path : List.of("/api/campaigns", "/", "/api/health")) {
            Answer rebound = send("GET", path, Map.of("Host", "evil.example:" + port), null);
            assertThat(rebound.status()).as(path).isEqualTo(421);
            assertThat(rebound.problemType()).endsWith("/host-not-allowed");
            assertThat(rebound.body()).doesNotContain("\"campaigns\"");
        }
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST")) {
            assertThat(send("GET", "/api/campaigns", Map.of("Host", host), null).status())
                    .as(host)
                    .isEqualTo(200);
        }
    }

    @Test
    void extra_host_names_can_be_allowed() throws IOException {
        server = TestServer.start(c -> c.withAllowed("mida.example.org, other.example", null));
        int port = server.server().port();
        assertThat(send("GET", "/api/campaigns", Map.of("Host", "mida.example.org:" + port), null)
                        .status())
                .isEqualTo(200);
        assertThat(send("GET", "/api/campaigns", Map.of("Host", "evil.example"), null)
                        .status())
                .isEqualTo(421);
    }

    @Test
    void every_answer_has_the_security_headers() throws IOException {
        server = TestServer.start();
        var answers = new ArrayList<Answer>();
        answers.add(send("GET", "/", Map.of(), null));
        answers.add(send("GET", "/js/api.js", Map.of(), null));
        answers.add(send("GET", "/api/health", Map.of(), null));
        answers.add(send("GET", "/api/no-such-thing", Map.of(), null));
        answers.add(send("GET", "/api/tasks?id=missing", Map.of(), null));
        answers.add(send("POST", "/api/events", Map.of("Content-Type", "text/plain"), EVENT));
        answers.add(send("GET", "/", Map.of("Host", "evil.example"), null));
        for (Answer a : answers) {
            assertThat(a.header("Content-Security-Policy"))
                    .as("%d %s", a.status(), a.headers())
                    .isEqualTo(WebSecurity.CSP);
            assertThat(a.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(a.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(a.header("Referrer-Policy")).isEqualTo("no-referrer");
        }
        assertThat(answers.get(0).status()).isEqualTo(200);
        assertThat(answers.get(1).status()).isEqualTo(200);
    }

    @Test
    void reads_can_require_the_token_and_bearer_is_case_insensitive() throws IOException {
        server = TestServer.start(c -> c.withApiToken("s3cret-token", true));
        assertThat(send("GET", "/api/campaigns", Map.of(), null).status()).isEqualTo(401);
        Answer noToken = send("GET", "/api/tasks?id=x", Map.of(), null);
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noToken.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(MAPPER.readTree(noToken.body()).path("detail").asText()).contains("MIDA_API_TOKEN_READS");
        assertThat(send("GET", "/api/campaigns", Map.of("Authorization", "Bearer wrong"), null)
                        .status())
                .isEqualTo(401);
        assertThat(send("POST", "/api/query", Map.of("Content-Type", "application/json"), "{\"from\":\"tasks\"}")
                        .status())
                .isEqualTo(401);
        assertThat(send("GET", "/metrics", Map.of(), null).status()).isEqualTo(401);
        // health stays open (probes), the UI's files too (they hold no data)
        assertThat(send("GET", "/api/health", Map.of(), null).status()).isEqualTo(200);
        assertThat(send("GET", "/", Map.of(), null).status()).isEqualTo(200);
        for (String scheme : List.of("Bearer", "bearer", "BEARER")) {
            assertThat(send("GET", "/api/campaigns", Map.of("Authorization", scheme + " s3cret-token"), null)
                            .status())
                    .as(scheme)
                    .isEqualTo(200);
        }
        // EventSource and download links cannot set headers: ?access_token= on GETs
        assertThat(send("GET", "/api/campaigns?access_token=s3cret-token", Map.of(), null)
                        .status())
                .isEqualTo(200);
        Answer sse = send("GET", "/api/stream?access_token=s3cret-token", Map.of(), null);
        assertThat(sse.status()).isEqualTo(200);
        assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
        assertThat(send("GET", "/api/stream?access_token=nope", Map.of(), null).status())
                .isEqualTo(401);
        // not on writes: a write's token is a header, never a URL
        assertThat(send(
                                "POST",
                                "/api/events?access_token=s3cret-token",
                                Map.of("Content-Type", "application/json"),
                                EVENT)
                        .status())
                .isEqualTo(401);
        assertThat(send(
                                "POST",
                                "/api/events",
                                Map.of("Content-Type", "application/json", "Authorization", "bearer s3cret-token"),
                                EVENT)
                        .status())
                .isEqualTo(202);
    }

    @Test
    void lowercase_bearer_is_accepted_for_writes() throws IOException {
        server = TestServer.start(c -> c.withApiToken("tok"));
        assertThat(send("POST", "/api/events", Map.of("Content-Type", "application/json"), EVENT)
                        .status())
                .isEqualTo(401);
        assertThat(send(
                                "POST",
                                "/api/events",
                                Map.of("Content-Type", "application/json", "Authorization", "bearer tok"),
                                EVENT)
                        .status())
                .isEqualTo(202);
        // reads stay open without MIDA_API_TOKEN_READS
        assertThat(send("GET", "/api/campaigns", Map.of(), null).status()).isEqualTo(200);
    }

    @Test
    void reads_needing_a_token_without_one_set_is_a_config_error() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> org.mida.server.app.Config.defaults().withApiToken(null, true))
                .hasMessageContaining("MIDA_API_TOKEN_READS");
    }
}

package org.mida.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Issue 14 item 3, played against the real server: a catastrophic regex, EXPLAIN/PROFILE behind a CYPHER
 * preamble, huge answers and huge statements.
 */
@ExtendWith(Backends.class)
class QueryBoundsIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String HOSTILE = "(.*.){20}#";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void ingest() {
        var post = server.post("/api/events", """
                [{"type":"task","task_id":"t1","workflow_id":"w","campaign_id":"c","status":"FINISHED",
                  "activity_id":"train-resnet-%s","stderr":"epoch 3\\nRuntimeError: CUDA out of memory\\n"},
                 {"type":"task","task_id":"t2","workflow_id":"w","campaign_id":"c","status":"ERROR",
                  "activity_id":"eval","stderr":"killed: oom"}]
                """.formatted("x".repeat(40)));
        assertThat(post.status()).as(post.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    private static String json(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private TestServer.Answer cypher(String query, Map<String, Object> params) {
        return server.post("/api/cypher", json(Map.of("query", query, "params", params)));
    }

    private static void assertProblem(TestServer.Answer a, int status, String... detailParts) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.json().get("detail").asText()).contains(detailParts);
    }

    @Test
    void a_catastrophic_regex_is_refused_at_once_and_leaves_the_database_free() {
        server = TestServer.start();
        ingest();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            long t0 = System.nanoTime();
            assertProblem(
                    server.post("/api/query", json(Map.of("filter", Map.of("activity_id", Map.of("$regex", HOSTILE))))),
                    400,
                    "nested quantifier");
            assertProblem(
                    cypher("MATCH (t:Task) WHERE t.activity_id =~ '" + HOSTILE + "' RETURN t.task_id", Map.of()),
                    400,
                    "nested quantifier");
            assertProblem(
                    cypher("MATCH (t:Task) WHERE t.activity_id =~ $re RETURN t.task_id", Map.of("re", HOSTILE)),
                    400,
                    "nested quantifier");
            // computed patterns cannot be checked: refused
            assertProblem(
                    cypher("MATCH (t:Task) WHERE t.activity_id =~ '(.*.)' + '{20}#' RETURN t.task_id", Map.of()),
                    400,
                    "string literal or a $parameter");
            assertProblem(
                    cypher("WITH $re AS re MATCH (t:Task) WHERE t.activity_id =~ re RETURN 1", Map.of("re", HOSTILE)),
                    400,
                    "string literal or a $parameter");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        });
        // right after: an ordinary query answers fast and no transaction is still matching
        long t0 = System.nanoTime();
        var ok =
                server.post("/api/query", json(Map.of("filter", Map.of("activity_id", Map.of("$regex", "^train-.*")))));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("count").asInt()).isEqualTo(1);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000);
        assertThat(server.query("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery").stream()
                        .map(r -> r.get(0).asString())
                        .filter(q -> q.contains("=~")))
                .isEmpty();
    }

    @Test
    void ordinary_regexes_still_work_in_the_dsl_and_in_cypher() {
        server = TestServer.start();
        ingest();
        var dsl = server.post(
                "/api/query", json(Map.of("filter", Map.of("stderr", Map.of("$regex", "(?i).*cuda out of memory.*")))));
        assertThat(dsl.status()).as(dsl.body()).isEqualTo(200);
        assertThat(dsl.json().get("rows").get(0).get("task_id").asText()).isEqualTo("t1");
        for (var c : Map.of(
                        "MATCH (t:Task) WHERE t.activity_id =~ '^train-.*' RETURN t.task_id AS id", "t1",
                        "MATCH (t:Task) WHERE t.stderr =~ '.*oom.*' RETURN t.task_id AS id", "t2",
                        "MATCH (t:Task) WHERE t.stderr =~ '(?is).*cuda out of memory.*' RETURN t.task_id AS id", "t1",
                        "MATCH (t:Task) WHERE t.activity_id =~ 'eval|\\\\w+-\\\\d+' RETURN t.task_id AS id", "t2")
                .entrySet()) {
            var a = cypher(c.getKey(), Map.of());
            assertThat(a.status()).as(c.getKey() + " " + a.body()).isEqualTo(200);
            assertThat(a.json().get("rows")).as(c.getKey()).hasSize(1);
            assertThat(a.json().get("rows").get(0).get("id").asText()).isEqualTo(c.getValue());
        }
        var p = cypher(
                "MATCH (t:Task) WHERE t.stderr =~ $re RETURN t.task_id AS id, $re AS re", Map.of("re", "(?i)killed.*"));
        assertThat(p.status()).as(p.body()).isEqualTo(200);
        assertThat(p.json().get("rows").get(0).get("re").asText()).isEqualTo("(?i)killed.*");
    }

    @Test
    void explain_and_profile_are_refused_after_a_cypher_preamble_too() {
        server = TestServer.start();
        ingest();
        for (String q : new String[] {
            "CYPHER 5 EXPLAIN MATCH (n) RETURN n",
            "cypher 25 profile MATCH (n) RETURN n",
            "/* c */ explain MATCH (n) RETURN n",
            "CYPHER runtime=slotted EXPLAIN MATCH (n) RETURN n",
            "CYPHER 5 // x\n CYPHER planner=cost PROFILE MATCH (n) RETURN n"
        }) assertProblem(cypher(q, Map.of()), 400, "is not supported here");
        var ok = cypher("CYPHER 5 MATCH (t:Task) RETURN count(t) AS n", Map.of());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("rows").get(0).get("n").asInt()).isEqualTo(2);
    }

    @Test
    void an_answer_larger_than_the_byte_cap_is_a_422_and_the_row_cap_still_holds() {
        server = TestServer.start(c -> c.withCypherSizes(64 * 1024, 1_000).withCypherLimits(10_000, 100));
        ingest();
        assertProblem(
                cypher("RETURN reduce(s = 'x', i IN range(1, 21) | s + s) AS big", Map.of()),
                422,
                "MIDA_CYPHER_MAX_BYTES");
        assertProblem(
                cypher("UNWIND range(1, 100) AS i RETURN i, reduce(s = 'x', i IN range(1, 15) | s + s) AS s", Map.of()),
                422,
                "MIDA_CYPHER_MAX_BYTES");
        var rows = cypher("UNWIND range(1, 100000) AS i RETURN i", Map.of());
        assertThat(rows.status()).isEqualTo(200);
        assertThat(rows.json().get("rows")).hasSize(100);
        assertThat(rows.json().get("truncated").asBoolean()).isTrue();
        assertProblem(cypher("RETURN '" + "y".repeat(1_000) + "' AS s", Map.of()), 400, "MIDA_CYPHER_MAX_QUERY_CHARS");
        // the DSL's answers too (the ingest keeps the first 10,000 characters of a stderr as the property)
        var tasks = new java.util.ArrayList<Map<String, Object>>();
        for (int i = 0; i < 8; i++)
            tasks.add(Map.of(
                    "type",
                    "task",
                    "task_id",
                    "big" + i,
                    "workflow_id",
                    "w",
                    "campaign_id",
                    "c",
                    "stderr",
                    "z".repeat(12_000)));
        assertThat(server.post("/api/events", json(tasks)).status()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        assertProblem(
                server.post("/api/query", json(Map.of("projection", java.util.List.of("stderr")))),
                422,
                "MIDA_CYPHER_MAX_BYTES");
    }

    @Test
    void a_body_over_the_size_limit_is_a_413_problem_without_reading_it_all() throws Exception {
        server = TestServer.start();
        long size = 65L << 20;
        InputStream body = new InputStream() {
            long sent;

            @Override
            public int read() {
                if (sent >= size) return -1;
                sent++;
                return sent == 1 ? '"' : 'a';
            }
        };
        var request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.server().port() + "/api/cypher"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> body), size))
                .build();
        HttpResponse<String> r;
        try {
            r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new AssertionError("the server should answer 413, not drop the connection", e);
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(r.body()).contains("detail");
    }
}

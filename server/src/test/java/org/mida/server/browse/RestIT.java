package org.mida.server.browse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class RestIT {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void ingestSample() {
        var post = server.post("/api/events", """
                [{"type":"workflow","workflow_id":"wf/1","campaign_id":"camp-1","name":"training","started_at":1},
                 {"type":"task","task_id":"a","workflow_id":"wf/1","campaign_id":"camp-1","status":"FINISHED",
                  "started_at":2,"ended_at":4,"used":{"lr":0.1}},
                 {"type":"task","task_id":"b","workflow_id":"wf/1","campaign_id":"camp-1","status":"RUNNING","started_at":3},
                 {"type":"task","task_id":"c","workflow_id":"wf/1","status":"ERROR","started_at":5,"ended_at":6,
                  "stderr":"Traceback: boom"},
                 {"type":"task","task_id":"file:///x/y z#1?q=%41 `'\\"ü","workflow_id":"wf-2","campaign_id":"camp-2",
                  "status":"FINISHED"}]
                """);
        assertThat(post.status()).isEqualTo(202);
        assertThat(post.json().get("accepted").asInt()).isEqualTo(5);
        server.awaitIngested(seconds(30));
    }

    @Test
    void health_reports_backends_and_counters() {
        server = TestServer.start();
        ingestSample();
        JsonNode h = server.get("/api/health").json();
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("neo4j").asText()).isEqualTo("up");
        assertThat(h.get("redis").asText()).isEqualTo("up");
        assertThat(h.get("ingested").asLong()).isEqualTo(5);
        assertThat(h.get("pending").asLong()).isZero();
        assertThat(h.get("dead_letters").asLong()).isZero();
        assertThat(h.get("tasks").asLong()).isEqualTo(4);
        String metrics = server.get("/metrics").body();
        assertThat(metrics)
                .contains(
                        "mida_ingest_events_total 5",
                        "mida_ingest_batch_seconds_count",
                        "mida_stream_pending 0",
                        "mida_dead_letters 0",
                        "mida_redis_up 1",
                        "# TYPE mida_ingest_batch_seconds histogram",
                        "mida_ingest_batch_seconds_bucket{le=\"0.005\"}",
                        "mida_jvm_heap_used_bytes",
                        // Micrometer's binders: JVM, Jetty's pool, and every request timed by route
                        "jvm_memory_used_bytes{",
                        "jvm_gc_",
                        "jetty_threads_",
                        "http_server_requests_seconds_count{");
        assertThat(metrics)
                .containsPattern("http_server_requests_seconds_count\\{[^}]*status=\"202\",uri=\"/api/events\"");
    }

    @Test
    void campaigns_workflows_and_tasks_are_listed_with_counts() {
        server = TestServer.start();
        ingestSample();
        JsonNode campaigns = server.get("/api/campaigns").json().get("campaigns");
        assertThat(campaigns).hasSize(2);
        assertThat(campaigns.get(0).get("campaign_id").asText()).isEqualTo("camp-1");
        assertThat(campaigns.get(0).get("workflow_count").asLong()).isEqualTo(1);
        assertThat(campaigns.get(0).get("task_count").asLong()).isEqualTo(2);

        JsonNode wfs = server.get("/api/workflows?campaign_id=camp-1").json().get("workflows");
        assertThat(wfs).hasSize(1);
        assertThat(wfs.get(0).get("name").asText()).isEqualTo("training");
        assertThat(wfs.get(0).get("task_count").asLong()).isEqualTo(3);
        assertThat(server.get("/api/workflows").json().get("workflows")).hasSize(2);

        JsonNode wf = server.get("/api/workflows/wf%2F1").json();
        assertThat(wf.get("workflow_id").asText()).isEqualTo("wf/1");
        assertThat(wf.get("name").asText()).isEqualTo("training");
        assertThat(wf.get("campaign_id").asText()).isEqualTo("camp-1");
        assertThat(wf.get("task_count").asLong()).isEqualTo(3);
        assertThat(wf.get("status_counts").get("FINISHED").asLong()).isEqualTo(1);
        assertThat(wf.get("status_counts").get("RUNNING").asLong()).isEqualTo(1);
        assertThat(wf.get("status_counts").get("ERROR").asLong()).isEqualTo(1);
        assertThat(server.get("/api/workflows?id=wf%2F1").json()).isEqualTo(wf);

        JsonNode tasks =
                server.get("/api/workflows/wf%2F1/tasks?status=error").json().get("tasks");
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).get("stderr").asText()).isEqualTo("Traceback: boom");
        JsonNode page = server.get("/api/workflows/wf%2F1/tasks?limit=2&offset=1")
                .json()
                .get("tasks");
        assertThat(page).extracting(t -> t.get("task_id").asText()).containsExactly("b", "c");
    }

    @Test
    void ids_with_any_characters_work_in_the_path_and_as_a_query_parameter() {
        server = TestServer.start();
        ingestSample();
        String id = "file:///x/y z#1?q=%41 `'\"ü";
        String enc = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        assertThat(server.get("/api/tasks?id=" + enc).json().get("task_id").asText())
                .isEqualTo(id);
        assertThat(server.get("/api/tasks/" + enc).json().get("task_id").asText())
                .isEqualTo(id);
        JsonNode a = server.get("/api/tasks/a").json();
        assertThat(a.get("used").get("lr").asDouble()).isEqualTo(0.1);
        assertThat(a.get("duration").asDouble()).isEqualTo(2.0);
    }

    @Test
    void errors_are_problem_json_with_a_useful_detail() {
        server = TestServer.start();
        var missing = server.get("/api/tasks/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.json().get("detail").asText()).contains("nope");
        assertThat(server.get("/api/workflows/none").status()).isEqualTo(404);
        assertThat(server.get("/api/workflows/none/tasks").status()).isEqualTo(404);
        var badLimit = server.get("/api/workflows?limit=lots");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.json().get("detail").asText()).contains("limit");
        var noRoute = server.get("/api/nothing-here");
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.contentType()).startsWith("application/problem+json");
        assertThat(server.get("/api/tasks").status()).isEqualTo(400);
    }

    @Test
    void every_problem_has_a_type_uri_per_kind_that_describes_itself_and_names_the_wrong_parameter() {
        server = TestServer.start();
        var missing = server.get("/api/tasks/nope").json();
        assertThat(missing.get("type").asText()).isEqualTo("/problems/not-found");
        assertThat(missing.get("title").asText()).isEqualTo("Not Found");
        assertThat(missing.get("instance").asText()).isEqualTo("/api/tasks/nope");

        var badLimit = server.get("/api/workflows?limit=lots").json();
        assertThat(badLimit.get("type").asText()).isEqualTo("/problems/invalid-request");
        assertThat(badLimit.get("status").asInt()).isEqualTo(400);
        assertThat(badLimit.get("errors").get(0).get("parameter").asText()).isEqualTo("limit");
        assertThat(badLimit.get("errors").get(0).has("pointer")).isFalse();
        var outOfRange = server.get("/api/workflows?limit=0").json();
        assertThat(outOfRange.get("detail").asText()).contains("from 1 to");

        var noId = server.get("/api/tasks").json();
        assertThat(noId.get("errors").get(0).get("parameter").asText()).isEqualTo("id");

        var badEvents = server.post("/api/events", "[{\"type\":\"task\",\"task_id\":\"a\"},{\"type\":\"task\"}]");
        assertThat(badEvents.json().get("type").asText()).isEqualTo("/problems/invalid-events");
        assertThat(badEvents.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/1");

        var described = server.get("/problems/invalid-events");
        assertThat(described.status()).isEqualTo(200);
        assertThat(described.json().get("status").asInt()).isEqualTo(400);
        assertThat(described.json().get("description").asText()).contains("wire format");
        assertThat(server.get("/problems/no-such-kind").status()).isEqualTo(404);
        assertThat(server.get("/api/nothing-here").json().get("type").asText()).isEqualTo("/problems/not-found");
    }

    @Test
    void invalid_posted_events_are_refused_whole_with_every_reason() {
        server = TestServer.start();
        var r = server.post(
                "/api/events", "[{\"type\":\"task\",\"task_id\":\"ok\"},{\"type\":\"task\"},{\"type\":\"nope\"}]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("2 of 3");
        assertThat(r.json().get("errors")).hasSize(2);
        assertThat(server.post("/api/events", "{oops").status()).isEqualTo(400);
        assertThat(server.post("/api/events", "").status()).isEqualTo(400);
        assertThat(server.server().redis().xlen(server.stream())).isZero();
    }

    @Test
    void the_api_token_guards_writes_but_not_reads() {
        server = TestServer.start(c -> c.withApiToken("s3cret"));
        String ev = "{\"type\":\"task\",\"task_id\":\"x\"}";
        var none = server.post("/api/events", ev);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(server.post("/api/events", ev, "Authorization", "Bearer wrong")
                        .status())
                .isEqualTo(401);
        assertThat(server.post("/api/events", ev, "Authorization", "Bearer s3cret")
                        .status())
                .isEqualTo(202);
        assertThat(server.get("/api/health").status()).isEqualTo(200);
    }

    @Test
    void the_web_page_is_served_at_the_root() {
        server = TestServer.start();
        var page = server.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<title>MIDA");
    }
}

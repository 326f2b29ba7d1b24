package org.mida.server.browse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    /** The keys of a JSON object, in order. */
    private static List<String> keys(JsonNode object) {
        var out = new ArrayList<String>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
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
        JsonNode campaignsAnswer = server.get("/api/campaigns").json();
        assertThat(keys(campaignsAnswer)).containsExactly("campaigns");
        JsonNode campaigns = campaignsAnswer.get("campaigns");
        assertThat(campaigns).hasSize(2);
        for (JsonNode c : campaigns) assertThat(keys(c)).containsExactly("campaign_id", "workflow_count", "task_count");
        assertThat(campaigns.get(0).get("campaign_id").asText()).isEqualTo("camp-1");
        assertThat(campaigns.get(0).get("workflow_count").asLong()).isEqualTo(1);
        assertThat(campaigns.get(0).get("task_count").asLong()).isEqualTo(2);

        JsonNode listing = server.get("/api/workflows?campaign_id=camp-1").json();
        assertThat(keys(listing)).containsExactly("workflows", "limit", "offset");
        assertThat(listing.get("limit").asInt()).isEqualTo(1000);
        assertThat(listing.get("offset").asInt()).isZero();
        JsonNode wfs = listing.get("workflows");
        assertThat(wfs).hasSize(1);
        // the workflow as sent (less its "type") plus its task count
        assertThat(keys(wfs.get(0))).containsExactly("workflow_id", "campaign_id", "name", "started_at", "task_count");
        assertThat(wfs.get(0).get("name").asText()).isEqualTo("training");
        assertThat(wfs.get(0).get("task_count").asLong()).isEqualTo(3);
        JsonNode everyWorkflow = server.get("/api/workflows?limit=5&offset=0").json();
        assertThat(everyWorkflow.get("workflows")).hasSize(2);
        assertThat(everyWorkflow.get("limit").asInt()).isEqualTo(5);
        // wf-2 was only named by a task: its document has the id and the task's campaign
        assertThat(keys(everyWorkflow.get("workflows").get(1)))
                .containsExactly("workflow_id", "campaign_id", "task_count");
        assertThat(server.get("/api/workflows?offset=1").json().get("workflows"))
                .hasSize(1);

        JsonNode wf = server.get("/api/workflows/wf%2F1").json();
        assertThat(keys(wf))
                .containsExactly(
                        "workflow_id",
                        "campaign_id",
                        "name",
                        "started_at",
                        "sub_workflow_count",
                        "task_count",
                        "status_counts",
                        "first_task_started_at",
                        "last_task_ended_at");
        assertThat(wf.get("sub_workflow_count").asLong()).isZero();
        assertThat(keys(wf.get("status_counts"))).containsExactly("ERROR", "FINISHED", "RUNNING");
        assertThat(wf.get("first_task_started_at").asDouble()).isEqualTo(2.0);
        assertThat(wf.get("last_task_ended_at").asDouble()).isEqualTo(6.0);
        assertThat(wf.get("workflow_id").asText()).isEqualTo("wf/1");
        assertThat(wf.get("name").asText()).isEqualTo("training");
        assertThat(wf.get("campaign_id").asText()).isEqualTo("camp-1");
        assertThat(wf.get("task_count").asLong()).isEqualTo(3);
        assertThat(wf.get("status_counts").get("FINISHED").asLong()).isEqualTo(1);
        assertThat(wf.get("status_counts").get("RUNNING").asLong()).isEqualTo(1);
        assertThat(wf.get("status_counts").get("ERROR").asLong()).isEqualTo(1);
        assertThat(server.get("/api/workflows?id=wf%2F1").json()).isEqualTo(wf);

        JsonNode errors = server.get("/api/workflows/wf%2F1/tasks?status=error").json();
        assertThat(keys(errors)).containsExactly("workflow_id", "tasks", "limit", "offset");
        assertThat(errors.get("workflow_id").asText()).isEqualTo("wf/1");
        assertThat(errors.get("limit").asInt()).isEqualTo(100);
        JsonNode tasks = errors.get("tasks");
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).get("stderr").asText()).isEqualTo("Traceback: boom");
        // each task as sent (less its "type"), plus its duration when it has both times
        assertThat(keys(tasks.get(0)))
                .containsExactly("task_id", "workflow_id", "status", "started_at", "ended_at", "stderr", "duration");
        JsonNode pageAnswer =
                server.get("/api/workflows/wf%2F1/tasks?limit=2&offset=1").json();
        assertThat(pageAnswer.get("limit").asInt()).isEqualTo(2);
        assertThat(pageAnswer.get("offset").asInt()).isEqualTo(1);
        JsonNode page = pageAnswer.get("tasks");
        assertThat(page).extracting(t -> t.get("task_id").asText()).containsExactly("b", "c");
        assertThat(keys(page.get(0))).containsExactly("task_id", "workflow_id", "campaign_id", "status", "started_at");
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
        assertThat(keys(a))
                .containsExactly(
                        "task_id",
                        "workflow_id",
                        "campaign_id",
                        "status",
                        "started_at",
                        "ended_at",
                        "used",
                        "duration");
        assertThat(keys(server.get("/api/tasks/b").json()))
                .as("no end time: no duration")
                .containsExactly("task_id", "workflow_id", "campaign_id", "status", "started_at");
    }

    @Test
    void stored_documents_come_back_as_sent_with_their_computed_fields() {
        server = TestServer.start();
        var post = server.post("/api/events", """
                [{"type":"workflow","workflow_id":"wf-x","name":"x","custom_metadata":{"k":{"deep":[1,null,"s"]}},
                  "x_extra":{"a":null},"task_count":99},
                 {"type":"task","task_id":"t-x","workflow_id":"wf-x","status":"FINISHED","started_at":1,"ended_at":3.5,
                  "used":{"p":{"q":[1,2]},"n":null},"x_extra":"kept","duration":99,"dependencies":["ghost"]}]
                """);
        assertThat(post.status()).as(post.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        // a workflow known only by its id (as PROV import may leave one): no stored document
        server.query("CREATE (:Workflow:Activity {workflow_id: 'bare'})");

        JsonNode t = server.get("/api/tasks/t-x").json();
        assertThat(keys(t))
                .containsExactly(
                        "task_id",
                        "workflow_id",
                        "status",
                        "started_at",
                        "ended_at",
                        "used",
                        "dependencies",
                        "x_extra",
                        "duration");
        assertThat(t.get("used").toString()).isEqualTo("{\"p\":{\"q\":[1,2]},\"n\":null}");
        assertThat(t.get("x_extra").asText()).isEqualTo("kept");
        assertThat(t.get("duration").asDouble()).as("computed from the times").isEqualTo(2.5);

        JsonNode w = server.get("/api/workflows?id=wf-x").json();
        // (an extra "task_count" sent with the workflow yields to the computed one: no duplicate key)
        assertThat(keys(w))
                .containsExactlyInAnyOrder(
                        "workflow_id",
                        "name",
                        "custom_metadata",
                        "x_extra",
                        "task_count",
                        "sub_workflow_count",
                        "status_counts",
                        "first_task_started_at",
                        "last_task_ended_at");
        assertThat(w.get("custom_metadata").toString()).isEqualTo("{\"k\":{\"deep\":[1,null,\"s\"]}}");
        assertThat(w.get("x_extra").toString()).isEqualTo("{\"a\":null}");
        assertThat(w.get("task_count").asLong()).as("the computed count wins").isEqualTo(1);
        assertThat(server.get("/api/workflows?id=wf-x").body().split("\"task_count\"", -1))
                .as("task_count once")
                .hasSize(2);

        JsonNode bare = server.get("/api/workflows/bare").json();
        assertThat(keys(bare))
                .containsExactly(
                        "workflow_id",
                        "sub_workflow_count",
                        "task_count",
                        "status_counts",
                        "first_task_started_at",
                        "last_task_ended_at");
        assertThat(bare.get("task_count").asLong()).isZero();
        assertThat(bare.get("status_counts").isEmpty()).isTrue();
        assertThat(bare.get("first_task_started_at").isNull()).isTrue();
        assertThat(bare.get("last_task_ended_at").isNull()).isTrue();
        JsonNode listed = server.get("/api/workflows").json().get("workflows");
        JsonNode bareItem = null;
        for (JsonNode x : listed) if (x.get("workflow_id").asText().equals("bare")) bareItem = x;
        assertThat(bareItem).isNotNull();
        assertThat(keys(bareItem)).containsExactly("workflow_id", "task_count");
        JsonNode bareTasks = server.get("/api/workflows/bare/tasks").json();
        assertThat(bareTasks.get("tasks")).isEmpty();

        // a task named only as a dependency: known, but without a document of its own
        var ghost = server.get("/api/tasks/ghost");
        assertThat(ghost.status()).isEqualTo(404);
        assertThat(ghost.contentType()).startsWith("application/problem+json");
        assertThat(ghost.json().get("detail").asText()).contains("ghost").contains("only as a dependency");
    }

    @Test
    void errors_are_problem_json_with_a_useful_detail() {
        server = TestServer.start();
        var missing = server.get("/api/tasks/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.json().get("detail").asText()).contains("nope");
        var noWorkflow = server.get("/api/workflows/none");
        assertThat(noWorkflow.status()).isEqualTo(404);
        assertThat(noWorkflow.contentType()).startsWith("application/problem+json");
        assertThat(noWorkflow.json().get("detail").asText()).contains("none");
        assertThat(server.get("/api/workflows?id=none").status()).isEqualTo(404);
        var noTasks = server.get("/api/workflows/none/tasks");
        assertThat(noTasks.status()).isEqualTo(404);
        assertThat(noTasks.json().get("detail").asText()).contains("none");
        assertThat(server.get("/api/tasks?id=nope").status()).isEqualTo(404);
        var badOffset = server.get("/api/workflows/none/tasks?offset=-1");
        assertThat(badOffset.status()).as("parameters are checked first").isEqualTo(400);
        assertThat(badOffset.json().get("errors").get(0).get("parameter").asText())
                .isEqualTo("offset");
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

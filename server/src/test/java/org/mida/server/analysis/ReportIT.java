package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.analysis.AnalysisIT.enc;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class ReportIT {
    static final String RAW = "file:///raw/scan 17#a?b=%41 \"q\".h5";
    static final String IMAGES = "file:///proc/images 'x'.npy";
    static final String TRAIN = "ds/train|v1";
    static final String VAL = "ds/val";
    static final String MODEL = "model://m/1?v=2%25 `best`";
    static final String ACQUIRE = "acquire#1?x=%20 \"a\"";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private static String q(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Workflow 1 acquires images from a raw scan; workflow 2 splits them and trains a model; a sibling
     * training and a downstream evaluation must not show up in the model's lifecycle.
     */
    private void ingestChain() {
        String events = """
                [{"type":"workflow","workflow_id":"wf 1/acquire","campaign_id":"camp/1","name":"acquisition"},
                 {"type":"workflow","workflow_id":"wf 2/train","campaign_id":"camp/1","name":"training"},
                 {"type":"task","task_id":"%1$s","workflow_id":"wf 1/acquire","campaign_id":"camp/1",
                  "activity_id":"acquire","status":"FINISHED","started_at":100,"ended_at":110,
                  "user":"alice","hostname":"edge-1",
                  "used":{"raw":{"@id":"%2$s","@type":"raw_image","size":1024},"voltage":300},
                  "generated":{"images":{"@id":"%3$s","@type":"dataset"},"count":17}},
                 {"type":"task","task_id":"split","workflow_id":"wf 2/train","campaign_id":"camp/1",
                  "activity_id":"split","status":"FINISHED","started_at":120,"ended_at":130,
                  "user":"bob","hostname":"summit-3",
                  "used":{"images":{"@id":"%3$s"},"ratio":0.8,"method":"random"},
                  "generated":{"train":{"@id":"%4$s","@type":"dataset"},"val":{"@id":"%5$s"}}},
                 {"type":"task","task_id":"train 1","workflow_id":"wf 2/train","campaign_id":"camp/1",
                  "activity_id":"train","status":"FINISHED","started_at":140,"ended_at":200,
                  "user":"bob","hostname":"summit-3",
                  "used":{"train":{"@id":"%4$s"},"val":{"@id":"%5$s"},"epochs":10,"lr":0.01,
                          "optimizer":{"name":"adam","beta":0.9}},
                  "generated":{"model":{"@id":"%6$s","@type":"model","framework":"torch"},
                               "accuracy":0.93,"loss":0.2},
                  "telemetry_at_end":{"cpu":{"percent":80.5,"per_core":[80,81]},"memory":{"used":123456}}},
                 {"type":"task","task_id":"train 2","workflow_id":"wf 2/train","status":"FINISHED",
                  "started_at":141,"ended_at":210,
                  "used":{"train":{"@id":"%4$s"},"epochs":20},"generated":{"model":{"@id":"model://m/2"}}},
                 {"type":"task","task_id":"evaluate","workflow_id":"wf 3","status":"FINISHED",
                  "started_at":300,"ended_at":310,
                  "used":{"model":{"@id":"%6$s"}},"generated":{"mse":0.01}}]
                """.formatted(q(ACQUIRE), q(RAW), q(IMAGES), q(TRAIN), q(VAL), q(MODEL));
        var r = server.post("/api/events", events);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    /** The keys of a JSON object, in order. */
    static List<String> keys(JsonNode object) {
        var out = new ArrayList<String>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static final String[] REPORT_KEYS = {
        "subject",
        "entity",
        "steps",
        "raw_inputs",
        "entities",
        "derivations",
        "workflows",
        "campaigns",
        "agents",
        "time_span",
        "depth",
        "truncated"
    };
    /** An entity's report adds what used the entity, after the agents. */
    static final String[] ENTITY_REPORT_KEYS = {
        "subject",
        "entity",
        "steps",
        "raw_inputs",
        "entities",
        "derivations",
        "workflows",
        "campaigns",
        "agents",
        "downstream",
        "time_span",
        "depth",
        "truncated"
    };

    static final String[] STEP_KEYS = {
        "task_id",
        "activity_id",
        "workflow_id",
        "campaign_id",
        "status",
        "submitted_at",
        "started_at",
        "ended_at",
        "duration",
        "hostname",
        "user",
        "adapter_id",
        "parameters",
        "results",
        "inputs",
        "outputs",
        "informed_by"
    };
    static final String[] ENTITY_KEYS = {"id", "type", "attributes", "generated_by", "derived_from"};
    static final String[] WORKFLOW_KEYS = {
        "workflow_id", "name", "campaign_id", "status", "started_at", "ended_at", "steps"
    };

    private static String[] plus(String[] keys, String... more) {
        var out = new ArrayList<>(List.of(keys));
        out.addAll(List.of(more));
        return out.toArray(String[]::new);
    }

    private static List<String> texts(JsonNode array, String field) {
        var out = new ArrayList<String>();
        array.forEach(n -> out.add(field == null ? n.asText() : n.get(field).asText()));
        return out;
    }

    @Test
    void json_report_of_a_model_back_to_the_raw_data_across_workflows() {
        server = TestServer.start();
        ingestChain();
        var a = server.get("/api/analysis/report?id=" + enc(MODEL));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("application/json");
        JsonNode r = a.json();
        // the whole shape: every key, in order; null where not recorded, left out only where noted
        assertThat(keys(r)).containsExactly(ENTITY_REPORT_KEYS);
        assertThat(keys(r.get("subject"))).containsExactly("id", "kind");
        assertThat(keys(r.get("entity"))).containsExactly(ENTITY_KEYS);
        r.get("entities").forEach(e -> assertThat(keys(e)).containsExactly(ENTITY_KEYS));
        r.get("raw_inputs").forEach(e -> assertThat(keys(e)).containsExactly(ENTITY_KEYS));
        r.get("workflows").forEach(w -> assertThat(keys(w)).containsExactly(WORKFLOW_KEYS));
        r.get("agents").forEach(ag -> assertThat(keys(ag)).containsExactlyInAnyOrder("id", "kind", "name"));
        assertThat(keys(r.get("time_span"))).containsExactly("from", "to", "seconds");
        assertThat(r.get("time_span").get("seconds").asDouble()).isEqualTo(100.0);
        assertThat(r.get("depth").asInt()).isEqualTo(7);
        assertThat(r.get("derivations")).isEmpty();
        for (JsonNode step : r.get("steps")) {
            boolean telemetry = step.get("task_id").asText().equals("train 1");
            assertThat(keys(step)).containsExactly(telemetry ? plus(STEP_KEYS, "telemetry") : STEP_KEYS);
            for (String refs : List.of("inputs", "outputs"))
                step.get(refs).forEach(ref -> assertThat(keys(ref)).containsExactlyInAnyOrder("id", "role"));
        }
        // fields a task did not record are null, not left out
        assertThat(r.get("steps").get(0).get("submitted_at").isNull()).isTrue();
        assertThat(r.get("steps").get(0).get("adapter_id").isNull()).isTrue();
        assertThat(r.get("workflows").get(0).get("status").isNull()).isTrue();
        assertThat(r.get("subject").get("kind").asText()).isEqualTo("entity");
        assertThat(r.get("entity").get("id").asText()).isEqualTo(MODEL);
        assertThat(r.get("entity").get("type").asText()).isEqualTo("model");
        assertThat(r.get("entity").get("attributes").get("framework").asText()).isEqualTo("torch");
        assertThat(texts(r.get("entity").get("generated_by"), null)).containsExactly("train 1");

        JsonNode steps = r.get("steps");
        assertThat(texts(steps, "task_id")).containsExactly(ACQUIRE, "split", "train 1");
        JsonNode train = steps.get(2);
        assertThat(train.get("workflow_id").asText()).isEqualTo("wf 2/train");
        assertThat(train.get("campaign_id").asText()).isEqualTo("camp/1");
        assertThat(train.get("duration").asDouble()).isEqualTo(60.0);
        assertThat(train.get("hostname").asText()).isEqualTo("summit-3");
        assertThat(train.get("parameters").get("epochs").asInt()).isEqualTo(10);
        assertThat(train.get("parameters").get("lr").asDouble()).isEqualTo(0.01);
        assertThat(train.get("parameters").get("optimizer").get("name").asText())
                .isEqualTo("adam");
        assertThat(train.get("parameters").has("train")).isFalse();
        assertThat(train.get("results").get("accuracy").asDouble()).isEqualTo(0.93);
        assertThat(train.get("results").has("model")).isFalse();
        assertThat(texts(train.get("inputs"), "id")).containsExactlyInAnyOrder(TRAIN, VAL);
        assertThat(texts(train.get("outputs"), "id")).containsExactly(MODEL);
        assertThat(keys(train.get("telemetry"))).containsExactly("at_end");
        assertThat(train.get("telemetry")
                        .get("at_end")
                        .get("cpu")
                        .get("percent")
                        .asDouble())
                .isEqualTo(80.5);
        JsonNode acquire = steps.get(0);
        assertThat(acquire.get("parameters").get("voltage").asInt()).isEqualTo(300);
        assertThat(acquire.get("results").get("count").asInt()).isEqualTo(17);
        assertThat(steps.get(1).get("parameters").get("method").asText()).isEqualTo("random");

        assertThat(texts(r.get("raw_inputs"), "id")).containsExactly(RAW);
        assertThat(r.get("raw_inputs").get(0).get("attributes").get("size").asInt())
                .isEqualTo(1024);
        assertThat(texts(r.get("entities"), "id")).containsExactlyInAnyOrder(MODEL, TRAIN, VAL, IMAGES, RAW);
        assertThat(texts(r.get("workflows"), "workflow_id")).containsExactly("wf 1/acquire", "wf 2/train");
        assertThat(r.get("workflows").get(1).get("steps").asInt()).isEqualTo(2);
        assertThat(r.get("workflows").get(1).get("name").asText()).isEqualTo("training");
        assertThat(texts(r.get("campaigns"), null)).containsExactly("camp/1");
        assertThat(texts(r.get("agents"), "id"))
                .containsExactlyInAnyOrder("user:alice", "host:edge-1", "user:bob", "host:summit-3");
        assertThat(r.get("time_span").get("from").asDouble()).isEqualTo(100.0);
        assertThat(r.get("time_span").get("to").asDouble()).isEqualTo(200.0);
        assertThat(r.get("truncated").asBoolean()).isFalse();
        // the sibling training is not part of this lifecycle; the evaluation is downstream, not a step
        assertThat(a.body()).doesNotContain("train 2").doesNotContain("model://m/2");
        assertThat(r.get("steps").toString()).doesNotContain("evaluate");
        JsonNode downstream = r.get("downstream");
        assertThat(keys(downstream)).containsExactly("tasks", "total", "truncated");
        assertThat(texts(downstream.get("tasks"), "task_id")).containsExactly("evaluate");
        assertThat(downstream.get("tasks").get(0).get("results").get("mse").asDouble())
                .isEqualTo(0.01);
        assertThat(downstream.get("total").asInt()).isEqualTo(1);

        // from a task: the same chain ending at that task
        JsonNode fromTask = server.get("/api/analysis/report?id=split").json();
        assertThat(fromTask.get("subject").get("kind").asText()).isEqualTo("task");
        assertThat(keys(fromTask)).containsExactly(REPORT_KEYS);
        assertThat(fromTask.get("entity").isNull()).isTrue();
        assertThat(texts(fromTask.get("steps"), "task_id")).containsExactly(ACQUIRE, "split");
        // the path form for ids without '/'
        assertThat(server.get("/api/analysis/report/train%201").json().get("steps"))
                .hasSize(3);
    }

    @Test
    void markdown_report_is_readable_and_escapes_ids() throws Exception {
        server = TestServer.start();
        ingestChain();
        var a = server.get("/api/analysis/report?format=markdown&id=" + enc(MODEL));
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("text/markdown");
        String md = a.body();
        // kept for a human look at the layout
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "report-sample.md"), md);
        assertThat(md).startsWith("# Lifecycle of model://m/1?v=2%25 \\`best\\`");
        // everything up to the second step, exactly (the first step has one input and one output, so no
        // order of the graph's relationships shows)
        assertThat(md.substring(0, md.indexOf("### 2. "))).isEqualTo("""
                # Lifecycle of model://m/1?v=2%25 \\`best\\`

                Entity of type model, generated by task train 1.

                | attribute | value |
                |---|---|
                | framework | torch |

                ## Summary

                - Steps: 3 task(s) in 2 workflow(s)
                  - workflow wf 1/acquire (acquisition), campaign camp/1: 1 step(s)
                  - workflow wf 2/train (training), campaign camp/1: 2 step(s)
                - Campaigns: camp/1
                - Time span: 1970-01-01 00:01:40.000 UTC → 1970-01-01 00:03:20.000 UTC (100.000 s)
                - Users: alice, bob
                - Hosts: edge-1, summit-3
                - Raw inputs: 1

                ## Raw data

                | entity | type | attributes |
                |---|---|---|
                | file:///raw/scan 17#a?b=%41 "q".h5 | raw\\_image | {"size":1024} |

                ## Downstream

                1 task(s) used it.

                | task | activity | status | results |
                |---|---|---|---|
                | evaluate |  | FINISHED | {"mse":0.01} |

                ## Steps

                ### 1. acquire#1?x=%20 "a" — acquire

                | field | value |
                |---|---|
                | workflow\\_id | wf 1/acquire |
                | campaign\\_id | camp/1 |
                | status | FINISHED |
                | started\\_at | 1970-01-01 00:01:40.000 UTC |
                | ended\\_at | 1970-01-01 00:01:50.000 UTC |
                | duration | 10.000 s |
                | hostname | edge-1 |
                | user | alice |

                **Parameters**

                | name | value |
                |---|---|
                | voltage | 300 |

                **Results**

                | name | value |
                |---|---|
                | count | 17 |

                **Inputs**

                | entity | role |
                |---|---|
                | file:///raw/scan 17#a?b=%41 "q".h5 | raw |

                **Outputs**

                | entity | role |
                |---|---|
                | file:///proc/images 'x'.npy | images |

                """);
        assertThat(md).endsWith("""
                **Telemetry at end**

                | metric | value |
                |---|---|
                | cpu.percent | 80.5 |
                | memory.used | 123456 |

                """);
        assertThat(md)
                .contains("## Summary", "## Raw data", "## Steps")
                .contains("3 task(s) in 2 workflow(s)")
                .contains("1970-01-01 00:01:40.000 UTC → 1970-01-01 00:03:20.000 UTC (100.000 s)")
                .contains("- Users: alice, bob")
                .contains("- Hosts: edge-1, summit-3")
                .contains("| epochs | 10 |")
                .contains("| optimizer | {\"name\":\"adam\",\"beta\":0.9} |")
                .contains("| cpu.percent | 80.5 |")
                .contains("ds/train\\|v1")
                .contains(RAW);
        int acquire = md.indexOf("### 1. acquire#1?x=%20 \"a\" — acquire");
        int split = md.indexOf("### 2. split — split");
        int train = md.indexOf("### 3. train 1 — train");
        assertThat(acquire).isPositive();
        assertThat(split).isGreaterThan(acquire);
        assertThat(train).isGreaterThan(split);
        // every table row has as many unescaped cell borders as its header
        int expected = -1;
        for (String line : md.split("\n")) {
            if (!line.startsWith("|")) {
                expected = -1;
                continue;
            }
            int borders = line.split("(?<!\\\\)\\|", -1).length;
            if (expected < 0) expected = borders;
            assertThat(borders).as(line).isEqualTo(expected);
        }
        // Accept: text/markdown picks Markdown too
        HttpResponse<String> viaAccept = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + server.server().port() + "/api/analysis/report?id=" + enc(MODEL)))
                                .header("Accept", "text/markdown")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(viaAccept.headers().firstValue("Content-Type").orElse("")).startsWith("text/markdown");
        assertThat(viaAccept.body()).isEqualTo(md);
    }

    @Test
    void derivations_limits_and_errors() {
        server = TestServer.start();
        ingestChain();
        // as a PROV import would record it: the validation set was derived from a labels file
        server.query(
                "MATCH (v:Entity {id: $v}) CREATE (s:Entity {id: $s, type: 'labels'}) CREATE (v)-[:WAS_DERIVED_FROM]->(s)",
                "v",
                VAL,
                "s",
                "file:///raw/labels.csv");
        JsonNode r = server.get("/api/analysis/report?id=" + enc(MODEL)).json();
        assertThat(texts(r.get("raw_inputs"), "id")).containsExactlyInAnyOrder(RAW, "file:///raw/labels.csv");
        assertThat(keys(r.get("derivations").get(0))).containsExactly("entity", "source");
        assertThat(r.get("derivations").get(0).get("entity").asText()).isEqualTo(VAL);
        assertThat(r.get("derivations").get(0).get("source").asText()).isEqualTo("file:///raw/labels.csv");
        assertThat(server.get("/api/analysis/report?format=md&id=" + enc(MODEL)).body())
                .contains("## Derivations");

        JsonNode cut =
                server.get("/api/analysis/report?depth=2&id=" + enc(MODEL)).json();
        assertThat(keys(cut))
                .containsExactly(
                        plus(ENTITY_REPORT_KEYS, "truncated_reason", "unexamined_tasks", "unexamined_entities"));
        assertThat(cut.get("depth").asInt()).isEqualTo(2);
        assertThat(cut.get("truncated").asBoolean()).isTrue();
        assertThat(cut.get("truncated_reason").asText()).contains("depth limit of 2");
        assertThat(texts(cut.get("steps"), "task_id")).containsExactly("train 1");
        // step 1: the model → its generator; step 2: the generator → its inputs (not examined further)
        assertThat(texts(cut.get("unexamined_entities"), null)).containsExactlyInAnyOrder(TRAIN, VAL);
        assertThat(cut.get("unexamined_tasks")).isEmpty();
        JsonNode small =
                server.get("/api/analysis/report?max_nodes=3&id=" + enc(MODEL)).json();
        assertThat(small.get("truncated").asBoolean()).isTrue();
        assertThat(small.get("truncated_reason").asText()).isEqualTo("node limit of 3 tasks and entities reached");
        assertThat(texts(small.get("unexamined_entities"), null)).hasSize(1);
        assertThat(server.get("/api/analysis/report?format=md&depth=2&id=" + enc(MODEL))
                        .body())
                .contains("**Incomplete:**");

        var unknown = server.get("/api/analysis/report?id=" + enc("nope/ \"x\""));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.json().get("detail").asText()).contains("nope/ \"x\"");
        var wf = server.get("/api/analysis/report?id=" + enc("wf 2/train"));
        assertThat(wf.status()).isEqualTo(404);
        assertThat(wf.json().get("detail").asText()).contains("is a workflow");
        var noId = server.get("/api/analysis/report");
        assertThat(noId.status()).isEqualTo(400);
        assertThat(noId.json().get("detail").asText()).isEqualTo("query parameter 'id' is required");
        assertThat(noId.json().get("errors").get(0).get("parameter").asText()).isEqualTo("id");
        assertThat(server.get("/api/analysis/report?id=%20").status()).isEqualTo(400);
        var pdf = server.get("/api/analysis/report?id=split&format=pdf");
        assertThat(pdf.status()).isEqualTo(400);
        assertThat(pdf.json().get("detail").asText())
                .isEqualTo("query parameter 'format' must be json or markdown, got 'pdf'");
        assertThat(pdf.json().get("errors").get(0).get("parameter").asText()).isEqualTo("format");
        // a blank format is no format: JSON
        assertThat(server.get("/api/analysis/report?id=split&format=").contentType())
                .startsWith("application/json");
        assertThat(server.get("/api/analysis/report?id=split&depth=100000").status())
                .isEqualTo(400);
    }

    @Test
    void a_task_without_a_document_or_a_workflow_node_is_reported_from_its_node() {
        server = TestServer.start();
        // as another tool might write it: flattened used/generated properties, no stored document, a
        // workflow id without a workflow node, no times
        server.query("""
                CREATE (t:Task {task_id: 'ghost', workflow_id: 'wf 9', `used.a`: 1, `used.input`: 'seed',
                                `generated.b`: 'x'})
                CREATE (t)-[:USED {role: 'input'}]->(:Entity {id: 'seed'})
                """);
        JsonNode r = server.get("/api/analysis/report?id=ghost").json();
        assertThat(keys(r)).containsExactly(REPORT_KEYS);
        JsonNode step = r.get("steps").get(0);
        assertThat(keys(step)).containsExactly(STEP_KEYS); // no telemetry without a document
        assertThat(step.get("parameters").toString()).isEqualTo("{\"a\":1}"); // 'seed' names the input
        assertThat(step.get("results").toString()).isEqualTo("{\"b\":\"x\"}");
        assertThat(step.get("inputs").get(0).get("role").asText()).isEqualTo("input");
        // a workflow without a node: its id and step count only
        assertThat(keys(r.get("workflows").get(0))).containsExactly("workflow_id", "steps");
        assertThat(r.get("time_span").toString()).isEqualTo("{\"from\":null,\"to\":null,\"seconds\":null}");
        assertThat(texts(r.get("raw_inputs"), "id")).containsExactly("seed");
        assertThat(r.get("raw_inputs").get(0).get("type").isNull()).isTrue();

        String md = server.get("/api/analysis/report?format=markdown&id=ghost").body();
        assertThat(md)
                .contains("  - workflow wf 9: 1 step(s)\n")
                .contains("| a | 1 |")
                .contains("| b | x |")
                .doesNotContain("Time span");
    }
}

package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.TaskScope;
import org.mida.observers.sdk.WorkflowContext;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class SdkIT {

    @TempDir
    Path spill;

    private TestServer server;
    private Emitter emitter;

    @BeforeEach
    void start() {
        server = TestServer.start();
        emitter = EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                .spillDir(spill)
                .maxAgeMillis(20)
                .start();
    }

    @AfterEach
    void stop() {
        if (emitter != null) emitter.close();
        if (server != null) server.close();
    }

    @Test
    void sdk_tasks_become_tasks_entities_and_lineage_in_the_graph() throws Exception {
        try (WorkflowContext wf = Mida.workflow(emitter)
                .workflowId("wf-sdk")
                .campaignId("camp-sdk")
                .name("training")
                .start()) {
            try (TaskScope load = wf.task("load", "t-load")
                    .used("path", Mida.entity("file:///data/raw.csv", "dataset"))
                    .start()) {
                try (TaskScope parse = wf.task("parse", "t-parse").start()) {
                    parse.generated("rows", 10);
                }
                load.generated("clean", Mida.entity("file:///data/clean.csv", "dataset", Map.of("rows", 10)));
            }
            double loss = wf.call(
                    "train", Map.of("lr", 0.01, "data", Mida.entity("file:///data/clean.csv", "dataset")), () -> 0.25);
            assertThat(loss).isEqualTo(0.25);
            assertThatThrownBy(() -> wf.run("explode", Map.of(), () -> {
                        throw new IllegalStateException("boom");
                    }))
                    .hasMessage("boom");
        }
        assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
        server.awaitIngested(seconds(30));

        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(4);
        assertThat(server.count("MATCH (t:Task)-[:PART_OF]->(:Workflow {workflow_id:'wf-sdk', name:'training'})"
                        + "-[:PART_OF]->(:Campaign {campaign_id:'camp-sdk'}) RETURN count(t)"))
                .isEqualTo(4);
        assertThat(server.count(
                        "MATCH (:Task {task_id:'t-load'})-[:USED {role:'path'}]->(:Entity {id:'file:///data/raw.csv'})"
                                + " RETURN count(*)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (train:Task {activity_id:'train'})-[:USED {role:'data'}]->"
                        + "(:Entity {id:'file:///data/clean.csv', type:'dataset'})-[:WAS_GENERATED_BY {role:'clean'}]->"
                        + "(:Task {task_id:'t-load'}) RETURN count(*)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (t:Task {task_id:'t-parse', parent_task_id:'t-load'}) RETURN count(t)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) WHERE t.duration >= 0 RETURN count(t)"))
                .isEqualTo(3);
        assertThat(server.count("MATCH (t:Task {activity_id:'train', `generated.result`: 0.25}) RETURN count(t)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (t:Task {activity_id:'explode', status:'ERROR'}) RETURN count(t)"))
                .isEqualTo(1);

        String explodeId = server.query("MATCH (t:Task {activity_id:'explode'}) RETURN t.task_id AS id")
                .get(0)
                .get("id")
                .asString();
        JsonNode task = server.get("/api/tasks/" + explodeId).json();
        assertThat(task.toString()).contains("IllegalStateException: boom").contains("SdkIT");
        JsonNode load = server.get("/api/tasks/t-load").json();
        assertThat(load.toString())
                .contains("telemetry_at_start")
                .contains("\"memory\"")
                .contains("hostname");
    }

    @Test
    void the_workflow_event_carries_machine_info_and_ends_finished() {
        try (WorkflowContext wf = Mida.workflow(emitter).name("empty").start()) {
            assertThat(wf.workflowId()).startsWith("wf-");
            assertThat(wf.campaignId()).startsWith("campaign-");
        }
        assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (w:Workflow {name:'empty', status:'FINISHED'}) WHERE w.ended_at >= w.started_at"
                        + " RETURN count(w)"))
                .isEqualTo(1);
        assertThat(server.count(
                        "MATCH (w:Workflow {name:'empty'}) WHERE w._json CONTAINS 'machine_info'" + " RETURN count(w)"))
                .isEqualTo(1);
    }
}

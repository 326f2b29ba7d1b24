package org.mida.server.openlineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;
import org.mida.event.InvalidEventException;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

class OpenLineageMapperTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final OpenLineageMapper mapper = new OpenLineageMapper(EventCodec.shared()::toJson);

    private static final String F = OpenLineageSchemaTest.FACET;
    private static final String DAG = "11111111-1111-4111-8111-111111111111";
    private static final String APP = "22222222-2222-4222-8222-222222222222";
    private static final String JOB = "33333333-3333-4333-8333-333333333333";

    private OpenLineageMapper.Mapped map(String json) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = MAPPER.readValue(json, Map.class);
        var v = OpenLineageSchema.check(doc, "");
        assertThat(v.problems()).isEmpty();
        return mapper.map(v.kind(), doc);
    }

    private static String run(String type, String runId, String job, String runFacets, String extra) {
        return """
                {"eventType":"%s","eventTime":"2024-05-01T10:00:00Z","producer":"https://example.org/p",
                 "schemaURL":"https://example.org/s","run":{"runId":"%s","facets":{%s}},
                 "job":{"namespace":"spark","name":"%s"}%s}
                """.formatted(type, runId, runFacets, job, extra);
    }

    private static String parent(String runId, String job, String rootRunId) {
        String root = rootRunId == null
                ? ""
                : ",\"root\":{\"run\":{\"runId\":\"%s\"},\"job\":{\"namespace\":\"airflow\",\"name\":\"dag\"}}"
                        .formatted(rootRunId);
        return "\"parent\":{%s,\"run\":{\"runId\":\"%s\"},\"job\":{\"namespace\":\"spark\",\"name\":\"%s\"}%s}"
                .formatted(F, runId, job, root);
    }

    private static TaskEvent task(OpenLineageMapper.Mapped m) {
        return (TaskEvent) m.events().stream()
                .filter(e -> e instanceof TaskEvent)
                .findFirst()
                .orElseThrow();
    }

    private static WorkflowEvent workflow(OpenLineageMapper.Mapped m) {
        return (WorkflowEvent) m.events().stream()
                .filter(e -> e instanceof WorkflowEvent)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void the_root_run_names_the_workflow_three_levels_down() throws IOException {
        var m = map(run("START", JOB, "app.job_1", parent(APP, "app", DAG), ""));
        TaskEvent t = task(m);
        assertThat(t.workflowId()).isEqualTo("openlineage:run:" + DAG);
        assertThat(t.parentTaskId()).isEqualTo(APP);
        assertThat(workflow(m).name()).isEqualTo("airflow/dag");
        assertThat(workflow(m).status()).isNull(); // only the root run's own events give the workflow a state
    }

    @Test
    void without_root_the_parent_run_is_the_workflow_and_without_parent_the_run_itself() throws IOException {
        var child = map(run("START", JOB, "app.job_1", parent(APP, "app", null), ""));
        assertThat(task(child).workflowId()).isEqualTo("openlineage:run:" + APP);
        assertThat(workflow(child).name()).isEqualTo("spark/app");

        var top = map(run("COMPLETE", APP.toUpperCase(), "app", "", ""));
        assertThat(task(top).taskId()).isEqualTo(APP);
        assertThat(task(top).workflowId()).isEqualTo("openlineage:run:" + APP);
        assertThat(task(top).parentTaskId()).isNull();
        assertThat(workflow(top).status()).isEqualTo(Status.FINISHED);
        assertThat(workflow(top).endedAt()).isEqualTo(1714557600.0);
    }

    @Test
    void other_changes_no_state_and_tags_facets_become_tags() throws IOException {
        var m = map(run(
                "OTHER",
                JOB,
                "j",
                "\"tags\":{" + F + ",\"tags\":[{\"key\":\"team\",\"value\":\"data\"},{\"key\":\"pii\"}]}",
                ""));
        TaskEvent t = task(m);
        assertThat(t.status()).isNull();
        assertThat(t.startedAt()).isNull();
        assertThat(t.endedAt()).isNull();
        assertThat(t.tags()).containsExactly("openlineage", "team:data", "pii");
    }

    @Test
    void datasets_with_one_name_in_two_namespaces_keep_both_roles() throws IOException {
        var m = map(run(
                "START",
                JOB,
                "j",
                "",
                ",\"inputs\":[{\"namespace\":\"s3://a\",\"name\":\"t\"},{\"namespace\":\"s3://b\",\"name\":\"t\"}]"));
        TaskEvent t = task(m);
        assertThat(t.usedEntities())
                .extracting(r -> r.role() + "=" + r.id())
                .containsExactly("t=s3://a/t", "s3://b/t=s3://b/t");
    }

    @Test
    void deleted_dataset_facets_are_not_stored_and_a_too_long_id_is_refused() throws IOException {
        var m = map("""
                {"eventTime":"2024-05-01T10:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "dataset":{"namespace":"ns","name":"d","facets":{"old":{%s,"_deleted":true},"doc":{%s,"description":"x"}}}}
                """.formatted(F, F));
        Map<String, Object> props = m.entities().get(0).props();
        assertThat(props).containsKey("facets.doc").doesNotContainKey("facets.old");
        assertThat(props.get("facets.doc")).isInstanceOf(String.class);

        String longName = "x".repeat(5000);
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = MAPPER.readValue("""
                {"eventTime":"2024-05-01T10:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "dataset":{"namespace":"ns","name":"%s"}}
                """.formatted(longName), Map.class);
        assertThatThrownBy(() -> mapper.map(OpenLineageSchema.Kind.DATASET, doc))
                .isInstanceOf(InvalidEventException.class);
    }
}

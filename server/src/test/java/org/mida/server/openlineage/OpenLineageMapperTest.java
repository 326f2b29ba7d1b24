package org.mida.server.openlineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EntityRef;
import org.mida.event.EventCodec;
import org.mida.event.InvalidEventException;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

class OpenLineageMapperTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final OpenLineageMapper mapper = new OpenLineageMapper(EventCodec.shared()::toJson, null);

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

    // --- dataset ids (issue 12: keyed by the (namespace, name) pair) ---

    @Test
    void dataset_ids_keep_the_namespace_and_the_name_apart() {
        assertThat(DatasetIds.of("warehouse", "a/b")).isEqualTo("warehouse/a/b");
        assertThat(DatasetIds.of("warehouse/a", "b")).isEqualTo("warehouse%2Fa/b");
        assertThat(DatasetIds.of("s3://b", "x/y")).isEqualTo("s3://b/x/y");
        assertThat(DatasetIds.of("s3://b/x", "y")).isEqualTo("s3://b%2Fx/y");
        assertThat(DatasetIds.of("s3://b%2Fx", "y")).isEqualTo("s3://b%252Fx/y");
        assertThat(DatasetIds.of("s3:", "//b/x")).isEqualTo("s3%3A///b/x");
        assertThat(DatasetIds.of("file://host/a", "/x.csv")).isEqualTo("file://host%2Fa/x.csv");
        // the namespaces of the naming spec read as before: natural URIs
        assertThat(DatasetIds.of("s3://bucket/", "/path/x.csv")).isEqualTo("s3://bucket/path/x.csv");
        assertThat(DatasetIds.of("postgres://db:5432", "shop.public.orders"))
                .isEqualTo("postgres://db:5432/shop.public.orders");
        assertThat(DatasetIds.of("kafka://broker:9092", "topic.a")).isEqualTo("kafka://broker:9092/topic.a");
        assertThat(DatasetIds.of("bigquery", "proj.ds.table")).isEqualTo("bigquery/proj.ds.table");
        assertThat(DatasetIds.of("file", "/data/x y.csv")).isEqualTo("file:///data/x%20y.csv");

        var namespaces = List.of(
                "warehouse",
                "warehouse/a",
                "warehouse%2Fa",
                "warehouse:",
                "s3",
                "s3:",
                "s3://b",
                "s3://b/x",
                "s3://b%2Fx",
                "s3://b/x/y",
                "S3://b",
                "file",
                "file://host",
                "file://host/a",
                "hdfs://nn:8020",
                "a:b");
        var names = List.of("a/b", "b", "x/y", "y", "x", "//b/x", "b/x", "a%2Fb", "%", "a b", "x/y/z", "z");
        var seen = new HashMap<String, String>();
        for (String ns : namespaces)
            for (String name : names) {
                String id = DatasetIds.of(ns, name);
                String pair = "(" + ns + ", " + name + ")";
                String before = seen.put(id, pair);
                assertThat(before)
                        .as("%s and %s share the id %s", before, pair, id)
                        .isNull();
            }
        assertThat(seen).hasSize(namespaces.size() * names.size());
    }

    @Test
    void every_dataset_id_the_mapper_makes_follows_the_pair() throws IOException {
        String datasets = """
                ,"inputs":[{"namespace":"warehouse","name":"a/b"}],"outputs":[{"namespace":"warehouse/a","name":"b"}]""";
        var complete = task(map(run("COMPLETE", JOB, "j", "", datasets)));
        assertThat(EntityRef.extract(complete.used())).extracting(EntityRef::id).containsExactly("warehouse/a/b");
        assertThat(EntityRef.extract(complete.generated()))
                .extracting(EntityRef::id)
                .containsExactly("warehouse%2Fa/b");

        var job = map("""
                {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "job":{"namespace":"dbt","name":"j"}%s}""".formatted(datasets));
        assertThat(job.entities())
                .extracting(OpenLineageMapper.EntityUpsert::id)
                .containsExactly("warehouse/a/b", "warehouse%2Fa/b");
        assertThat(EntityRef.extract(task(job).generated()))
                .extracting(EntityRef::id)
                .containsExactly("warehouse%2Fa/b");

        var dataset = map("""
                {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "dataset":{"namespace":"warehouse/a","name":"b"}}""");
        assertThat(dataset.entities().get(0).id()).isEqualTo("warehouse%2Fa/b");
        assertThat(dataset.entities().get(0).props())
                .containsEntry("namespace", "warehouse/a")
                .containsEntry("name", "b");
    }

    // --- outputs are generated by a completed run only ---

    private static final String OUT = """
            ,"outputs":[{"namespace":"s3://b","name":"out.csv"}]""";

    @Test
    void only_complete_generates_the_outputs_the_others_keep_them_declared() throws IOException {
        TaskEvent complete = task(map(run("COMPLETE", JOB, "j", "", OUT)));
        assertThat(EntityRef.extract(complete.generated()))
                .extracting(EntityRef::id)
                .containsExactly("s3://b/out.csv");
        assertThat(complete.customMetadata()).doesNotContainKey(OpenLineageMapper.DECLARED_OUTPUTS);

        for (String type : List.of("START", "RUNNING", "OTHER", "FAIL", "ABORT")) {
            TaskEvent t = task(map(run(type, JOB, "j", "", OUT)));
            assertThat(t.generated()).as(type).isEmpty();
            @SuppressWarnings("unchecked")
            var declared = (Map<String, Object>) t.customMetadata().get(OpenLineageMapper.DECLARED_OUTPUTS);
            assertThat(declared).as(type).containsOnlyKeys("out.csv");
            assertThat(((Map<?, ?>) declared.get("out.csv")).get("@id")).isEqualTo("s3://b/out.csv");
        }
        TaskEvent failed = task(map(run("FAIL", JOB, "j", "", OUT)));
        assertThat(failed.status()).isEqualTo(Status.ERROR);
    }

    // --- explicit versions ---

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ref(Map<String, Object> refs, String role) {
        return (Map<String, Object>) refs.get(role);
    }

    @Test
    void the_dataset_version_facet_names_the_version_of_a_runs_reference() throws IOException {
        String datasets = """
                ,"inputs":[{"namespace":"s3://b","name":"in.csv","facets":{"version":{%s,"datasetVersion":"v7"}}},
                           {"namespace":"s3://b","name":"plain.csv"},
                           {"namespace":"s3://b","name":"gone.csv","facets":{"version":{%s,"_deleted":true}}}],
                 "outputs":[{"namespace":"s3://b","name":"out.csv","facets":{"version":{%s,"datasetVersion":"42"}}}]""".formatted(F, F, F);
        TaskEvent t = task(map(run("COMPLETE", JOB, "j", "", datasets)));
        assertThat(((Map<?, ?>) t.used().get("in.csv")).get("version")).isEqualTo("v7");
        assertThat(ref(t.used(), "plain.csv")).doesNotContainKey("version");
        assertThat(ref(t.used(), "gone.csv")).doesNotContainKey("version");
        assertThat(EntityRef.extract(t.generated()).get(0).attributes()).containsEntry("version", "42");

        // a job definition names no particular version
        var job = map("""
                {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "job":{"namespace":"dbt","name":"j"}%s}""".formatted(datasets));
        assertThat(ref(task(job).used(), "in.csv")).doesNotContainKey("version");
    }

    // --- campaigns ---

    private static String mida(String campaignJson) {
        return "\"mida\":{" + F + ",\"campaign_id\":" + campaignJson + "}";
    }

    @Test
    void the_mida_run_facet_names_the_campaign_of_the_task_and_its_workflow() throws IOException {
        var m = map(run("START", JOB, "app.job_1", parent(APP, "app", DAG) + "," + mida("\"c-run\""), ""));
        assertThat(task(m).campaignId()).isEqualTo("c-run");
        assertThat(workflow(m).workflowId()).isEqualTo("openlineage:run:" + DAG);
        assertThat(workflow(m).campaignId()).isEqualTo("c-run");

        var top = map(run("COMPLETE", APP, "app", mida("\"c-run\""), ""));
        assertThat(workflow(top).campaignId()).isEqualTo("c-run");
        assertThat(task(top).campaignId()).isEqualTo("c-run");
    }

    @Test
    void a_job_facet_or_the_server_setting_names_the_campaign_when_the_run_names_none() throws IOException {
        String jobFacet = """
                {"eventType":"START","eventTime":"2024-05-01T10:00:00Z","producer":"https://example.org/p",
                 "schemaURL":"https://example.org/s","run":{"runId":"%s","facets":{%s}},
                 "job":{"namespace":"spark","name":"j","facets":{%s}}}""";
        var byJob = map(jobFacet.formatted(JOB, "", mida("\"c-job\"")));
        assertThat(task(byJob).campaignId()).isEqualTo("c-job");
        var runWins = map(jobFacet.formatted(JOB, mida("\"c-run\""), mida("\"c-job\"")));
        assertThat(task(runWins).campaignId()).isEqualTo("c-run");

        var withDefault = new OpenLineageMapper(EventCodec.shared()::toJson, "c-default");
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = MAPPER.readValue(run("START", JOB, "j", "", ""), Map.class);
        var m = withDefault.map(OpenLineageSchema.Kind.RUN, plain);
        assertThat(task(m).campaignId()).isEqualTo("c-default");
        assertThat(workflow(m).campaignId()).isEqualTo("c-default");
        @SuppressWarnings("unchecked")
        Map<String, Object> named = MAPPER.readValue(run("START", JOB, "j", mida("\"c-run\""), ""), Map.class);
        assertThat(task(withDefault.map(OpenLineageSchema.Kind.RUN, named)).campaignId())
                .isEqualTo("c-run");
        @SuppressWarnings("unchecked")
        Map<String, Object> jobEvent = MAPPER.readValue("""
                {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
                 "job":{"namespace":"dbt","name":"j"}}""", Map.class);
        var jm = withDefault.map(OpenLineageSchema.Kind.JOB, jobEvent);
        assertThat(workflow(jm).campaignId()).isEqualTo("c-default");
        assertThat(task(jm).campaignId()).isEqualTo("c-default");

        assertThat(task(map(run("START", JOB, "j", "", ""))).campaignId()).isNull();
    }

    @Test
    void a_campaign_id_that_is_not_a_non_blank_string_is_refused_with_its_pointer() throws IOException {
        for (String bad : List.of("42", "\"  \"", "null", "{\"id\":\"c\"}", "\"" + "c".repeat(1025) + "\"")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = MAPPER.readValue(run("START", JOB, "j", mida(bad), ""), Map.class);
            assertThat(OpenLineageSchema.check(doc, "").problems()).isEmpty();
            assertThatThrownBy(() -> mapper.map(OpenLineageSchema.Kind.RUN, doc))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            OpenLineageMapper.InvalidValue.class,
                            e -> assertThat(e.pointer).isEqualTo("/run/facets/mida/campaign_id"))
                    .hasMessageContaining("campaign_id");
        }
    }

    // --- JobEvents ---

    @Test
    void a_job_event_is_a_workflow_with_one_definition_task_that_carries_the_static_lineage() throws IOException {
        var m = map(OpenLineageSchemaTest.JOB_EVENT);
        String id = "openlineage:job:ns/view_builder";
        assertThat(m.workflowId()).isEqualTo(id);
        assertThat(m.taskId()).isEqualTo(id);
        WorkflowEvent w = workflow(m);
        assertThat(w.used()).isEmpty();
        assertThat(w.generated()).isEmpty();
        assertThat(w.customMetadata()).containsEntry("openlineage.event", "JobEvent");
        TaskEvent t = task(m);
        assertThat(t.taskId()).isEqualTo(id);
        assertThat(t.workflowId()).isEqualTo(id);
        assertThat(t.activityId()).isEqualTo("ns/view_builder");
        assertThat(t.status()).isNull();
        assertThat(t.startedAt()).isNull();
        assertThat(t.endedAt()).isNull();
        assertThat(t.tags()).containsExactly("openlineage", "job_definition");
        assertThat(EntityRef.extract(t.used())).extracting(EntityRef::id).containsExactly("ns/t");
        assertThat(EntityRef.extract(t.generated())).extracting(EntityRef::id).containsExactly("ns/v");
        assertThat(t.customMetadata()).containsKey("openlineage.job.sql");
    }
}

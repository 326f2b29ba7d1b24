package org.mida.observers.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mida.event.EntityRef;
import org.mida.event.InvalidEventException;
import org.mida.event.TaskEvent;
import org.mida.observers.mlflow.MlflowRows.ArtifactFile;
import org.mida.observers.mlflow.MlflowRows.DatasetInput;
import org.mida.observers.mlflow.MlflowRows.LoggedModel;
import org.mida.observers.mlflow.MlflowRows.Run;
import org.mida.observers.mlflow.MlflowRows.RunFacts;

class RunMapperTest {

    private static final MlflowSettings SETTINGS =
            MlflowSettings.of("jdbc:sqlite:/data/mlflow.db").withCampaignId("camp-setting");

    private static Run run(String uuid, String name, Long start) {
        return new Run(
                uuid,
                name,
                "LOCAL",
                "",
                "",
                "bob",
                "FINISHED",
                start,
                start == null ? null : start + 1000,
                "",
                "active",
                "/data/mlruns/1/" + uuid + "/artifacts",
                "1");
    }

    private static RunFacts facts(
            Run run,
            Map<String, String> params,
            Map<String, String> tags,
            List<DatasetInput> datasets,
            List<LoggedModel> generated,
            List<LoggedModel> used,
            List<ArtifactFile> artifacts,
            String experimentCampaign) {
        return new RunFacts(
                run,
                params,
                tags,
                Map.of(),
                List.of(),
                Map.of(),
                datasets,
                generated,
                used,
                artifacts,
                experimentCampaign);
    }

    private static DatasetInput dataset(String name, String digest, String source, String context) {
        return new DatasetInput(
                "in-" + name,
                "ds-" + name,
                "1",
                name,
                digest,
                "local",
                source,
                "{\"mlflow_colspec\": []}",
                "{\"num_rows\": 3}",
                context == null ? Map.of() : Map.of("mlflow.data.context", context));
    }

    private static LoggedModel model(String id, String name, String sourceRun, int status) {
        return new LoggedModel(
                id,
                "1",
                name,
                "/data/mlruns/1/models/" + id + "/artifacts",
                1_700_000_000_000L,
                1_700_000_001_000L,
                status,
                "active",
                null,
                sourceRun,
                null,
                Map.of("lr", "0.1"),
                Map.of(),
                Map.of("acc", 0.9));
    }

    @Test
    void datasets_become_used_entities_under_their_context_with_digest_source_schema_and_profile() {
        var params = new LinkedHashMap<String, String>();
        params.put("training", "yes"); // a param that holds the context's name: the datasets move aside
        TaskEvent t = new RunMapper(SETTINGS)
                .toEvent(facts(
                        run("r1", "search", 1_700_000_000_000L),
                        params,
                        Map.of(),
                        List.of(
                                dataset("a", "d1", "{\"uri\": \"/data/a.csv\"}", "training"),
                                dataset("b", "d2", "{\"uri\": \"s3://bkt/b.parquet\"}", "training"),
                                dataset("c", "d3", "{\"tags\": {\"mlflow.source.name\": \"x.py\"}}", "eval"),
                                dataset("d e/f", "d4", "not json", null)),
                        List.of(),
                        List.of(),
                        List.of(),
                        null));
        assertThat(t.used()).containsEntry("training", "yes");
        var training = EntityRef.extract(t.used()).stream()
                .filter(r -> r.role().equals("dataset:training"))
                .toList();
        assertThat(training).extracting(EntityRef::id).containsExactly("file:///data/a.csv", "s3://bkt/b.parquet");
        assertThat(training.get(0).type()).isEqualTo("dataset");
        assertThat(training.get(0).attributes())
                .containsEntry("digest", "d1")
                .containsEntry("version", "d1")
                .containsEntry("name", "a")
                .containsEntry("source_type", "local")
                .containsEntry("source", "{\"uri\": \"/data/a.csv\"}")
                .containsEntry("source_uri", "file:///data/a.csv")
                .containsEntry("schema", "{\"mlflow_colspec\": []}")
                .containsEntry("profile", "{\"num_rows\": 3}")
                .containsEntry("context", "training");
        Map<?, ?> eval = (Map<?, ?>) t.used().get("eval");
        assertThat(eval.get("@id")).isEqualTo("mlflow-dataset://1/c/d3"); // a code source names no data
        Map<?, ?> noContext = (Map<?, ?>) t.used().get("dataset");
        assertThat(noContext.get("@id")).isEqualTo("mlflow-dataset://1/d%20e%2Ff/d4");
    }

    @Test
    void params_that_name_data_become_entities_and_keep_their_text() {
        var params = new LinkedHashMap<String, String>();
        params.put("path", "/data/x.h5");
        params.put("bucket", "s3://bkt/raw/");
        params.put("model_uri", "models:/m-1");
        params.put("endpoint", "https://api.example.org/v1");
        params.put("manifest", "manifest.txt");
        params.put("note", "see /data/x.h5");
        params.put("lr", "0.1");
        var settings = SETTINGS.withDataParams(Set.of("manifest"));
        TaskEvent t = new RunMapper(settings)
                .toEvent(facts(
                        run("r1", "x", 1_700_000_000_000L),
                        params,
                        Map.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        null));
        assertThat(refId(t.used(), "path")).isEqualTo("file:///data/x.h5");
        assertThat(((Map<?, ?>) t.used().get("path")).get("@type")).isEqualTo("file");
        assertThat(refId(t.used(), "bucket")).isEqualTo("s3://bkt/raw/");
        assertThat(refId(t.used(), "model_uri")).isEqualTo("models:/m-1");
        assertThat(((Map<?, ?>) t.used().get("model_uri")).get("@type")).isEqualTo("model");
        assertThat(refId(t.used(), "manifest")).isEqualTo("manifest.txt");
        assertThat(t.used()).containsEntry("endpoint", "https://api.example.org/v1");
        assertThat(t.used()).containsEntry("note", "see /data/x.h5");
        assertThat(t.used()).containsEntry("lr", 0.1);
        assertThat(((Map<?, ?>) t.customMetadata().get("mlflow_params_raw")).get("path"))
                .isEqualTo("/data/x.h5");

        TaskEvent noPaths = new RunMapper(SETTINGS.withPathParams(false).withDataSchemes(Set.of("S3")))
                .toEvent(facts(
                        run("r1", "x", 1_700_000_000_000L),
                        params,
                        Map.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        null));
        assertThat(noPaths.used()).containsEntry("path", "/data/x.h5").containsEntry("model_uri", "models:/m-1");
        assertThat(refId(noPaths.used(), "bucket")).isEqualTo("s3://bkt/raw/");
    }

    @Test
    void models_and_artifact_files_become_generated_entities_with_ids_a_later_run_can_use() {
        TaskEvent t = new RunMapper(SETTINGS)
                .toEvent(facts(
                        run("r1", "train", 1_700_000_000_000L),
                        Map.of(),
                        Map.of(),
                        List.of(),
                        List.of(model("m-1", "model", "r1", 2), model("m-2", "model", "r1", 1)),
                        List.of(model("m-0", "base", "r0", 2)),
                        List.of(new ArtifactFile("notes/a.txt", "file:///data/mlruns/1/r1/artifacts/notes/a.txt", 5)),
                        null));
        var generated = EntityRef.extract(t.generated());
        assertThat(generated)
                .filteredOn(r -> r.role().equals("model"))
                .extracting(EntityRef::id)
                .containsExactly("models:/m-1", "models:/m-2");
        EntityRef m1 = generated.stream()
                .filter(r -> r.id().equals("models:/m-1"))
                .findFirst()
                .orElseThrow();
        assertThat(m1.type()).isEqualTo("model");
        assertThat(m1.attributes())
                .containsEntry("status", "READY")
                .containsEntry("artifact_location", "file:///data/mlruns/1/models/m-1/artifacts")
                .containsEntry("source_run_id", "r1")
                .containsEntry("params", Map.of("lr", "0.1"))
                .containsEntry("metrics", Map.of("acc", 0.9));
        assertThat(refId(t.generated(), "artifacts")).isEqualTo("file:///data/mlruns/1/r1/artifacts");
        assertThat(refId(t.generated(), "artifact_files")).isEqualTo("file:///data/mlruns/1/r1/artifacts/notes/a.txt");
        assertThat(((Map<?, ?>) t.generated().get("artifact_files")).get("mlflow_uri"))
                .isEqualTo("runs:/r1/notes/a.txt");
        assertThat(refId(t.used(), "base")).isEqualTo("models:/m-0");
    }

    @Test
    void run_name_is_the_label_parent_run_is_the_parent_task_and_tags_name_the_campaign() {
        var mapper = new RunMapper(SETTINGS);
        var tags = Map.of("mlflow.runName", "child-run", "mlflow.parentRunId", "p1");
        TaskEvent child = mapper.toEvent(facts(
                run("c1", "column-name", 1_700_000_000_000L),
                Map.of(),
                tags,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                "camp-exp"));
        assertThat(child.activityId()).isEqualTo("child-run");
        assertThat(child.parentTaskId()).isEqualTo("mlflow:p1");
        assertThat(child.campaignId()).isEqualTo("camp-exp");
        assertThat(child.taskId()).isEqualTo("mlflow:c1");
        assertThat(child.workflowId()).isEqualTo("mlflow-experiment:1@sqlite:/data/mlflow.db");

        TaskEvent tagged = mapper.toEvent(facts(
                run("c2", null, 1_700_000_000_000L),
                Map.of(),
                Map.of("mida.campaign_id", "camp-run", "mlflow.source.name", "/src/train.py"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                "camp-exp"));
        assertThat(tagged.campaignId()).isEqualTo("camp-run");
        assertThat(tagged.activityId()).isEqualTo("train.py"); // no run name: the source file
        assertThat(tagged.parentTaskId()).isNull();

        TaskEvent plain = mapper.toEvent(facts(
                run("c3", "", 1_700_000_000_000L),
                Map.of(),
                Map.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null));
        assertThat(plain.campaignId()).isEqualTo("camp-setting");
        assertThat(plain.activityId()).isEqualTo("mlflow_run");
    }

    @Test
    void a_run_that_cannot_be_an_event_is_refused_with_the_reason() {
        assertThatThrownBy(() -> new RunMapper(SETTINGS)
                        .toEvent(facts(
                                run("r1", "x", -5000L),
                                Map.of(),
                                Map.of(),
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of(),
                                null)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("started_at");
    }

    @Test
    void references_under_one_key_become_a_list_and_plain_values_keep_their_key() {
        var map = new LinkedHashMap<String, Object>();
        map.put("loss", 0.5);
        RunMapper.putRef(map, "loss", "model:", Map.of("@id", "models:/m-1"));
        RunMapper.putRef(map, "x", "model:", Map.of("@id", "a"));
        RunMapper.putRef(map, "x", "model:", Map.of("@id", "b"));
        RunMapper.putRef(map, "x", "model:", Map.of("@id", "c"));
        RunMapper.putRef(map, null, "model:", Map.of("@id", "d"));
        assertThat(map).containsEntry("loss", 0.5);
        assertThat(refId(map, "model:loss")).isEqualTo("models:/m-1");
        assertThat((List<?>) map.get("x")).hasSize(3);
        assertThat(refId(map, "model")).isEqualTo("d");
    }

    private static String refId(Map<String, Object> map, String key) {
        Object v = map.get(key);
        assertThat(v).as(key).isInstanceOf(Map.class);
        return (String) ((Map<?, ?>) v).get("@id");
    }
}

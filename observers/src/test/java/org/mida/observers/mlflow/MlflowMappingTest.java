package org.mida.observers.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.mida.event.Status;

class MlflowMappingTest {

    @Test
    void statuses_map_to_mida_states() {
        assertThat(MlflowMapping.status("RUNNING")).isEqualTo(Status.RUNNING);
        assertThat(MlflowMapping.status("FINISHED")).isEqualTo(Status.FINISHED);
        assertThat(MlflowMapping.status("FAILED")).isEqualTo(Status.ERROR);
        assertThat(MlflowMapping.status("KILLED")).isEqualTo(Status.ERROR);
        assertThat(MlflowMapping.status("SCHEDULED")).isEqualTo(Status.SUBMITTED);
        assertThat(MlflowMapping.status("weird")).isEqualTo(Status.UNKNOWN);
        assertThat(MlflowMapping.status(null)).isEqualTo(Status.UNKNOWN);
        assertThat(MlflowMapping.terminal("KILLED")).isTrue();
        assertThat(MlflowMapping.terminal("SCHEDULED")).isFalse();
    }

    @Test
    void params_become_numbers_only_when_unambiguous() {
        assertThat(MlflowMapping.param("0.01")).isEqualTo(0.01);
        assertThat(MlflowMapping.param("64")).isEqualTo(64L);
        assertThat(MlflowMapping.param("-3")).isEqualTo(-3L);
        assertThat(MlflowMapping.param("1e-3")).isEqualTo(0.001);
        assertThat(MlflowMapping.param("007")).isEqualTo("007");
        assertThat(MlflowMapping.param(" 5")).isEqualTo(" 5");
        assertThat(MlflowMapping.param("True")).isEqualTo("True");
        assertThat(MlflowMapping.param("None")).isEqualTo("None");
        assertThat(MlflowMapping.param("[1, 2]")).isEqualTo("[1, 2]");
        assertThat(MlflowMapping.param("NaN")).isEqualTo("NaN");
        assertThat(MlflowMapping.param("99999999999999999999")).isEqualTo("99999999999999999999");
        assertThat(MlflowMapping.param("0.1000000000000000055511151231257827"))
                .isEqualTo("0.1000000000000000055511151231257827");
        assertThat(MlflowMapping.paramNeedsOriginal("0.01", 0.01)).isFalse();
        assertThat(MlflowMapping.paramNeedsOriginal("64", 64L)).isFalse();
        assertThat(MlflowMapping.paramNeedsOriginal("1e-3", 0.001)).isTrue();
        assertThat(MlflowMapping.paramNeedsOriginal("1.50", 1.5)).isTrue();
        assertThat(MlflowMapping.paramNeedsOriginal("adam", "adam")).isFalse();
    }

    @Test
    void times_and_metric_values() {
        assertThat(MlflowMapping.seconds(1_700_000_000_123L)).isEqualTo(1_700_000_000.123);
        assertThat(MlflowMapping.seconds(null)).isNull();
        assertThat(MlflowMapping.metric(0.5, false)).isEqualTo(0.5);
        assertThat(MlflowMapping.metric(0, true)).isEqualTo("NaN");
        assertThat(MlflowMapping.metric(Double.POSITIVE_INFINITY, false)).isEqualTo("Infinity");
    }

    @Test
    void tracking_uris_become_jdbc_urls_and_store_ids() {
        var abs = MlflowSettings.fromTrackingUri("sqlite:////data/ml/mlflow.db");
        assertThat(abs.jdbcUrl()).isEqualTo("jdbc:sqlite:/data/ml/mlflow.db");
        assertThat(abs.storeId()).isEqualTo("sqlite:/data/ml/mlflow.db");
        var rel = MlflowSettings.fromTrackingUri("sqlite:///mlflow.db");
        assertThat(rel.jdbcUrl()).startsWith("jdbc:sqlite:/").endsWith("/mlflow.db");
        var pg = MlflowSettings.fromTrackingUri("postgresql+psycopg2://ml:s%40cret@db.example:5432/mlflow");
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5432/mlflow");
        assertThat(pg.user()).isEqualTo("ml");
        assertThat(pg.password()).isEqualTo("s@cret");
        assertThat(pg.storeId()).isEqualTo("postgresql://db.example:5432/mlflow");
        assertThat(pg.toString()).doesNotContain("s@cret");
        assertThat(MlflowSettings.of("jdbc:postgresql://u:pw@h/db?ssl=true").storeId())
                .isEqualTo("postgresql://h/db");
        assertThat(MlflowSettings.redact("jdbc:postgresql://h/db?user=u&password=pw"))
                .doesNotContain("pw");
        assertThatThrownBy(() -> MlflowSettings.fromTrackingUri("http://mlflow:5000"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MlflowSettings.of("jdbc:mysql://h/db")).isInstanceOf(IllegalArgumentException.class);
        var o = new MlflowObserver(abs.withStoreId("lab-a"));
        assertThat(o.workflowId("3")).isEqualTo("mlflow-experiment:3@lab-a");
        assertThat(MlflowObserver.taskId("abc")).isEqualTo("mlflow:abc");
    }

    @Test
    void paths_and_uris_become_entity_ids_and_other_text_does_not() {
        assertThat(MlflowMapping.dataUri("/data/a b.csv")).isEqualTo("file:///data/a b.csv");
        assertThat(MlflowMapping.dataUri("file:///data/a.csv")).isEqualTo("file:///data/a.csv");
        assertThat(MlflowMapping.dataUri("s3://b/k")).isEqualTo("s3://b/k");
        assertThat(MlflowMapping.dataUri("data/a.csv")).isNull();
        assertThat(MlflowMapping.dataUri("C:\\data\\a.csv")).isNull();
        assertThat(MlflowMapping.dataUri("//host/share")).isNull();
        assertThat(MlflowMapping.dataUri("/")).isNull();
        assertThat(MlflowMapping.dataUri("adam")).isNull();
        assertThat(MlflowMapping.dataUri("/a\nb")).isNull();
        var s = MlflowSettings.of("jdbc:sqlite:/x.db");
        assertThat(MlflowMapping.paramDataId("p", "gs://b/o", s)).isEqualTo("gs://b/o");
        assertThat(MlflowMapping.paramDataId("p", "http://x/y", s)).isNull();
        assertThat(MlflowMapping.paramDataId("p", "s3:", s)).isNull();
        assertThat(MlflowMapping.paramDataId("p", "models:m-1", s)).isNull(); // no path: not a model URI
        assertThat(MlflowMapping.paramDataId("p", "/tmp/out", s.withPathParams(false)))
                .isNull();
        assertThat(MlflowMapping.paramDataId("p", "rel/x.csv", s.withDataParams(java.util.Set.of("p"))))
                .isEqualTo("rel/x.csv");
        assertThat(MlflowMapping.paramDataId("p", "", s.withDataParams(java.util.Set.of("p"))))
                .isNull();
    }

    @Test
    void datasets_are_named_by_their_source_or_by_experiment_name_and_digest() {
        assertThat(MlflowMapping.datasetId("1", "a", "d", "{\"uri\": \"/data/a.csv\"}"))
                .isEqualTo("file:///data/a.csv");
        assertThat(MlflowMapping.datasetId("1", "a", "d", "{\"url\": \"https://x.org/a.csv\"}"))
                .isEqualTo("https://x.org/a.csv");
        assertThat(MlflowMapping.datasetId("1", "a", "d", "{\"path\": \"imdb\"}"))
                .isEqualTo("mlflow-dataset://1/a/d");
        assertThat(MlflowMapping.datasetId("1", "a", "d", "{\"tags\": {}}")).isEqualTo("mlflow-dataset://1/a/d");
        assertThat(MlflowMapping.datasetId("1", "a", "d", "[1]")).isEqualTo("mlflow-dataset://1/a/d");
        assertThat(MlflowMapping.datasetId("1", "a", "d", "{oops")).isEqualTo("mlflow-dataset://1/a/d");
        assertThat(MlflowMapping.datasetId("2", "a/b c", "d", null)).isEqualTo("mlflow-dataset://2/a%2Fb%20c/d");
        assertThat(MlflowMapping.modelId("m-1")).isEqualTo("models:/m-1");
        assertThat(MlflowMapping.modelStatus(2)).isEqualTo("READY");
        assertThat(MlflowMapping.modelStatus(1)).isEqualTo("PENDING");
        assertThat(MlflowMapping.modelStatus(null)).isNull();
    }

    @Test
    void settings_keep_the_old_constructor_and_add_lineage_options() {
        var old = new MlflowSettings("jdbc:sqlite:/x.db", null, null, null, "c", null, null, null, true);
        assertThat(old.pathParams()).isTrue();
        assertThat(old.listArtifacts()).isTrue();
        assertThat(old.dataSchemes()).isEqualTo(MlflowSettings.DEFAULT_DATA_SCHEMES);
        assertThat(old.dataParams()).isEmpty();
        assertThat(old.maxArtifactFiles()).isEqualTo(MlflowSettings.DEFAULT_MAX_ARTIFACT_FILES);
        var changed = old.withDataSchemes(java.util.Set.of("S3"))
                .withListArtifacts(false)
                .withMaxArtifactFiles(5)
                .withCampaignId("d");
        assertThat(changed.dataSchemes()).containsExactly("s3");
        assertThat(changed.listArtifacts()).isFalse();
        assertThat(changed.maxArtifactFiles()).isEqualTo(5);
        assertThat(changed.campaignId()).isEqualTo("d");
        assertThatThrownBy(() -> old.withMaxArtifactFiles(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}

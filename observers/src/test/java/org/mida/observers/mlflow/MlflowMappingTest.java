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
}

package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.Event;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.mlflow.MlflowObserver;
import org.mida.observers.mlflow.MlflowSettings;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * The MLflow observer against a SQLite store written by real MLflow ({@code python/mlflow_runs.py},
 * two phases), emitting through the real {@link Emitter} into a real server.
 */
@ExtendWith(Backends.class)
class MlflowObserverIT {

    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void real_mlflow_runs_in_sqlite_become_tasks_and_their_changes_are_picked_up_incrementally() throws Exception {
        Path db = dir.resolve("mlflow.db");
        String uri = "sqlite:///" + db.toAbsolutePath(); // sqlite:////tmp/…: an absolute path
        exercise(uri, "sqlite:" + db.toAbsolutePath());
    }

    /**
     * The same against PostgreSQL, when {@code MIDA_TEST_MLFLOW_PG} names an empty-able database
     * ({@code postgresql+psycopg2://user:pw@127.0.0.1:55432/db}; {@code .ci/run} sets one up). Its public
     * schema is dropped and recreated first.
     */
    @Test
    void real_mlflow_runs_in_postgresql_become_tasks_and_their_changes_are_picked_up_incrementally() throws Exception {
        String uri = System.getenv("MIDA_TEST_MLFLOW_PG");
        Assumptions.assumeTrue(uri != null && !uri.isBlank(), "MIDA_TEST_MLFLOW_PG is not set: no PostgreSQL to test");
        PythonPeers.require("psycopg2"); // MLflow's PostgreSQL driver
        var settings = MlflowSettings.fromTrackingUri(uri);
        try (var c = DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
                var st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS public CASCADE");
            st.execute("CREATE SCHEMA public");
        }
        exercise(uri, settings.storeId());
    }

    private void exercise(String uri, String expectedStoreId) throws Exception {
        Path python = PythonPeers.require("mlflow", "sqlalchemy", "alembic");
        Path script = PythonPeers.script("mlflow_runs.py", dir);
        Path statePath = dir.resolve("state.json");
        var args = List.of(script.toString(), uri, statePath.toString());
        PythonPeers.runOk(python, concat(args, "phase1"), dir, Map.of(), 300);
        JsonNode ids = new ObjectMapper().readTree(statePath.toFile());

        server = TestServer.start();
        var settings = MlflowSettings.fromTrackingUri(uri).withCampaignId("mlflow-it");
        try (Emitter emitter = EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                        .spillDir(dir.resolve("spill"))
                        .start();
                MlflowObserver mlflow = new MlflowObserver(settings)) {
            mlflow.start(emitter);
            mlflow.observe(); // the controller's way: poll and emit
            assertThat(mlflow.stats().runEvents()).isEqualTo(5);
            assertThat(mlflow.stats().workflowEvents()).isEqualTo(2); // mida-exp-a, mida-exp-b (not the empty Default)
            flushAndIngest(emitter);

            String wfA = mlflow.workflowId(ids.get("exp_a").asText());
            String wfB = mlflow.workflowId(ids.get("exp_b").asText());
            assertThat(wfA).isEqualTo("mlflow-experiment:" + ids.get("exp_a").asText() + "@" + expectedStoreId);
            assertThat(server.count("MATCH (t:Task {adapter_id:'mlflow'}) RETURN count(t)"))
                    .isEqualTo(5);
            assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(5);
            assertThat(server.count(
                            "MATCH (w:Workflow {workflow_id:$w, name:'mida-exp-a'})-[:PART_OF]->"
                                    + "(:Campaign {campaign_id:'mlflow-it'}) RETURN count(w)",
                            "w",
                            wfA))
                    .isEqualTo(1);
            assertThat(server.count(
                            "MATCH (:Task)-[:PART_OF]->(w:Workflow {workflow_id:$w}) RETURN count(*)", "w", wfA))
                    .isEqualTo(3);
            assertThat(server.count(
                            "MATCH (:Task)-[:PART_OF]->(w:Workflow {workflow_id:$w, name:'mida-exp-b'})"
                                    + " RETURN count(*)",
                            "w",
                            wfB))
                    .isEqualTo(2);

            // statuses: FINISHED, FAILED→ERROR, RUNNING, KILLED→ERROR, SCHEDULED→SUBMITTED
            assertThat(status(ids, "ok")).isEqualTo("FINISHED");
            assertThat(status(ids, "fail")).isEqualTo("ERROR");
            assertThat(status(ids, "long")).isEqualTo("RUNNING");
            assertThat(status(ids, "killed")).isEqualTo("ERROR");
            assertThat(status(ids, "queued")).isEqualTo("SUBMITTED");

            // params → used.* (numbers converted), metrics → generated.*, artifacts → an entity
            JsonNode ok = task(ids, "ok");
            assertThat(ok.get("used").get("lr").asDouble()).isEqualTo(0.01);
            assertThat(ok.get("used").get("layers").asLong()).isEqualTo(64);
            assertThat(ok.get("used").get("optimizer").asText()).isEqualTo("adam");
            assertThat(ok.get("used").get("eps").asDouble()).isEqualTo(0.001);
            assertThat(ok.get("used").get("zip").asText()).isEqualTo("007");
            assertThat(ok.get("custom_metadata")
                            .get("mlflow_params_raw")
                            .get("eps")
                            .asText())
                    .isEqualTo("1e-3");
            assertThat(ok.get("generated").get("loss").asDouble()).isEqualTo(0.25);
            assertThat(ok.get("generated").get("accuracy").asDouble()).isEqualTo(0.875);
            JsonNode lossInfo = ok.get("custom_metadata").get("mlflow_metric:loss");
            assertThat(lossInfo.get("step").asLong()).isEqualTo(2);
            assertThat(lossInfo.get("history")).hasSize(3);
            assertThat(lossInfo.get("history").get(0).get("value").asDouble()).isEqualTo(0.9);
            assertThat(ok.get("custom_metadata").get("team").asText()).isEqualTo("vision");
            assertThat(ok.get("custom_metadata").get("mlflow_status").asText()).isEqualTo("FINISHED");
            assertThat(ok.get("custom_metadata").get("mlflow.source.name").asText())
                    .endsWith("mlflow_runs.py");
            assertThat(ok.get("activity_id").asText()).isEqualTo("train-ok"); // the run name is the label
            assertThat(ok.get("user").asText()).isNotBlank();
            assertThat(ok.get("started_at").asDouble()).isGreaterThan(1.6e9);
            assertThat(ok.get("ended_at").asDouble())
                    .isGreaterThanOrEqualTo(ok.get("started_at").asDouble());
            String artifactUri = ids.get("ok_artifact_uri").asText();
            if (artifactUri.startsWith("/")) artifactUri = "file://" + artifactUri; // a local path as a file: URI
            assertThat(server.count(
                            "MATCH (:Entity {id:$a, type:'artifacts'})-[:WAS_GENERATED_BY {role:'artifacts'}]->"
                                    + "(:Task {task_id:$t}) RETURN count(*)",
                            "a",
                            artifactUri,
                            "t",
                            taskId(ids, "ok")))
                    .isEqualTo(1);
            assertThat(server.count(
                            "MATCH (t:Task {task_id:$t}) WHERE t.`generated.loss` = 0.25 AND t.`used.lr` = 0.01"
                                    + " RETURN count(t)",
                            "t",
                            taskId(ids, "ok")))
                    .isEqualTo(1);
            assertThat(task(ids, "fail")
                            .get("custom_metadata")
                            .get("mlflow_status")
                            .asText())
                    .isEqualTo("FAILED");
            assertThat(task(ids, "killed")
                            .get("custom_metadata")
                            .get("mlflow_status")
                            .asText())
                    .isEqualTo("KILLED");
            assertThat(task(ids, "long").get("user").asText()).isEqualTo("alice");
            assertThat(task(ids, "long").has("ended_at")).isFalse();

            // nothing changed: nothing is emitted
            assertThat(mlflow.poll()).isEmpty();

            // phase 2: the RUNNING run logs 3 more steps and finishes; the SCHEDULED one runs and finishes
            PythonPeers.runOk(python, concat(args, "phase2"), dir, Map.of(), 300);
            long historyRowsBefore = mlflow.stats().metricRowsRead();
            List<Event> second = mlflow.poll();
            assertThat(second)
                    .extracting(Event::key)
                    .containsExactlyInAnyOrder(taskId(ids, "long"), taskId(ids, "queued"));
            // only the 3 new loss rows and the 1 throughput row were read from the history table
            assertThat(mlflow.stats().metricRowsRead() - historyRowsBefore).isEqualTo(4);
            emitter.emitAll(second);
            flushAndIngest(emitter);

            JsonNode longRun = task(ids, "long");
            assertThat(longRun.get("status").asText()).isEqualTo("FINISHED");
            assertThat(longRun.get("ended_at").asDouble())
                    .isGreaterThan(longRun.get("started_at").asDouble());
            assertThat(longRun.get("generated").get("loss").asDouble()).isEqualTo(1.0 / 6);
            assertThat(longRun.get("used").get("batch").asLong()).isEqualTo(32);
            assertThat(longRun.get("used").get("resumed").asText()).isEqualTo("true");
            JsonNode history =
                    longRun.get("custom_metadata").get("mlflow_metric:loss").get("history");
            assertThat(history).hasSize(6);
            for (int step = 0; step < 6; step++) {
                assertThat(history.get(step).get("step").asLong()).isEqualTo(step);
                assertThat(history.get(step).get("value").asDouble()).isEqualTo(1.0 / (step + 1));
            }
            JsonNode queued = task(ids, "queued");
            assertThat(queued.get("status").asText()).isEqualTo("FINISHED");
            assertThat(queued.get("generated").get("throughput").asDouble()).isEqualTo(123.5);
            assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(5);

            assertThat(mlflow.poll()).isEmpty();
            assertThat(mlflow.stats().errors()).isZero();
        }
    }

    @Test
    void a_store_that_cannot_be_opened_fails_at_start() {
        var missing = new MlflowObserver(MlflowSettings.fromTrackingUri("sqlite:///" + dir.resolve("nope/none.db")));
        try (Emitter emitter = EmitterConfig.builder()
                .redisUri("redis://127.0.0.1:1")
                .spillDir(dir.resolve("spill"))
                .start()) {
            assertThatThrownBy(() -> missing.start(emitter)).isInstanceOf(SQLException.class);
            assertThatThrownBy(missing::poll).isInstanceOf(SQLException.class);
            assertThat(missing.stats().errors()).isEqualTo(1);
        } finally {
            missing.close();
        }
    }

    private void flushAndIngest(Emitter emitter) {
        assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
        server.awaitIngested(seconds(30));
    }

    private static List<String> concat(List<String> a, String b) {
        var out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }

    private static String taskId(JsonNode ids, String name) {
        return MlflowObserver.taskId(ids.get(name).asText());
    }

    private JsonNode task(JsonNode ids, String name) throws IOException {
        var a = server.get("/api/tasks?id=" + URLEncoder.encode(taskId(ids, name), StandardCharsets.UTF_8));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private String status(JsonNode ids, String name) throws IOException {
        return task(ids, name).get("status").asText();
    }
}

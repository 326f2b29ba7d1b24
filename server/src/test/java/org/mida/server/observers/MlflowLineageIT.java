package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.mlflow.MlflowObserver;
import org.mida.observers.mlflow.MlflowSettings;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The lineage the MLflow observer finds in a store written by real MLflow ({@code
 * python/mlflow_lineage.py}): datasets from {@code mlflow.log_input}, nested runs, params that name data,
 * logged models used by a later run, artifact files, run names as labels, campaigns from tags, no empty
 * Default workflow, and rows it cannot map in the dead letters; checked through the server's API.
 */
@ExtendWith(Backends.class)
class MlflowLineageIT {

    private static final String SETTING_CAMPAIGN = "camp-setting";

    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void datasets_models_artifacts_nested_runs_and_campaigns_from_a_sqlite_store() throws Exception {
        Path db = dir.resolve("mlflow.db");
        exercise("sqlite:///" + db.toAbsolutePath());
    }

    /** The same against PostgreSQL when {@code MIDA_TEST_MLFLOW_PG} names a database (its public schema is reset). */
    @Test
    void datasets_models_artifacts_nested_runs_and_campaigns_from_a_postgresql_store() throws Exception {
        String uri = System.getenv("MIDA_TEST_MLFLOW_PG");
        Assumptions.assumeTrue(uri != null && !uri.isBlank(), "MIDA_TEST_MLFLOW_PG is not set: no PostgreSQL to test");
        PythonPeers.require("psycopg2");
        var settings = MlflowSettings.fromTrackingUri(uri);
        try (var c = DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
                var st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS public CASCADE");
            st.execute("CREATE SCHEMA public");
        }
        exercise(uri);
    }

    private void exercise(String uri) throws Exception {
        Path python = PythonPeers.require("mlflow", "sqlalchemy", "alembic", "pandas");
        Path script = PythonPeers.script("mlflow_lineage.py", dir);
        Path statePath = dir.resolve("state.json");
        var args = List.of(script.toString(), uri, statePath.toString(), dir.toString());
        PythonPeers.runOk(python, with(args, "phase1"), dir, Map.of(), 300);
        JsonNode ids = new ObjectMapper().readTree(statePath.toFile());
        var base = MlflowSettings.fromTrackingUri(uri);
        spoil(base, ids);

        server = TestServer.start();
        var settings = base.withCampaignId(SETTING_CAMPAIGN).withDataParams(Set.of("manifest"));
        try (Emitter emitter = EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                        .spillDir(dir.resolve("spill"))
                        .start();
                MlflowObserver mlflow = new MlflowObserver(settings)) {
            mlflow.start(emitter);
            mlflow.observe();
            flushAndIngest(emitter);

            // workflows: the two experiments with runs, each in its campaign; no empty Default
            String wf = mlflow.workflowId(ids.get("exp").asText());
            String plainWf = mlflow.workflowId(ids.get("plain_exp").asText());
            JsonNode workflows = server.get("/api/workflows?limit=100").json().get("workflows");
            var workflowIds = new ArrayList<String>();
            workflows.forEach(w -> workflowIds.add(w.get("workflow_id").asText()));
            assertThat(workflowIds).containsExactlyInAnyOrder(wf, plainWf);
            assertThat(workflow(wf).get("campaign_id").asText()).isEqualTo("camp-exp");
            assertThat(workflow(plainWf).get("campaign_id").asText()).isEqualTo(SETTING_CAMPAIGN);

            // the parent run: its name is the label; datasets and data params are used entities
            String trainCsv = "file://" + ids.get("train_csv").asText();
            String holdout = "mlflow-dataset://" + ids.get("exp").asText() + "/holdout/"
                    + ids.get("holdout_digest").asText();
            JsonNode search = task(ids, "search");
            assertThat(search.get("activity_id").asText()).isEqualTo("search");
            assertThat(search.get("campaign_id").asText()).isEqualTo("camp-exp");
            assertThat(search.has("parent_task_id")).isFalse();
            JsonNode used = search.get("used");
            assertThat(ids(used.get("training")))
                    .containsExactlyInAnyOrder(trainCsv, "s3://mida-bucket/features.parquet");
            assertThat(used.get("eval").get("@id").asText()).isEqualTo(holdout);
            // a logged dataset names the version it used: its digest
            assertThat(used.get("eval").get("version").asText())
                    .isEqualTo(ids.get("holdout_digest").asText());
            used.get("training")
                    .forEach(r -> assertThat(r.get("version").asText())
                            .isEqualTo(r.get("digest").asText())
                            .isNotBlank());
            assertThat(used.get("input_path").has("version")).isFalse(); // a param naming data: no version known
            assertThat(used.get("input_path").get("@id").asText()).isEqualTo(trainCsv);
            assertThat(used.get("data_uri").get("@id").asText()).isEqualTo("s3://mida-bucket/raw/");
            assertThat(used.get("manifest").get("@id").asText()).isEqualTo("manifest.txt");
            assertThat(used.get("endpoint").asText()).isEqualTo("http://example.org/api");
            assertThat(used.get("lr").asDouble()).isEqualTo(0.1);
            assertThat(upstreamIds("mlflow:" + ids.get("search").asText()))
                    .contains(trainCsv, holdout, "s3://mida-bucket/features.parquet", "s3://mida-bucket/raw/");
            assertThat(server.count(
                            // the digest names the version the run read
                            "MATCH (t:Task {task_id:$t})-[:USED {role:'training', version: $d}]->(v:Version {version: $d})"
                                    + "-[:SPECIALIZATION_OF]->(e:Entity {id:$e})"
                                    + " WHERE v.digest = $d AND v.source_type = 'local' AND v.name = 'train'"
                                    + " AND v.profile CONTAINS 'num_rows' AND e.digest = $d RETURN count(*)",
                            "t",
                            "mlflow:" + ids.get("search").asText(),
                            "e",
                            trainCsv,
                            "d",
                            ids.get("train_digest").asText()))
                    .isEqualTo(1);
            assertThat(server.count("MATCH (e:Entity {id:'s3://mida-bucket/features.parquet', type:'dataset'})"
                            + " WHERE e.schema CONTAINS 'mlflow_colspec' AND e.digest = 'f00dfeed'"
                            + " AND e.source_type = 's3' RETURN count(e)"))
                    .isEqualTo(1);

            // the nested run: parent task, its own campaign tag, the logged models and artifact files it generated
            String modelId = "models:/" + ids.get("model").asText();
            String lateId = "models:/" + ids.get("late").asText();
            JsonNode child = task(ids, "child");
            assertThat(child.get("activity_id").asText()).isEqualTo("train-child");
            assertThat(child.get("parent_task_id").asText())
                    .isEqualTo("mlflow:" + ids.get("search").asText());
            assertThat(child.get("campaign_id").asText()).isEqualTo("camp-run");
            assertThat(child.get("generated").get("model").get("@id").asText()).isEqualTo(modelId);
            assertThat(child.get("generated").get("late").get("@id").asText()).isEqualTo(lateId);
            String artifacts = fileUri(ids.get("child_artifact_uri").asText());
            assertThat(child.get("generated").get("artifacts").get("@id").asText())
                    .isEqualTo(artifacts);
            assertThat(ids(child.get("generated").get("artifact_files")))
                    .containsExactly(artifacts + "/notes/readme.txt");
            assertThat(modelStatus(lateId)).isEqualTo("PENDING");
            assertThat(modelStatus(modelId)).isEqualTo("READY");

            // a later run that evaluates the model uses it by the same id: lineage reaches the training run
            JsonNode evaluate = task(ids, "evaluate");
            assertThat(evaluate.get("campaign_id").asText()).isEqualTo("camp-exp");
            assertThat(evaluate.get("used").get("model").get("@id").asText()).isEqualTo(modelId);
            assertThat(evaluate.get("used").get("model_uri").get("@id").asText())
                    .isEqualTo(modelId);
            assertThat(upstreamIds("mlflow:" + ids.get("evaluate").asText()))
                    .contains(modelId, "mlflow:" + ids.get("child").asText());

            // the plain run: the setting's campaign
            JsonNode plain = task(ids, "plain");
            assertThat(plain.get("campaign_id").asText()).isEqualTo(SETTING_CAMPAIGN);
            assertThat(plain.get("activity_id").asText()).isEqualTo("plain");

            // what could not be mapped is in the dead letters, with a reason, counted, refused once
            assertThat(server.get("/api/tasks?id="
                                    + enc("mlflow:" + ids.get("broken").asText()))
                            .status())
                    .isEqualTo(404);
            assertThat(mlflow.stats().rejected()).isEqualTo(2);
            Map<String, Long> counters = mlflow.counters();
            assertThat(counters)
                    .containsEntry("rejected", 2L)
                    .containsEntry("runs_seen", 5L)
                    .containsEntry("polls", 1L)
                    .containsEntry("errors", 0L);
            List<StreamEntry> dead = deadLetters(emitter);
            assertThat(dead).hasSize(2);
            assertThat(dead)
                    .anySatisfy(e -> assertThat(e.getFields().get("reason"))
                            .contains("input bad-input-1")
                            .contains("not in the datasets table"))
                    .anySatisfy(e -> {
                        assertThat(e.getFields().get("reason"))
                                .contains("run " + ids.get("broken").asText())
                                .contains("started_at");
                        assertThat(e.getFields().get("source_id"))
                                .endsWith("#runs/" + ids.get("broken").asText());
                        assertThat(e.getFields().get("event")).contains("\"start_time\":-5000");
                    });

            // nothing changed: nothing emitted, nothing refused again
            assertThat(mlflow.poll()).isEmpty();
            assertThat(mlflow.stats().rejected()).isEqualTo(2);

            // phase 2: the late model is finalized after its run ended: the next poll brings the run back
            PythonPeers.runOk(python, with(args, "phase2"), dir, Map.of(), 300);
            var second = mlflow.poll();
            assertThat(second)
                    .extracting(e -> e.key())
                    .containsExactly("mlflow:" + ids.get("child").asText());
            emitter.emitAll(second);
            flushAndIngest(emitter);
            assertThat(modelStatus(lateId)).isEqualTo("READY");
            assertThat(mlflow.poll()).isEmpty();
        }
    }

    /** A dataset input whose dataset row is missing, and a run with an impossible start time. */
    private static void spoil(MlflowSettings s, JsonNode ids) throws Exception {
        try (var c = DriverManager.getConnection(s.jdbcUrl(), s.user(), s.password());
                var insert = c.prepareStatement("INSERT INTO inputs (input_uuid, source_type, source_id,"
                        + " destination_type, destination_id, step) VALUES ('bad-input-1', 'DATASET',"
                        + " 'no-such-dataset', 'RUN', ?, 0)");
                var update = c.prepareStatement("UPDATE runs SET start_time = -5000 WHERE run_uuid = ?")) {
            insert.setString(1, ids.get("plain").asText());
            insert.executeUpdate();
            update.setString(1, ids.get("broken").asText());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }

    private List<StreamEntry> deadLetters(Emitter emitter) {
        TestServer.await(seconds(20), "two dead letters", () -> emitter.stats().deadLettered() == 2);
        try (Jedis j = new Jedis(URI.create(Backends.redisUri()))) {
            return j.xrange(server.stream() + ":dead", (StreamEntryID) null, null, 100);
        }
    }

    private String modelStatus(String modelId) {
        var rows = server.query("MATCH (e:Entity {id:$id}) RETURN e.status AS s", "id", modelId);
        assertThat(rows).hasSize(1);
        return rows.get(0).get("s").asString();
    }

    private List<String> upstreamIds(String id) {
        JsonNode graph = server.get("/api/lineage?direction=upstream&depth=4&id=" + enc(id))
                .json();
        var out = new ArrayList<String>();
        // a version of an entity counts as the entity
        graph.get("nodes")
                .forEach(n -> out.add(
                        n.get("entity_id").isNull()
                                ? n.get("id").asText()
                                : n.get("entity_id").asText()));
        return out;
    }

    private static List<String> ids(JsonNode refs) {
        assertThat(refs).as("a list of entity references").isNotNull();
        var out = new ArrayList<String>();
        if (refs.isArray()) refs.forEach(r -> out.add(r.get("@id").asText()));
        else out.add(refs.get("@id").asText());
        return out;
    }

    private static String fileUri(String artifactUri) {
        return artifactUri.startsWith("/") ? "file://" + artifactUri : artifactUri;
    }

    private void flushAndIngest(Emitter emitter) {
        assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
        server.awaitIngested(seconds(30));
    }

    private JsonNode workflow(String id) {
        for (JsonNode w : server.get("/api/workflows?limit=100").json().get("workflows"))
            if (w.get("workflow_id").asText().equals(id)) return w;
        throw new AssertionError("no workflow " + id);
    }

    private JsonNode task(JsonNode ids, String name) {
        var a = server.get(
                "/api/tasks?id=" + enc(MlflowObserver.taskId(ids.get(name).asText())));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static List<String> with(List<String> a, String b) {
        var out = new ArrayList<>(a);
        out.add(b);
        return out;
    }
}

package org.mida.server.openlineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.ApiKeyTokenProvider;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import io.openlineage.client.transports.HttpTransportResponseException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * POST /api/v1/lineage driven by the real OpenLineage Java client (HttpTransport) against a real server
 * over embedded Neo4j and Redis; results read back through REST and Cypher.
 */
@ExtendWith(Backends.class)
class OpenLineageIT {
    private static final OpenLineage OL = new OpenLineage(URI.create("https://example.org/mida-openlineage-it"));
    private static final ZonedDateTime T0 = ZonedDateTime.of(2024, 5, 1, 12, 0, 0, 0, ZoneOffset.ofHours(2));
    private static final double T0_EPOCH = T0.toEpochSecond();
    private static final String NS = "airflow://scheduler";

    /** An output file with a space, '#' and non-ASCII: its entity id is the percent-encoded file URI. */
    private static final String CLEAN_PATH = "/data/ol it/clean #1 ü.csv";

    private static final String CLEAN_ID = Path.of(CLEAN_PATH).toUri().toString();

    private TestServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) c.close();
        if (server != null) server.close();
    }

    // --- the client side ---

    private HttpTransport transport(String apiKey, boolean gzip) {
        var config = new HttpConfig();
        config.setUrl(URI.create("http://127.0.0.1:" + server.server().port()));
        if (apiKey != null) {
            var auth = new ApiKeyTokenProvider();
            auth.setApiKey(apiKey);
            config.setAuth(auth);
        }
        if (gzip) config.setCompression(HttpConfig.Compression.GZIP);
        var t = new HttpTransport(config);
        clients.add(t);
        return t;
    }

    private OpenLineageClient client(String apiKey) {
        var c = new OpenLineageClient(transport(apiKey, false));
        clients.add(c);
        return c;
    }

    private static OpenLineage.ParentRunFacet parent(UUID runId, String job, UUID rootRunId, String rootJob) {
        var b = OL.newParentRunFacetBuilder()
                .run(OL.newParentRunFacetRunBuilder().runId(runId).build())
                .job(OL.newParentRunFacetJobBuilder().namespace(NS).name(job).build());
        if (rootRunId != null)
            b.root(OL.newParentRunFacetRootBuilder()
                    .run(OL.newRootRunBuilder().runId(rootRunId).build())
                    .job(OL.newRootJobBuilder().namespace(NS).name(rootJob).build())
                    .build());
        return b.build();
    }

    private static OpenLineage.InputDataset input(String namespace, String name, boolean withSchema) {
        var b = OL.newInputDatasetBuilder().namespace(namespace).name(name);
        if (withSchema)
            b.facets(OL.newDatasetFacetsBuilder()
                    .schema(OL.newSchemaDatasetFacetBuilder()
                            .fields(List.of(
                                    OL.newSchemaDatasetFacetFieldsBuilder()
                                            .name("id")
                                            .type("int")
                                            .build(),
                                    OL.newSchemaDatasetFacetFieldsBuilder()
                                            .name("value")
                                            .type("double")
                                            .build()))
                            .build())
                    .dataSource(OL.newDatasourceDatasetFacet("s3", URI.create(namespace)))
                    .build());
        return b.build();
    }

    private static OpenLineage.OutputDataset output(String namespace, String name, Long rows) {
        var b = OL.newOutputDatasetBuilder().namespace(namespace).name(name);
        if (rows != null)
            b.outputFacets(OL.newOutputDatasetOutputFacetsBuilder()
                    .outputStatistics(OL.newOutputStatisticsOutputDatasetFacet(rows, 1024L, null))
                    .build());
        return b.build();
    }

    private static OpenLineage.RunEvent event(
            EventType type,
            int secondsAfterT0,
            UUID runId,
            String job,
            OpenLineage.RunFacets runFacets,
            List<OpenLineage.InputDataset> in,
            List<OpenLineage.OutputDataset> out) {
        return OL.newRunEventBuilder()
                .eventType(type)
                .eventTime(T0.plusSeconds(secondsAfterT0))
                .run(OL.newRunBuilder()
                        .runId(runId)
                        .facets(runFacets == null ? OL.newRunFacetsBuilder().build() : runFacets)
                        .build())
                .job(OL.newJobBuilder()
                        .namespace(NS)
                        .name(job)
                        .facets(OL.newJobFacetsBuilder()
                                .sql(OL.newSQLJobFacet("SELECT id, value FROM raw", "postgres"))
                                .jobType(OL.newJobTypeJobFacet("BATCH", "AIRFLOW", "TASK", null))
                                .build())
                        .build())
                .inputs(in)
                .outputs(out)
                .build();
    }

    private static OpenLineage.RunFacets childFacets(UUID parentRun, String parentJob) {
        return OL.newRunFacetsBuilder()
                .parent(parent(parentRun, parentJob, parentRun, parentJob))
                .nominalTime(OL.newNominalTimeRunFacet(T0, null))
                .build();
    }

    // --- the server side ---

    private JsonNode task(String id) {
        var a = server.get("/api/tasks?id=" + enc(id));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private JsonNode workflow(String id) {
        var a = server.get("/api/workflows?id=" + enc(id));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private void awaitTask(String id, String status) {
        TestServer.await(
                seconds(30),
                "task " + id + " to be " + status,
                () -> server.get("/api/tasks?id=" + enc(id)).status() == 200
                        && status.equals(task(id).path("status").asText()));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // --- tests ---

    @Test
    void a_dag_run_with_tasks_becomes_one_workflow_visible_from_start_and_lineage_crosses_jobs() {
        server = TestServer.start();
        OpenLineageClient client = client(null);
        UUID dagRun = UUID.randomUUID();
        UUID extract = UUID.randomUUID();
        UUID report = UUID.randomUUID();
        String wf = "openlineage:run:" + dagRun;

        client.emit(event(EventType.START, 0, dagRun, "etl_dag", null, List.of(), List.of()));
        var inputs = List.of(input("s3://raw-bucket", "in/raw.csv", true));
        client.emit(event(
                EventType.START,
                1,
                extract,
                "etl_dag.extract",
                childFacets(dagRun, "etl_dag"),
                inputs,
                List.of(output("file", CLEAN_PATH, null))));

        // visible from START, before any COMPLETE
        awaitTask(extract.toString(), "RUNNING");
        JsonNode t = task(extract.toString());
        assertThat(t.get("workflow_id").asText()).isEqualTo(wf);
        assertThat(t.get("activity_id").asText()).isEqualTo(NS + "/etl_dag.extract");
        assertThat(t.get("parent_task_id").asText()).isEqualTo(dagRun.toString());
        assertThat(t.get("subtype").asText()).isEqualTo("TASK");
        assertThat(t.get("started_at").asDouble()).isEqualTo(T0_EPOCH + 1);
        assertThat(t.get("adapter_id").asText()).isEqualTo("https://example.org/mida-openlineage-it");
        assertThat(t.at("/used/in~1raw.csv/@id").asText()).isEqualTo("s3://raw-bucket/in/raw.csv");
        // a running task has generated nothing yet: its outputs are declared
        assertThat(t.path("generated")).isEmpty();
        assertThat(t.at(JsonPointer.empty()
                                .appendProperty("custom_metadata")
                                .appendProperty("openlineage.declared_outputs")
                                .appendProperty(CLEAN_PATH)
                                .appendProperty("@id"))
                        .asText())
                .isEqualTo(CLEAN_ID);
        assertThat(t.at("/custom_metadata/openlineage.job.sql/query").asText()).isEqualTo("SELECT id, value FROM raw");
        assertThat(t.at("/custom_metadata/openlineage.run.parent/run/runId").asText())
                .isEqualTo(dagRun.toString());
        assertThat(t.at("/custom_metadata/openlineage.run.nominalTime/nominalStartTime")
                        .isMissingNode())
                .isFalse();
        JsonNode w = workflow(wf);
        assertThat(w.get("name").asText()).isEqualTo(NS + "/etl_dag");
        assertThat(w.get("status").asText()).isEqualTo("RUNNING");

        client.emit(event(
                EventType.COMPLETE,
                5,
                extract,
                "etl_dag.extract",
                childFacets(dagRun, "etl_dag"),
                inputs,
                List.of(output("file", CLEAN_PATH, 42L))));
        awaitTask(extract.toString(), "FINISHED");
        t = task(extract.toString());
        assertThat(t.at(JsonPointer.empty()
                                .appendProperty("generated")
                                .appendProperty(CLEAN_PATH)
                                .appendProperty("@id"))
                        .asText())
                .isEqualTo(CLEAN_ID);
        assertThat(t.get("started_at").asDouble()).isEqualTo(T0_EPOCH + 1);
        assertThat(t.get("ended_at").asDouble()).isEqualTo(T0_EPOCH + 5);
        assertThat(t.at(JsonPointer.empty()
                                .appendProperty("custom_metadata")
                                .appendProperty("openlineage.output:" + CLEAN_ID)
                                .appendProperty("outputStatistics")
                                .appendProperty("rowCount"))
                        .asLong())
                .isEqualTo(42);

        // another job reads the first one's output: one entity links the two
        var reportIn = List.of(
                OL.newInputDatasetBuilder().namespace("file").name(CLEAN_PATH).build());
        var reportOut = List.of(output("s3://reports", "daily/report.pdf", null));
        client.emit(event(
                EventType.START, 6, report, "etl_dag.report", childFacets(dagRun, "etl_dag"), reportIn, reportOut));
        client.emit(event(
                EventType.COMPLETE, 9, report, "etl_dag.report", childFacets(dagRun, "etl_dag"), reportIn, reportOut));
        client.emit(event(EventType.COMPLETE, 10, dagRun, "etl_dag", null, List.of(), List.of()));
        server.awaitIngested(seconds(30));
        awaitTask(report.toString(), "FINISHED");

        assertThat(server.count("MATCH (e:Entity {id: $id}) RETURN count(e)", "id", CLEAN_ID))
                .isEqualTo(1);
        assertThat(server.count(
                        "MATCH (a:Task {task_id: $a})<-[:WAS_GENERATED_BY]-(e:Entity {id: $id})<-[:USED]-(b:Task {task_id: $b}) "
                                + "RETURN count(*)",
                        "a",
                        extract.toString(),
                        "id",
                        CLEAN_ID,
                        "b",
                        report.toString()))
                .isEqualTo(1);
        assertThat(server.count("MATCH (e:Entity {id: 's3://raw-bucket/in/raw.csv'}) "
                        + "WHERE e.schema_fields = ['id', 'value'] AND e.data_source = 's3://raw-bucket' "
                        + "AND e.namespace = 's3://raw-bucket' AND e.name = 'in/raw.csv' "
                        + "AND e.type = 'dataset' AND e.`facets.schema` CONTAINS '\"double\"' RETURN count(e)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (t:Task)-[:PART_OF]->(:Workflow {workflow_id: $wf}) RETURN count(t)", "wf", wf))
                .isEqualTo(3);
        w = workflow(wf);
        assertThat(w.get("status").asText()).isEqualTo("FINISHED");
        assertThat(w.get("task_count").asLong()).isEqualTo(3);
        assertThat(w.get("started_at").asDouble()).isEqualTo(T0_EPOCH);
        assertThat(w.get("ended_at").asDouble()).isEqualTo(T0_EPOCH + 10);

        // retried deliveries (every event again) change nothing
        long nodes = server.count("MATCH (n) RETURN count(n)");
        long rels = server.count("MATCH ()-[r]->() RETURN count(r)");
        String before = server.query("MATCH (t:Task {task_id: $id}) RETURN t._json AS j", "id", extract.toString())
                .get(0)
                .get("j")
                .asString();
        client.emit(event(EventType.START, 0, dagRun, "etl_dag", null, List.of(), List.of()));
        client.emit(event(
                EventType.START,
                1,
                extract,
                "etl_dag.extract",
                childFacets(dagRun, "etl_dag"),
                inputs,
                List.of(output("file", CLEAN_PATH, null))));
        client.emit(event(
                EventType.COMPLETE,
                5,
                extract,
                "etl_dag.extract",
                childFacets(dagRun, "etl_dag"),
                inputs,
                List.of(output("file", CLEAN_PATH, 42L))));
        client.emit(event(
                EventType.COMPLETE, 9, report, "etl_dag.report", childFacets(dagRun, "etl_dag"), reportIn, reportOut));
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (n) RETURN count(n)")).isEqualTo(nodes);
        assertThat(server.count("MATCH ()-[r]->() RETURN count(r)")).isEqualTo(rels);
        assertThat(server.query("MATCH (t:Task {task_id: $id}) RETURN t._json AS j", "id", extract.toString())
                        .get(0)
                        .get("j")
                        .asString())
                .isEqualTo(before);
        assertThat(task(extract.toString()).get("status").asText()).isEqualTo("FINISHED");
        assertThat(server.get("/api/health").json().get("dead_letters").asLong())
                .isZero();
    }

    @Test
    void complete_before_start_ends_finished_and_fail_abort_end_in_error_with_the_message_kept() {
        server = TestServer.start();
        OpenLineageClient client = client(null);
        UUID late = UUID.randomUUID();
        client.emit(event(EventType.COMPLETE, 8, late, "spark_app", null, List.of(), List.of()));
        client.emit(event(EventType.START, 2, late, "spark_app", null, List.of(), List.of()));
        awaitTask(late.toString(), "FINISHED");
        server.awaitIngested(seconds(30));
        JsonNode t = task(late.toString());
        assertThat(t.get("status").asText()).isEqualTo("FINISHED");
        assertThat(t.get("started_at").asDouble()).isEqualTo(T0_EPOCH + 2);
        assertThat(t.get("ended_at").asDouble()).isEqualTo(T0_EPOCH + 8);
        assertThat(workflow("openlineage:run:" + late).get("status").asText()).isEqualTo("FINISHED");

        UUID failed = UUID.randomUUID();
        client.emit(event(EventType.START, 1, failed, "spark_app.job_3", null, List.of(), List.of()));
        client.emit(event(
                EventType.FAIL,
                3,
                failed,
                "spark_app.job_3",
                OL.newRunFacetsBuilder()
                        .errorMessage(OL.newErrorMessageRunFacet(
                                "Division by zero in stage 3", "JAVA", "java.lang.ArithmeticException\n\tat Job.run"))
                        .build(),
                List.of(),
                List.of()));
        awaitTask(failed.toString(), "ERROR");
        t = task(failed.toString());
        assertThat(t.get("stderr").asText())
                .startsWith("Division by zero in stage 3")
                .contains("java.lang.ArithmeticException");
        assertThat(t.at("/custom_metadata/openlineage.run.errorMessage/programmingLanguage")
                        .asText())
                .isEqualTo("JAVA");
        assertThat(t.get("ended_at").asDouble()).isEqualTo(T0_EPOCH + 3);

        UUID aborted = UUID.randomUUID();
        client.emit(event(EventType.START, 1, aborted, "spark_app.job_4", null, List.of(), List.of()));
        client.emit(event(EventType.ABORT, 4, aborted, "spark_app.job_4", null, List.of(), List.of()));
        awaitTask(aborted.toString(), "ERROR");
        t = task(aborted.toString());
        assertThat(t.at("/custom_metadata/openlineage.aborted").asBoolean()).isTrue();
        assertThat(t.get("tags").toString()).contains("\"aborted\"", "\"openlineage\"");
        // a later START (retry of an old delivery) does not bring it back
        client.emit(event(EventType.START, 1, aborted, "spark_app.job_4", null, List.of(), List.of()));
        server.awaitIngested(seconds(30));
        assertThat(task(aborted.toString()).get("status").asText()).isEqualTo("ERROR");
    }

    @Test
    void with_a_token_the_clients_api_key_is_accepted_and_a_wrong_one_is_401() {
        server = TestServer.start(c -> c.withApiToken("s3cret-token"));
        UUID run = UUID.randomUUID();
        client("s3cret-token").emit(event(EventType.START, 0, run, "secured", null, List.of(), List.of()));
        awaitTask(run.toString(), "RUNNING");

        HttpTransport wrong = transport("not-the-token", false);
        UUID other = UUID.randomUUID();
        assertThatThrownBy(() -> wrong.emit(event(EventType.START, 0, other, "secured", null, List.of(), List.of())))
                .isInstanceOfSatisfying(
                        HttpTransportResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(401));
        HttpTransport none = transport(null, false);
        assertThatThrownBy(() -> none.emit(event(EventType.START, 0, other, "secured", null, List.of(), List.of())))
                .isInstanceOfSatisfying(
                        HttpTransportResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(401));
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {task_id: $id}) RETURN count(t)", "id", other.toString()))
                .isZero();
    }

    @Test
    void gzip_compressed_events_from_the_transport_are_accepted() {
        server = TestServer.start();
        HttpTransport gz = transport(null, true);
        UUID run = UUID.randomUUID();
        gz.emit(event(
                EventType.START,
                0,
                run,
                "compressed",
                null,
                List.of(input("s3://raw-bucket", "in/raw.csv", true)),
                List.of()));
        awaitTask(run.toString(), "RUNNING");
        var a = server.post("/api/v1/lineage", "not gzip", "Content-Encoding", "gzip");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.contentType()).startsWith("application/problem+json");
    }

    private static final String BASE = """
            "eventTime":"2024-05-01T12:00:00.250Z","producer":"https://example.org/raw",
            "schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\"""";
    private static final String FACET_BASE =
            "\"_producer\":\"https://example.org/raw\",\"_schemaURL\":\"https://example.org/facet.json\"";

    @Test
    void invalid_json_and_schema_violations_are_400_problems_with_pointers_and_nothing_is_accepted() {
        server = TestServer.start();
        var a = server.post("/api/v1/lineage", "{\"eventType\": ");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.json().get("detail").asText()).contains("not valid JSON");

        String run = UUID.randomUUID().toString();
        String good = "{" + BASE + ",\"eventType\":\"START\",\"run\":{\"runId\":\"" + run
                + "\"},\"job\":{\"namespace\":\"raw\",\"name\":\"j\"}}";
        String bad = "{" + BASE + ",\"eventType\":\"FINISHED\",\"run\":{\"runId\":\"not-a-uuid\"},"
                + "\"job\":{\"namespace\":\"raw\"},\"inputs\":[{\"namespace\":\"s3://b\",\"name\":\"x\","
                + "\"facets\":{\"schema\":{\"fields\":[]}}}]}";
        a = server.post("/api/v1/lineage", "[" + good + "," + bad + "]");
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        JsonNode p = a.json();
        assertThat(p.get("detail").asText()).contains("1 of 2 events").contains("/1/");
        var pointers = new ArrayList<String>();
        p.get("errors").forEach(e -> pointers.add(e.get("pointer").asText()));
        assertThat(pointers)
                .contains(
                        "/1/eventType",
                        "/1/run/runId",
                        "/1/job/name",
                        "/1/inputs/0/facets/schema/_producer",
                        "/1/inputs/0/facets/schema/_schemaURL");
        assertThat(server.post("/api/v1/lineage", "").status()).isEqualTo(400);
        assertThat(server.post("/api/v1/lineage", "[]").status()).isEqualTo(400);
        assertThat(server.post("/api/v1/lineage", "42")
                        .json()
                        .get("errors")
                        .get(0)
                        .get("pointer")
                        .asText())
                .isEmpty();
        // a JSON null is an event that is not an object, not a server error
        var nullBody = server.post("/api/v1/lineage", "null");
        assertThat(nullBody.status()).as(nullBody.body()).isEqualTo(400);
        assertThat(nullBody.json().get("errors").get(0).get("pointer").asText()).isEmpty();
        assertThat(nullBody.json().get("detail").asText()).contains("got null");
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {task_id: $id}) RETURN count(t)", "id", run))
                .isZero();

        // the good one alone goes through; an array of events is a batch
        a = server.post("/api/v1/lineage", "[" + good + "," + good.replace("START", "COMPLETE") + "]");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        assertThat(a.json().fieldNames())
                .toIterable()
                .containsExactly("accepted", "task_ids", "workflow_ids", "entity_ids", "stream", "entry_id");
        assertThat(a.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(a.json().get("task_ids")).extracting(JsonNode::asText).containsExactly(run);
        assertThat(a.json().get("workflow_ids")).extracting(JsonNode::asText).containsExactly("openlineage:run:" + run);
        assertThat(a.json().get("entity_ids").isArray()).isTrue();
        assertThat(a.json().get("entity_ids")).isEmpty();
        assertThat(a.json().get("stream").asText()).isEqualTo(server.stream());
        assertThat(a.json().get("entry_id").asText()).matches("\\d+-\\d+");
        awaitTask(run, "FINISHED");
    }

    @Test
    void dataset_and_job_events_upsert_entities_and_a_job_workflow() {
        server = TestServer.start();
        String datasetEvent = "{" + BASE.replace("RunEvent", "DatasetEvent") + ","
                + "\"dataset\":{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders\","
                + "\"facets\":{\"schema\":{" + FACET_BASE + ",\"fields\":[{\"name\":\"order_id\",\"type\":\"int\"}]},"
                + "\"documentation\":{" + FACET_BASE + ",\"description\":\"all orders\"}}}}";
        var a = server.post("/api/v1/lineage", datasetEvent);
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        // nothing went to the stream: no stream and no entry_id in the answer
        assertThat(a.json().fieldNames())
                .toIterable()
                .containsExactly("accepted", "task_ids", "workflow_ids", "entity_ids");
        assertThat(a.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(a.json().get("task_ids")).isEmpty();
        assertThat(a.json().get("workflow_ids")).isEmpty();
        assertThat(a.json().get("entity_ids"))
                .extracting(JsonNode::asText)
                .containsExactly("postgres://db:5432/shop.public.orders");
        // written at once (not through the stream)
        assertThat(server.count("MATCH (e:Entity {id: 'postgres://db:5432/shop.public.orders'}) "
                        + "WHERE e.schema_fields = ['order_id'] AND e.`facets.documentation` CONTAINS 'all orders' "
                        + "RETURN count(e)"))
                .isEqualTo(1);
        assertThat(server.post("/api/v1/lineage", datasetEvent).status()).isEqualTo(202);
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(1);

        String jobEvent = "{" + BASE.replace("RunEvent", "JobEvent") + ","
                + "\"job\":{\"namespace\":\"dbt://analytics\",\"name\":\"orders_daily\",\"facets\":{\"sql\":{"
                + FACET_BASE + ",\"query\":\"select * from orders\"}}},"
                + "\"inputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders\"}],"
                + "\"outputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders_daily\"}]}";
        a = server.post("/api/v1/lineage", jobEvent);
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        String wf = "openlineage:job:dbt://analytics/orders_daily";
        assertThat(a.json().fieldNames())
                .toIterable()
                .containsExactly("accepted", "task_ids", "workflow_ids", "entity_ids", "stream", "entry_id");
        assertThat(a.json().get("task_ids")).extracting(JsonNode::asText).containsExactly(wf);
        assertThat(a.json().get("workflow_ids")).extracting(JsonNode::asText).containsExactly(wf);
        assertThat(a.json().get("entity_ids"))
                .extracting(JsonNode::asText)
                .containsExactly(
                        "postgres://db:5432/shop.public.orders", "postgres://db:5432/shop.public.orders_daily");
        server.awaitIngested(seconds(30));
        JsonNode w = workflow(wf);
        assertThat(w.get("name").asText()).isEqualTo("dbt://analytics/orders_daily");
        assertThat(w.at("/custom_metadata/openlineage.job.sql/query").asText()).isEqualTo("select * from orders");
        // the static lineage is the definition task's, not the workflow's
        assertThat(w.path("generated")).isEmpty();
        assertThat(task(wf).at("/generated/shop.public.orders_daily/@id").asText())
                .isEqualTo("postgres://db:5432/shop.public.orders_daily");
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(2);
        // the schema facet from the DatasetEvent survives the JobEvent that named the dataset without facets
        assertThat(server.count("MATCH (e:Entity {id: 'postgres://db:5432/shop.public.orders'}) "
                        + "WHERE e.schema_fields = ['order_id'] RETURN count(e)"))
                .isEqualTo(1);

        // a run that reads the same table uses the same entity
        String run = UUID.randomUUID().toString();
        a = server.post(
                "/api/v1/lineage",
                "{" + BASE + ",\"eventType\":\"COMPLETE\",\"run\":{\"runId\":\"" + run.toUpperCase()
                        + "\"},\"job\":{\"namespace\":\"dbt://analytics\",\"name\":\"orders_daily\"},"
                        + "\"inputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders\"}]}");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        assertThat(a.json().get("task_ids").get(0).asText()).isEqualTo(run);
        awaitTask(run, "FINISHED");
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (e:Entity) RETURN count(e)")).isEqualTo(2);
        assertThat(server.count(
                        "MATCH (:Task {task_id: $id})-[:USED]->(e:Entity {id: 'postgres://db:5432/shop.public.orders'}) "
                                + "WHERE e.schema_fields = ['order_id'] RETURN count(e)",
                        "id",
                        run))
                .isEqualTo(1);
    }

    // --- issue 12: identity, generation, static lineage, campaigns, versions ---

    @Test
    void datasets_whose_namespace_and_name_split_one_path_differently_stay_two_entities() {
        server = TestServer.start();
        UUID run = UUID.randomUUID();
        client(null)
                .emit(event(
                        EventType.COMPLETE,
                        0,
                        run,
                        "two_tables",
                        null,
                        List.of(
                                OL.newInputDatasetBuilder()
                                        .namespace("warehouse")
                                        .name("a/b")
                                        .build(),
                                OL.newInputDatasetBuilder()
                                        .namespace("warehouse/a")
                                        .name("b")
                                        .build()),
                        List.of()));
        awaitTask(run.toString(), "FINISHED");
        server.awaitIngested(seconds(30));
        var stored = new HashMap<String, String>();
        for (var r : server.query(
                "MATCH (:Task {task_id: $t})-[:USED]->(e:Entity) RETURN e.id AS id, e.namespace AS ns, e.name AS name",
                "t",
                run.toString()))
            stored.put(
                    r.get("id").asString(),
                    r.get("ns").asString() + " | " + r.get("name").asString());
        assertThat(stored)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("warehouse/a/b", "warehouse | a/b", "warehouse%2Fa/b", "warehouse/a | b"));
    }

    @Test
    void failed_and_aborted_runs_generate_none_of_their_outputs() {
        server = TestServer.start();
        OpenLineageClient client = client(null);
        var in = List.of(input("s3://raw-bucket", "in/raw.csv", false));
        UUID failed = UUID.randomUUID();
        UUID aborted = UUID.randomUUID();
        UUID completed = UUID.randomUUID();
        var failedOut = List.of(output("s3://results", "failed/part-0.parquet", 10L));
        var abortedOut = List.of(output("s3://results", "aborted/part-0.parquet", null));
        var completedOut = List.of(output("s3://results", "ok/part-0.parquet", null));
        client.emit(event(EventType.START, 0, failed, "spark_app.job_1", null, in, failedOut));
        client.emit(event(EventType.FAIL, 3, failed, "spark_app.job_1", null, in, failedOut));
        client.emit(event(EventType.START, 0, aborted, "spark_app.job_2", null, in, abortedOut));
        client.emit(event(EventType.ABORT, 4, aborted, "spark_app.job_2", null, in, abortedOut));
        client.emit(event(EventType.START, 0, completed, "spark_app.job_3", null, in, completedOut));
        client.emit(event(EventType.COMPLETE, 5, completed, "spark_app.job_3", null, in, completedOut));
        awaitTask(failed.toString(), "ERROR");
        awaitTask(aborted.toString(), "ERROR");
        awaitTask(completed.toString(), "FINISHED");
        server.awaitIngested(seconds(30));

        for (var e : Map.of(failed, "failed/part-0.parquet", aborted, "aborted/part-0.parquet")
                .entrySet()) {
            String id = e.getKey().toString();
            assertThat(server.count("MATCH ()-[:WAS_GENERATED_BY]->(:Task {task_id: $t}) RETURN count(*)", "t", id))
                    .as("generations of %s", id)
                    .isZero();
            assertThat(server.count(
                            "MATCH (e:Entity) WHERE e.id = $e RETURN count(e)", "e", "s3://results/" + e.getValue()))
                    .isZero();
            // it did read its input; the outputs it named stay in its document, not generated
            assertThat(server.count(
                            "MATCH (:Task {task_id: $t})-[:USED]->(:Entity {id: 's3://raw-bucket/in/raw.csv'}) "
                                    + "RETURN count(*)",
                            "t",
                            id))
                    .isEqualTo(1);
            JsonNode t = task(id);
            assertThat(t.path("generated")).isEmpty();
            assertThat(t.at(JsonPointer.empty()
                                    .appendProperty("custom_metadata")
                                    .appendProperty("openlineage.declared_outputs")
                                    .appendProperty(e.getValue())
                                    .appendProperty("@id"))
                            .asText())
                    .isEqualTo("s3://results/" + e.getValue());
            JsonNode down = server.get("/api/lineage?direction=downstream&depth=3&id=" + enc(id))
                    .json();
            assertThat(down.get("edges")).isEmpty();
        }
        assertThat(server.count(
                        "MATCH ()-[:WAS_GENERATED_BY]->(:Task {task_id: $t}) RETURN count(*)",
                        "t",
                        completed.toString()))
                .isEqualTo(1);
    }

    /** The edges of a lineage answer as "type source target". */
    private static Set<String> lineageEdges(JsonNode graph) {
        var out = new LinkedHashSet<String>();
        graph.get("edges")
                .forEach(e -> out.add(e.get("type").asText() + " "
                        + e.get("source").asText() + " " + e.get("target").asText()));
        return out;
    }

    /** The used / wasGeneratedBy of a PROV-JSON document between tasks and artifacts, as "type source target". */
    private static Set<String> provEdges(JsonNode doc) {
        var artifacts = new HashMap<String, String>();
        doc.path("entity").fields().forEachRemaining(e -> {
            if (e.getValue().has("mida:id"))
                artifacts.put(e.getKey(), e.getValue().get("mida:id").asText());
        });
        var out = new LinkedHashSet<String>();
        doc.path("used").forEach(u -> {
            String entity = artifacts.get(u.get("prov:entity").asText());
            if (entity != null) out.add("used " + taskOf(u.get("prov:activity").asText()) + " " + entity);
        });
        doc.path("wasGeneratedBy").forEach(g -> {
            String entity = artifacts.get(g.get("prov:entity").asText());
            if (entity != null)
                out.add("wasGeneratedBy " + entity + " "
                        + taskOf(g.get("prov:activity").asText()));
        });
        return out;
    }

    /** The id in a PROV activity QName: tasks are {@code task:<id>}, workflows {@code wf:<id>}, percent-encoded. */
    private static String taskOf(String qname) {
        String local = qname.substring(qname.indexOf(':') + 1);
        return (qname.startsWith("task:") ? "" : qname.substring(0, qname.indexOf(':') + 1))
                + URLDecoder.decode(local, StandardCharsets.UTF_8);
    }

    @Test
    void a_job_events_static_lineage_reads_the_same_in_lineage_and_in_prov() {
        server = TestServer.start();
        String jobEvent = "{" + BASE.replace("RunEvent", "JobEvent") + ","
                + "\"job\":{\"namespace\":\"dbt://analytics\",\"name\":\"orders_daily\"},"
                + "\"inputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders\"}],"
                + "\"outputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders_daily\"}]}";
        assertThat(server.post("/api/v1/lineage", jobEvent).status()).isEqualTo(202);
        String job = "openlineage:job:dbt://analytics/orders_daily";
        server.awaitIngested(seconds(30));

        var expected = List.of(
                "used " + job + " postgres://db:5432/shop.public.orders",
                "wasGeneratedBy postgres://db:5432/shop.public.orders_daily " + job);
        JsonNode lineage =
                server.get("/api/lineage?direction=both&depth=5&id=" + enc(job)).json();
        assertThat(lineage.get("root_kind").asText()).isEqualTo("task");
        assertThat(lineageEdges(lineage)).containsExactlyInAnyOrderElementsOf(expected);
        // from the output upstream, as a user asking "where does this table come from?"
        JsonNode up = server.get("/api/lineage?direction=upstream&depth=5&id="
                        + enc("postgres://db:5432/shop.public.orders_daily"))
                .json();
        assertThat(lineageEdges(up)).containsExactlyInAnyOrderElementsOf(expected);

        var prov = server.get("/api/prov/workflows?id=" + enc(job));
        assertThat(prov.status()).as(prov.body()).isEqualTo(200);
        assertThat(provEdges(prov.json())).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static OpenLineage.RunFacets midaFacet(String campaignId, OpenLineage.ParentRunFacet parent) {
        var facet = new OpenLineage.DefaultRunFacet(URI.create("https://example.org/mida-openlineage-it"));
        facet.getAdditionalProperties().put("campaign_id", campaignId);
        var b = OL.newRunFacetsBuilder().put("mida", facet);
        if (parent != null) b.parent(parent);
        return b.build();
    }

    private JsonNode campaign(String id) {
        JsonNode all = server.get("/api/campaigns").json().get("campaigns");
        for (JsonNode c : all) if (c.get("campaign_id").asText().equals(id)) return c;
        throw new AssertionError("no campaign " + id + " in " + all);
    }

    /** The ids of the tasks (activities {@code task:…}) of a PROV-JSON document. */
    private static Set<String> provTasks(JsonNode doc) {
        var out = new LinkedHashSet<String>();
        doc.path("activity").fieldNames().forEachRemaining(qn -> {
            if (qn.startsWith("task:")) out.add(taskOf(qn));
        });
        return out;
    }

    @Test
    void the_mida_run_facet_puts_an_openlineage_workflow_in_a_campaign() {
        server = TestServer.start();
        OpenLineageClient client = client(null);
        UUID dag = UUID.randomUUID();
        UUID child = UUID.randomUUID();
        String wf = "openlineage:run:" + dag;
        client.emit(event(EventType.START, 0, dag, "etl_dag", midaFacet("ol-campaign", null), List.of(), List.of()));
        client.emit(event(
                EventType.COMPLETE,
                4,
                child,
                "etl_dag.load",
                midaFacet("ol-campaign", parent(dag, "etl_dag", dag, "etl_dag")),
                List.of(input("s3://raw-bucket", "in/raw.csv", false)),
                List.of(output("s3://results", "daily.parquet", null))));
        client.emit(event(EventType.COMPLETE, 5, dag, "etl_dag", midaFacet("ol-campaign", null), List.of(), List.of()));
        awaitTask(child.toString(), "FINISHED");
        awaitTask(dag.toString(), "FINISHED");
        server.awaitIngested(seconds(30));

        assertThat(workflow(wf).get("campaign_id").asText()).isEqualTo("ol-campaign");
        assertThat(task(child.toString()).get("campaign_id").asText()).isEqualTo("ol-campaign");
        JsonNode c = campaign("ol-campaign");
        assertThat(c.get("workflow_count").asLong()).isEqualTo(1);
        assertThat(c.get("task_count").asLong()).isEqualTo(2);
        var prov = server.get("/api/prov/campaigns?id=ol-campaign");
        assertThat(prov.status()).as(prov.body()).isEqualTo(200);
        assertThat(provTasks(prov.json())).containsExactlyInAnyOrder(dag.toString(), child.toString());
        assertThat(provEdges(prov.json()))
                .contains(
                        "used " + child + " s3://raw-bucket/in/raw.csv",
                        "wasGeneratedBy s3://results/daily.parquet " + child);

        // a campaign_id that is not a string: 400 with its pointer, nothing accepted
        String run = UUID.randomUUID().toString();
        var a = server.post(
                "/api/v1/lineage",
                "{" + BASE + ",\"eventType\":\"START\",\"run\":{\"runId\":\"" + run + "\",\"facets\":{\"mida\":{"
                        + FACET_BASE + ",\"campaign_id\":42}}},\"job\":{\"namespace\":\"raw\",\"name\":\"j\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/run/facets/mida/campaign_id");
        assertThat(a.json().get("detail").asText()).contains("campaign_id");
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {task_id: $id}) RETURN count(t)", "id", run))
                .isZero();
    }

    @Test
    void the_server_setting_names_the_campaign_of_runs_and_jobs_that_name_none() {
        server = TestServer.start(c -> c.withOpenLineageCampaign("ol-default"));
        OpenLineageClient client = client(null);
        UUID plain = UUID.randomUUID();
        UUID named = UUID.randomUUID();
        client.emit(event(
                EventType.COMPLETE,
                2,
                plain,
                "nightly",
                null,
                List.of(input("s3://raw-bucket", "in/raw.csv", false)),
                List.of()));
        client.emit(event(EventType.COMPLETE, 2, named, "adhoc", midaFacet("ol-other", null), List.of(), List.of()));
        String jobEvent = "{" + BASE.replace("RunEvent", "JobEvent") + ","
                + "\"job\":{\"namespace\":\"dbt://analytics\",\"name\":\"orders_daily\"}}";
        assertThat(server.post("/api/v1/lineage", jobEvent).status()).isEqualTo(202);
        awaitTask(plain.toString(), "FINISHED");
        awaitTask(named.toString(), "FINISHED");
        server.awaitIngested(seconds(30));

        assertThat(workflow("openlineage:run:" + plain).get("campaign_id").asText())
                .isEqualTo("ol-default");
        assertThat(workflow("openlineage:job:dbt://analytics/orders_daily")
                        .get("campaign_id")
                        .asText())
                .isEqualTo("ol-default");
        assertThat(workflow("openlineage:run:" + named).get("campaign_id").asText())
                .isEqualTo("ol-other");
        assertThat(campaign("ol-default").get("workflow_count").asLong()).isEqualTo(2);
        assertThat(campaign("ol-other").get("workflow_count").asLong()).isEqualTo(1);
        var prov = server.get("/api/prov/campaigns?id=ol-default");
        assertThat(prov.status()).as(prov.body()).isEqualTo(200);
        assertThat(provTasks(prov.json()))
                .containsExactlyInAnyOrder(plain.toString(), "openlineage:job:dbt://analytics/orders_daily");
    }

    @Test
    void the_dataset_version_facet_is_the_version_the_reference_names() {
        server = TestServer.start();
        UUID run = UUID.randomUUID();
        var in = OL.newInputDatasetBuilder()
                .namespace("s3://raw-bucket")
                .name("in/raw.csv")
                .facets(OL.newDatasetFacetsBuilder()
                        .version(OL.newDatasetVersionDatasetFacet("v7"))
                        .build())
                .build();
        var out = OL.newOutputDatasetBuilder()
                .namespace("s3://results")
                .name("daily.parquet")
                .facets(OL.newDatasetFacetsBuilder()
                        .version(OL.newDatasetVersionDatasetFacet("2024-05-01T12:00"))
                        .build())
                .build();
        client(null).emit(event(EventType.COMPLETE, 3, run, "versioned", null, List.of(in), List.of(out)));
        awaitTask(run.toString(), "FINISHED");
        JsonNode t = task(run.toString());
        assertThat(t.at("/used/in~1raw.csv/version").asText()).isEqualTo("v7");
        assertThat(t.at("/generated/daily.parquet/version").asText()).isEqualTo("2024-05-01T12:00");
        assertThat(t.at("/used/in~1raw.csv/@id").asText()).isEqualTo("s3://raw-bucket/in/raw.csv");
    }
}

package org.mida.server.openlineage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written check gives the same verdict as a general JSON-schema validator run on the
 * OpenLineage 2-0-2 schema file itself (formats asserted), on valid events and on one mutation per rule.
 */
class OpenLineageSchemaTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A copy of shared/data/openlineage-2-0-2.schema.json (the published 2-0-2 spec file). */
    private static final String SCHEMA = "/openlineage/openlineage-2-0-2.schema.json";

    private static Schema reference;

    static final String FACET = "\"_producer\":\"https://example.org/p\",\"_schemaURL\":\"https://example.org/s#/x\"";
    static final String RUN_ID = "3f5e1c9a-2b7d-4e8f-9a01-23456789abcd";

    static final String RUN_EVENT =
            """
            {"eventType":"START","eventTime":"2024-05-01T12:00:00.5+02:00",
             "producer":"https://github.com/OpenLineage/OpenLineage/tree/1.55.0/client/java",
             "schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run":{"runId":"%s","facets":{"nominalTime":{%s,"nominalStartTime":"2024-05-01T00:00:00Z"},
               "parent":{%s,"job":{"namespace":"airflow","name":"dag"},"run":{"runId":"%s"}}}},
             "job":{"namespace":"airflow","name":"dag.task","facets":{"sql":{%s,"query":"select 1"},
               "old":{%s,"_deleted":true}}},
             "inputs":[{"namespace":"s3://bucket","name":"in/x.csv","facets":{"schema":{%s,
               "fields":[{"name":"a","type":"int"}]}},"inputFacets":{"dq":{%s,"rowCount":3}}}],
             "outputs":[{"namespace":"file","name":"/out/y.csv","outputFacets":{"outputStatistics":{%s,"rowCount":1}}}]}
            """.formatted(RUN_ID, FACET, FACET, RUN_ID.replace('3', '4'), FACET, FACET, FACET, FACET, FACET);
    static final String DATASET_EVENT = """
            {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
             "dataset":{"namespace":"postgres://db:5432","name":"shop.public.orders",
               "facets":{"schema":{%s,"fields":[{"name":"id"}]}}}}
            """.formatted(FACET);
    static final String JOB_EVENT = """
            {"eventTime":"2024-05-01T12:00:00Z","producer":"https://example.org/p","schemaURL":"https://example.org/s",
             "job":{"namespace":"ns","name":"view_builder","facets":{"sql":{%s,"query":"create view v as select 1"}}},
             "inputs":[{"namespace":"ns","name":"t"}],"outputs":[{"namespace":"ns","name":"v"}]}
            """.formatted(FACET);

    @BeforeAll
    static void loadSchema() throws IOException {
        var registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        try (var in = OpenLineageSchemaTest.class.getResourceAsStream(SCHEMA)) {
            assertThat(in).as(SCHEMA).isNotNull();
            reference = registry.getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
        }
    }

    /** Each case: a name, the JSON, and the pointer our check must report first (null when valid). */
    static Stream<Object[]> cases() {
        return Stream.of(
                c("valid RunEvent", RUN_EVENT, null),
                c("valid DatasetEvent", DATASET_EVENT, null),
                c("valid JobEvent", JOB_EVENT, null),
                c("RunEvent without eventType is valid", without(RUN_EVENT, "eventType"), null),
                c("unknown eventType", put(RUN_EVENT, "eventType", "DONE"), "/eventType"),
                c("eventType not a string", put(RUN_EVENT, "eventType", 3), "/eventType"),
                c("missing eventTime", without(RUN_EVENT, "eventTime"), "/eventTime"),
                c("eventTime without offset", put(RUN_EVENT, "eventTime", "2024-05-01T12:00:00"), "/eventTime"),
                c("eventTime not a date", put(RUN_EVENT, "eventTime", "yesterday"), "/eventTime"),
                c("missing producer", without(RUN_EVENT, "producer"), "/producer"),
                c("relative producer", put(RUN_EVENT, "producer", "my producer"), "/producer"),
                c("null schemaURL", put(RUN_EVENT, "schemaURL", null), "/schemaURL"),
                c("runId not a uuid", put(RUN_EVENT, "/run", "runId", "run-1"), "/run/runId"),
                c("runId missing", without(RUN_EVENT, "/run", "runId"), "/run/runId"),
                c("job name missing", without(RUN_EVENT, "/job", "name"), "/job/name"),
                c("job namespace a number", put(RUN_EVENT, "/job", "namespace", 1), "/job/namespace"),
                c("job missing", without(RUN_EVENT, "job"), "/job"),
                c(
                        "facet without _producer",
                        without(RUN_EVENT, "/job/facets/sql", "_producer"),
                        "/job/facets/sql/_producer"),
                c("facet not an object", put(RUN_EVENT, "/run/facets", "nominalTime", "x"), "/run/facets/nominalTime"),
                c(
                        "_deleted not boolean",
                        put(RUN_EVENT, "/job/facets/old", "_deleted", "yes"),
                        "/job/facets/old/_deleted"),
                c("inputs not an array", put(RUN_EVENT, "inputs", Map.of()), "/inputs"),
                c("input without name", without(RUN_EVENT, "/inputs/0", "name"), "/inputs/0/name"),
                c(
                        "input facet without _schemaURL",
                        without(RUN_EVENT, "/inputs/0/inputFacets/dq", "_schemaURL"),
                        "/inputs/0/inputFacets/dq/_schemaURL"),
                c(
                        "output facet bad _producer",
                        put(RUN_EVENT, "/outputs/0/outputFacets/outputStatistics", "_producer", "::"),
                        "/outputs/0/outputFacets/outputStatistics/_producer"),
                c("dataset without namespace", without(DATASET_EVENT, "/dataset", "namespace"), "/dataset/namespace"),
                c(
                        "dataset event with job and run",
                        put(put(DATASET_EVENT, "job", Map.of()), "run", Map.of()),
                        "/run/runId"),
                c(
                        "job event with dataset too is ambiguous",
                        put(JOB_EVENT, "dataset", Map.of("namespace", "a", "name", "b")),
                        ""),
                c(
                        "job facet without _schemaURL",
                        without(JOB_EVENT, "/job/facets/sql", "_schemaURL"),
                        "/job/facets/sql/_schemaURL"),
                c("nothing recognisable", "{\"eventTime\":\"2024-05-01T12:00:00Z\"}", ""),
                c("not an object", "[1]", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agrees_with_the_schema_file(String name, String json, String pointer) throws IOException {
        Object doc = MAPPER.readValue(json, Object.class);
        var verdict = OpenLineageSchema.check(doc, "");
        var referenceErrors = reference.validate(
                json, InputFormat.JSON, ctx -> ctx.executionConfig(b -> b.formatAssertionsEnabled(true)));
        assertThat(verdict.valid())
                .as("%s: ours %s, reference %s", name, verdict.problems(), referenceErrors)
                .isEqualTo(referenceErrors.isEmpty());
        if (pointer == null) {
            assertThat(verdict.problems()).isEmpty();
        } else {
            assertThat(verdict.problems()).isNotEmpty();
            assertThat(verdict.problems().get(0).pointer())
                    .as(verdict.problems().toString())
                    .isEqualTo(pointer);
        }
    }

    @Test
    void kinds_are_told_apart_and_pointers_are_escaped() throws IOException {
        assertThat(OpenLineageSchema.check(MAPPER.readValue(RUN_EVENT, Object.class), "")
                        .kind())
                .isEqualTo(OpenLineageSchema.Kind.RUN);
        assertThat(OpenLineageSchema.check(MAPPER.readValue(DATASET_EVENT, Object.class), "")
                        .kind())
                .isEqualTo(OpenLineageSchema.Kind.DATASET);
        assertThat(OpenLineageSchema.check(MAPPER.readValue(JOB_EVENT, Object.class), "")
                        .kind())
                .isEqualTo(OpenLineageSchema.Kind.JOB);
        String odd = put(RUN_EVENT, "/run/facets", "a/b~c", "x");
        var v = OpenLineageSchema.check(MAPPER.readValue(odd, Object.class), "/7");
        assertThat(v.problems().get(0).pointer()).isEqualTo("/7/run/facets/a~1b~0c");
    }

    @Test
    void dataset_ids_are_natural_uris() {
        assertThat(DatasetIds.of("s3://bucket", "path/x.csv")).isEqualTo("s3://bucket/path/x.csv");
        assertThat(DatasetIds.of("s3://bucket/", "/path/x.csv")).isEqualTo("s3://bucket/path/x.csv");
        assertThat(DatasetIds.of("hdfs://nn:8020", "/user/x")).isEqualTo("hdfs://nn:8020/user/x");
        assertThat(DatasetIds.of("postgres://db:5432", "shop.public.orders"))
                .isEqualTo("postgres://db:5432/shop.public.orders");
        assertThat(DatasetIds.of("bigquery", "proj.ds.table")).isEqualTo("bigquery/proj.ds.table");
        assertThat(DatasetIds.of("file", "/data/scan 17#ü?.h5"))
                .isEqualTo(Path.of("/data/scan 17#ü?.h5").toUri().toString())
                .isEqualTo("file:///data/scan%2017%23%C3%BC%3F.h5");
        assertThat(DatasetIds.of("file", "/data/x.csv")).isEqualTo("file:///data/x.csv");
        assertThat(DatasetIds.of("file://", "/data/x.csv")).isEqualTo("file:///data/x.csv");
        assertThat(DatasetIds.of("file://host", "/data/x.csv")).isEqualTo("file://host/data/x.csv");
    }

    // --- JSON surgery on the samples ---

    private static Object[] c(String name, String json, String pointer) {
        return new Object[] {name, json, pointer};
    }

    private static String put(String json, String field, Object value) {
        return put(json, "", field, value);
    }

    @SuppressWarnings("unchecked")
    private static String put(String json, String at, String field, Object value) {
        try {
            Map<String, Object> root = MAPPER.readValue(json, Map.class);
            ((Map<String, Object>) locate(root, at)).put(field, value);
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String without(String json, String field) {
        return without(json, "", field);
    }

    @SuppressWarnings("unchecked")
    private static String without(String json, String at, String field) {
        try {
            Map<String, Object> root = MAPPER.readValue(json, Map.class);
            ((Map<String, Object>) locate(root, at)).remove(field);
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Object locate(Object node, String pointer) {
        if (pointer.isEmpty()) return node;
        for (String token : pointer.substring(1).split("/")) {
            if (node instanceof List<?> l) node = l.get(Integer.parseInt(token));
            else node = ((Map<?, ?>) node).get(token);
        }
        return node;
    }
}

package org.mida.server.prov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.prov.ProvExportIT.q;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.observers.PythonPeers;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class ProvImportIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Nodes and relationships in one number (nodes × 10^6 + relationships). */
    private static final String COUNTS = "CALL () { MATCH (n) RETURN count(n) AS nodes }"
            + " CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes * 1000000 + rels";

    private TestServer server;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private String pythonDocument(String variant) throws IOException {
        Path python = PythonPeers.require("prov");
        Path script = PythonPeers.script("make_prov_doc.py", tmp);
        Path out = tmp.resolve("doc-" + variant + ".json");
        var args = new ArrayList<>(List.of(script.toString(), out.toString()));
        if (!variant.isEmpty()) args.add(variant);
        PythonPeers.runOk(python, args, tmp, Map.of(), 120);
        return Files.readString(out);
    }

    private JsonNode importOk(String doc, String query) {
        var a = server.post("/api/prov" + query, doc);
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        server.awaitIngested(seconds(120));
        return a.json();
    }

    @Test
    void a_prov_package_document_becomes_part_of_the_graph_and_reimport_changes_nothing() throws IOException {
        server = TestServer.start();
        String doc = pythonDocument("");
        JsonNode answer = importOk(doc, "");

        assertThat(answer.fieldNames())
                .toIterable()
                .containsExactly("imported", "ignored", "workflow_id", "bundles", "events", "stream", "entry_ids");
        JsonNode imported = answer.get("imported");
        assertThat(imported.fieldNames())
                .toIterable()
                .containsExactly(
                        "activities",
                        "tasks",
                        "workflows",
                        "campaigns",
                        "entities",
                        "parameters",
                        "agents",
                        "relations",
                        "relations_by_type");
        assertThat(imported.get("relations_by_type").isObject()).isTrue();
        assertThat(answer.get("bundles").asInt()).isEqualTo(1);
        assertThat(answer.get("stream").asText()).isEqualTo(server.stream());
        assertThat(answer.get("entry_ids")).hasSize(1);
        assertThat(answer.get("entry_ids").get(0).asText()).matches("\\d+-\\d+");
        assertThat(answer.get("events").asInt()).isPositive();
        assertThat(imported.get("tasks").asInt()).isEqualTo(3); // train, eval, the bundle's task
        // scan, model, report, untouched, and report-v1 that report is a specialization of
        assertThat(imported.get("entities").asInt()).isEqualTo(5);
        assertThat(imported.get("agents").asInt()).isEqualTo(1);
        assertThat(imported.get("relations").asInt()).isEqualTo(3 + 2 + 1 + 1 + 1 + 1);
        assertThat(answer.get("ignored").get("actedOnBehalfOf").asInt()).isEqualTo(1);
        assertThat(answer.get("ignored").has("specializationOf")).isFalse();
        String workflow = answer.get("workflow_id").asText();
        assertThat(workflow).startsWith("prov-import-");

        JsonNode train =
                server.get("/api/tasks?id=" + q("http://example.org/train-1")).json();
        assertThat(train.get("workflow_id").asText()).isEqualTo(workflow);
        assertThat(train.get("started_at").asDouble()).isEqualTo(1732400000.5);
        assertThat(train.get("ended_at").asDouble()).isEqualTo(1732400040.0);
        assertThat(train.get("used").get("input").get("@id").asText()).isEqualTo("file:///data/scan_17.h5");
        assertThat(train.get("generated").get("model").get("@id").asText()).isEqualTo("http://example.org/model-7");
        assertThat(train.get("custom_metadata").get("prov:label").asText()).isEqualTo("train");
        assertThat(train.get("custom_metadata").get("http://example.org/epochs").asLong())
                .isEqualTo(3);
        JsonNode eval =
                server.get("/api/tasks?id=" + q("http://example.org/eval-1")).json();
        assertThat(eval.get("dependencies").get(0).asText()).isEqualTo("http://example.org/train-1");
        // report is a specialization of report-v1: eval generated a version of report-v1, named by report's id
        assertThat(eval.get("generated").get("entity").toString())
                .isEqualTo("{\"@id\":\"http://example.org/report-v1\",\"version\":\"http://example.org/report\"}");
        assertThat(server.count("""
                MATCH (:Task {task_id: 'http://example.org/eval-1'})<-[:WAS_GENERATED_BY]-(v:Version)
                      -[:SPECIALIZATION_OF]->(:Entity {id: 'http://example.org/report-v1'})
                WHERE v.version = 'http://example.org/report' RETURN count(v)""")).isEqualTo(1);
        assertThat(server.count("MATCH (e:Entity {id: 'http://example.org/report'}) RETURN count(e)"))
                .isZero();

        // lineage edges, by Cypher
        assertThat(server.count("""
                MATCH (:Entity {id: 'file:///data/scan_17.h5'})<-[:USED {role: 'input'}]-(t:Task)
                      <-[:WAS_GENERATED_BY {role: 'model'}]-(m:Entity {id: 'http://example.org/model-7'})
                      -[:WAS_DERIVED_FROM]->(:Entity {id: 'file:///data/scan_17.h5'})
                MATCH (e:Task {task_id: 'http://example.org/eval-1'})-[:WAS_INFORMED_BY]->(t)
                MATCH (e)-[:USED]->(m)
                RETURN count(*)""")).isEqualTo(1);
        assertThat(server.count("""
                MATCH (:Task {task_id: 'http://example.org/train-1'})-[:WAS_ASSOCIATED_WITH]
                      ->(a:Agent {id: 'http://example.org/alice', kind: 'Person'}) RETURN count(a)""")).isEqualTo(1);
        assertThat(server.count("""
                MATCH (e:Entity {id: 'http://example.org/untouched', `http://example.org/note`: 'nobody used me'})
                WHERE e.`http://example.org/score` = 0.5 RETURN count(e)""")).isEqualTo(1);
        assertThat(server.count("""
                MATCH (:Entity {id: 'file:///data/scan_17.h5', type: 'dataset', `http://example.org/size`: 1024})
                RETURN count(*)""")).isEqualTo(1);
        // the bundle is a sub-workflow of the document's workflow
        assertThat(server.count("""
                MATCH (:Task {task_id: 'http://example.org/b-task'})-[:PART_OF]->(b:Workflow {workflow_id: 'http://example.org/bundle-1'})
                      -[:SUB_WORKFLOW_OF]->(:Workflow {workflow_id: $wf}) RETURN count(*)""", "wf", workflow)).isEqualTo(1);

        long before = server.count(COUNTS);
        String exportBefore =
                server.get("/api/prov/workflows?id=" + q(workflow)).body();
        JsonNode again = importOk(doc, "");
        assertThat(again.get("workflow_id").asText()).isEqualTo(workflow);
        assertThat(server.count(COUNTS)).isEqualTo(before);
        assertThat(server.get("/api/prov/workflows?id=" + q(workflow)).body()).isEqualTo(exportBefore);
        assertThat(ProvExportIT.schemaErrors(exportBefore)).isEmpty();
    }

    @Test
    void the_same_elements_under_other_prefix_names_are_the_same_nodes() throws IOException {
        server = TestServer.start();
        importOk(pythonDocument(""), "?workflow_id=imported&campaign_id=c1");
        long before = server.count(COUNTS);
        assertThat(before).isPositive();
        JsonNode alt = importOk(pythonDocument("alt"), "?workflow_id=imported&campaign_id=c1");
        assertThat(alt.get("workflow_id").asText()).isEqualTo("imported");
        assertThat(server.count(COUNTS)).isEqualTo(before);
        assertThat(server.count("MATCH (e:Entity {id: 'file:///data/scan_17.h5'}) RETURN count(e)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (w:Workflow {workflow_id: 'imported', campaign_id: 'c1'}) RETURN count(w)"))
                .isEqualTo(1);
    }

    @Test
    void export_then_import_into_a_fresh_store_then_export_gives_the_same_document() throws IOException {
        server = TestServer.start();
        ProvExportIT.seed(server);
        String campaign = server.get("/api/prov/campaigns?id=" + q("camp 1")).body();
        String workflow =
                server.get("/api/prov/workflows?id=" + q(ProvExportIT.WF1)).body();
        server.close();

        server = TestServer.start(); // fresh store
        assertThat(server.count("MATCH (n) RETURN count(n)")).isZero();
        JsonNode answer = importOk(campaign, "");
        assertThat(answer.get("ignored").size()).as(answer.toString()).isZero();
        // every activity found its workflow by membership: no default workflow, its key stays with null
        assertThat(answer.fieldNames())
                .toIterable()
                .containsExactly("imported", "ignored", "workflow_id", "bundles", "events", "stream", "entry_ids");
        assertThat(answer.get("workflow_id").isNull()).as(answer.toString()).isTrue();
        assertThat(normalize(server.get("/api/prov/campaigns?id=" + q("camp 1")).body()))
                .isEqualTo(normalize(campaign));
        assertThat(normalize(server.get("/api/prov/workflows?id=" + q(ProvExportIT.WF1))
                        .body()))
                .isEqualTo(normalize(workflow));
        JsonNode task = server.get("/api/tasks?id=" + q(ProvExportIT.ODD_TASK)).json();
        assertThat(task.get("used").get("epochs").isIntegralNumber()).isTrue();
        assertThat(task.get("used").get("lr").asDouble()).isEqualTo(0.01);
        assertThat(task.get("used").get("layers").get(1).asInt()).isEqualTo(32);
        assertThat(task.get("telemetry_at_start").get("cpu").get("percent").asDouble())
                .isEqualTo(12.5);
    }

    /** The versions of the store, what each task used and generated, and its general entities, as text. */
    private List<String> versionsSnapshot() {
        var out = new ArrayList<String>();
        for (var r : server.query("""
                MATCH (v:Version)-[:SPECIALIZATION_OF]->(e:Entity)
                RETURN v.id AS id, e.id AS entity, v.version AS label, v.generated_by AS by, v.generated_at AS at,
                       v.rows AS rows ORDER BY id""")) out.add("version " + r.asMap());
        for (var r : server.query("MATCH (t:Task)-[:USED]->(x) RETURN t.task_id AS t, x.id AS x ORDER BY t, x"))
            out.add("used " + r.asMap());
        for (var r :
                server.query("MATCH (x)-[:WAS_GENERATED_BY]->(t:Task) RETURN t.task_id AS t, x.id AS x ORDER BY t, x"))
            out.add("generated " + r.asMap());
        for (var r : server.query("MATCH (e:Entity) RETURN e.id AS id, e.rows AS rows, e.type AS type ORDER BY id"))
            out.add("entity " + r.asMap());
        return out;
    }

    @Test
    void a_round_trip_of_an_export_with_versions_recreates_the_same_versions() throws IOException {
        server = TestServer.start();
        ProvVersionsIT.seed(server);
        String campaign =
                server.get("/api/prov/campaigns?id=" + ProvVersionsIT.CAMPAIGN).body();
        List<String> before = versionsSnapshot();
        // the dataset written three times; the readers' results, generated once, stay flat
        assertThat(before).filteredOn(s -> s.startsWith("version ")).hasSize(3);
        server.close();

        server = TestServer.start(); // fresh store
        JsonNode answer = importOk(campaign, "");
        assertThat(answer.get("ignored").size()).as(answer.toString()).isZero();
        assertThat(server.count("MATCH (e:Entity) WHERE e.id CONTAINS '#version=' RETURN count(e)"))
                .as("no version became a general entity")
                .isZero();
        assertThat(versionsSnapshot()).isEqualTo(before);
        assertThat(normalize(server.get("/api/prov/campaigns?id=" + ProvVersionsIT.CAMPAIGN)
                        .body()))
                .isEqualTo(normalize(campaign));
        // the writer's document names the version it generated, with the version's attributes
        JsonNode w2 = server.get("/api/tasks?id=w2").json();
        assertThat(w2.get("generated").get("table").toString())
                .isEqualTo("{\"@id\":\"" + ProvVersionsIT.DATA + "\",\"version\":\"w2\",\"rows\":200}");
        JsonNode r2 = server.get("/api/tasks?id=r2").json();
        assertThat(r2.get("used").get("table").toString())
                .isEqualTo("{\"@id\":\"" + ProvVersionsIT.DATA + "\",\"version\":\"w2\"}");

        long size = server.count(COUNTS);
        importOk(campaign, "");
        assertThat(server.count(COUNTS)).as("a re-import changes nothing").isEqualTo(size);
        assertThat(versionsSnapshot()).isEqualTo(before);
    }

    @Test
    void invalid_documents_are_refused_with_a_pointer_and_nothing_is_written() {
        server = TestServer.start();
        var notJson = server.post("/api/prov", "{nope");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.contentType()).startsWith("application/problem+json");

        var unknownKey = server.post("/api/prov", "{\"activities\":{}}");
        assertThat(unknownKey.status()).isEqualTo(400);
        assertThat(unknownKey.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/activities");

        var wrongShape = server.post(
                "/api/prov", "{\"activity\":{\"ex:a\":\"not an object\"},\"prefix\":{\"ex\":\"http://e/\"}}");
        assertThat(wrongShape.status()).isEqualTo(400);
        assertThat(wrongShape.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/activity/ex:a");

        var nowhere = server.post("/api/prov", """
                {"prefix":{"ex":"http://e/"},"activity":{"ex:a":{}},
                 "used":{"_:u1":{"prov:activity":"ex:a"}}}""");
        assertThat(nowhere.status()).isEqualTo(400);
        assertThat(nowhere.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/used/_:u1");
        assertThat(nowhere.json().get("detail").asText()).contains("prov:entity");

        var undeclared = server.post("/api/prov", """
                {"prefix":{"ex":"http://e/"},"activity":{"ex:a":{}},
                 "used":{"_:u1":{"prov:activity":"ex:a","prov:entity":"zz:x"}}}""");
        assertThat(undeclared.status()).isEqualTo(400);
        assertThat(undeclared.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/used/_:u1/prov:entity");

        var badTime = server.post("/api/prov", """
                {"prefix":{"ex":"http://e/"},"activity":{"ex:a/b":{"prov:startTime":"yesterday"}}}""");
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/activity/ex:a~1b/prov:startTime");

        var badLiteral = server.post("/api/prov", """
                {"prefix":{"ex":"http://e/"},"entity":{"ex:e":{"ex:n":{"$":"twelve","type":"xsd:long"}}}}""");
        assertThat(badLiteral.status()).isEqualTo(400);
        assertThat(badLiteral.json().get("errors").get(0).get("pointer").asText())
                .isEqualTo("/entity/ex:e/ex:n");

        assertThat(server.count("MATCH (n) RETURN count(n)")).isZero();
        assertThat(server.get("/api/health").json().get("dead_letters").asLong())
                .isZero();
    }

    /**
     * A document as comparable data: generated prefixes (n1, n2, …) expanded, relation ids dropped and
     * relations sorted (their blank ids are only positions).
     */
    static Map<String, Object> normalize(String doc) throws IOException {
        JsonNode root = MAPPER.readTree(doc);
        Map<String, String> generated = new TreeMap<>();
        root.get("prefix").fields().forEachRemaining(e -> {
            if (e.getKey().matches("n\\d+"))
                generated.put(e.getKey(), e.getValue().asText());
        });
        var out = new TreeMap<String, Object>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String section = it.next();
            if (section.equals("prefix")) continue;
            JsonNode s = root.get(section);
            if (List.of("entity", "activity", "agent").contains(section)) {
                var records = new TreeMap<String, String>();
                s.fields()
                        .forEachRemaining(
                                e -> records.put(expand(e.getKey(), generated), expandAll(e.getValue(), generated)));
                out.put(section, records);
            } else {
                var rels = new ArrayList<String>();
                s.fields().forEachRemaining(e -> rels.add(expandAll(e.getValue(), generated)));
                rels.sort(null);
                out.put(section, rels);
            }
        }
        return out;
    }

    private static String expand(String s, Map<String, String> generated) {
        int colon = s.indexOf(':');
        if (colon > 0 && generated.containsKey(s.substring(0, colon)))
            return generated.get(s.substring(0, colon)) + s.substring(colon + 1);
        return s;
    }

    private static String expandAll(JsonNode record, Map<String, String> generated) {
        var m = new TreeMap<String, Object>();
        record.fields()
                .forEachRemaining(e -> m.put(
                        e.getKey(),
                        e.getValue().isTextual()
                                ? expand(e.getValue().asText(), generated)
                                : e.getValue().toString()));
        return m.toString();
    }
}

package org.mida.server.prov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.observers.PythonPeers;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class ProvExportIT {
    static final String ODD_TASK = "file:///x/y z#1?q=%41 `'\"ü";
    static final String WF1 = "wf/α 1#x";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestServer server;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** Two workflows in one campaign sharing an artifact; parameters of several types; a dependency. */
    static void seed(TestServer server) {
        var post = server.post("/api/events", """
                [{"type":"workflow","workflow_id":"wf/α 1#x","campaign_id":"camp 1","name":"training",
                  "started_at":1732400000.0,"ended_at":1732400100.25,"user":"alice","adapter_id":"dask",
                  "custom_metadata":{"k":[1,2]}},
                 {"type":"workflow","workflow_id":"wf-2","campaign_id":"camp 1","name":"eval"},
                 {"type":"task","task_id":"file:///x/y z#1?q=%41 `'\\"ü","workflow_id":"wf/α 1#x",
                  "campaign_id":"camp 1","status":"FINISHED","started_at":1732400001.5,"ended_at":1732400042.125,
                  "hostname":"node-1","user":"alice","adapter_id":"dask","tags":["a","b"],
                  "telemetry_at_start":{"cpu":{"percent":12.5}},
                  "used":{"lr":0.01,"epochs":3,"shuffle":true,"optimizer":"adam","layers":[64,32],
                          "data":{"@id":"file:///data/scan_17.h5","@type":"dataset","size":1024}},
                  "generated":{"loss":0.12,"model":{"@id":"model://unet/7","@type":"model"}}},
                 {"type":"task","task_id":"t2","workflow_id":"wf/α 1#x","status":"RUNNING","started_at":1732400050,
                  "dependencies":["file:///x/y z#1?q=%41 `'\\"ü"],
                  "used":{"model":{"@id":"model://unet/7"}},
                  "generated":{"report":{"@id":"file:///out/report #1.md","@type":"report"}}},
                 {"type":"task","task_id":"t3","workflow_id":"wf-2","status":"FINISHED",
                  "used":{"data":{"@id":"file:///data/scan_17.h5"}}}]
                """);
        assertThat(post.status()).isEqualTo(202);
        server.awaitIngested(seconds(120));
        server.count("""
                MATCH (m:Entity {id: 'model://unet/7'}), (d:Entity {id: 'file:///data/scan_17.h5'})
                CREATE (m)-[:WAS_DERIVED_FROM]->(d) RETURN count(*)""");
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Schema schema() throws IOException {
        String text = Files.readString(schemaPath());
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(text, InputFormat.JSON);
    }

    static Path schemaPath() {
        Path p = Path.of("..", "..", "shared", "data", "prov-json.schema.json");
        if (!Files.exists(p)) p = Path.of("/work/shared/data/prov-json.schema.json");
        return p;
    }

    /** Schema errors, except the published schema's one known defect (it spells the key 'wasEndedby'). */
    static List<String> schemaErrors(String doc) throws IOException {
        var out = new ArrayList<String>();
        for (Error e : schema().validate(doc, InputFormat.JSON)) {
            String s = e.toString();
            if (s.contains("wasEndedBy")) continue;
            out.add(s);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readWithPython(Path dir, String doc) throws IOException {
        Path python = PythonPeers.require("prov");
        Path file = dir.resolve("export.json");
        Files.writeString(file, doc);
        Path script = PythonPeers.script("prov_summary.py", dir);
        String out = PythonPeers.runOk(python, List.of(script.toString(), file.toString()), dir, Map.of(), 120);
        String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
        return MAPPER.readValue(last, Map.class);
    }

    @Test
    void workflow_export_validates_against_the_schema_and_reads_in_prov_without_loss() throws IOException {
        server = TestServer.start();
        seed(server);

        var a = server.get("/api/prov/workflows?id=" + q(WF1));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("application/json");
        assertThat(schemaErrors(a.body())).isEmpty();

        JsonNode doc = a.json();
        // 2 tasks + the workflow + its campaign
        assertThat(doc.get("activity").size()).isEqualTo(4);
        // artifacts: scan (shared with wf-2), model, report; values: 5 parameters + 1 result
        assertThat(doc.get("entity").size()).isEqualTo(3 + 6);
        assertThat(doc.get("used").size()).isEqualTo(6 + 1);
        assertThat(doc.get("wasGeneratedBy").size()).isEqualTo(2 + 1);
        assertThat(doc.get("wasInformedBy").size()).isEqualTo(1);
        assertThat(doc.get("wasStartedBy").size()).isEqualTo(3); // 2 tasks in wf, wf in campaign
        assertThat(doc.get("wasDerivedFrom").size()).isEqualTo(1);
        assertThat(doc.get("agent").size()).isEqualTo(3); // user alice, host node-1, adapter dask
        // the artifact with a plain IRI keeps it as its identity
        assertThat(doc.get("prefix").toString()).contains("\"file:///data/\"", "\"model://unet/\"");

        Map<String, Object> py = readWithPython(tmp, a.body());
        assertThat((List<?>) py.get("warnings")).isEmpty();
        Map<String, Object> counts = map(py, "counts");
        assertThat(counts)
                .containsEntry("ProvActivity", 4)
                .containsEntry("ProvEntity", 9)
                .containsEntry("ProvAgent", 3)
                .containsEntry("ProvUsage", 7)
                .containsEntry("ProvGeneration", 3)
                .containsEntry("ProvCommunication", 1)
                .containsEntry("ProvStart", 3)
                .containsEntry("ProvAssociation", 5) // task1: user, host, adapter; wf: user, adapter; none for t2
                .containsEntry("ProvDerivation", 1);

        Map<String, Object> elements = map(py, "elements");
        String odd = ProvNames.TASK_NS + ProvNames.encode(ODD_TASK);
        Map<String, Object> task = map(map(elements, odd), "attributes");
        assertThat(first(task, ProvNames.PROV_NS + "type")).containsEntry("qname", ProvNames.MIDA_NS + "Task");
        assertThat(first(task, ProvNames.PROV_NS + "startTime"))
                .containsEntry("datetime", "2024-11-23T22:13:21.500000+00:00");
        assertThat(first(task, ProvNames.MIDA_NS + "status")).containsEntry("value", "FINISHED");
        assertThat(first(task, ProvNames.MIDA_NS + "started_at"))
                .containsEntry("py", "float")
                .containsEntry("value", 1732400001.5);
        assertThat(first(task, ProvNames.MIDA_NS + "tags"))
                .containsEntry("literal", "[\"a\",\"b\"]")
                .containsEntry("datatype", ProvNames.RDF_NS + "JSON");
        assertThat(first(task, ProvNames.MIDA_NS + "workflow_id")).isNull();

        String taskQName = ProvNames.task(ODD_TASK);
        assertThat(value(elements, taskQName, "used", "lr"))
                .containsEntry("py", "float")
                .containsEntry("value", 0.01);
        assertThat(value(elements, taskQName, "used", "epochs"))
                .containsEntry("literal", "3")
                .containsEntry("datatype", ProvNames.XSD_NS + "long");
        assertThat(value(elements, taskQName, "used", "shuffle"))
                .containsEntry("py", "bool")
                .containsEntry("value", true);
        assertThat(value(elements, taskQName, "used", "optimizer"))
                .containsEntry("py", "str")
                .containsEntry("value", "adam");
        assertThat(value(elements, taskQName, "used", "layers")).containsEntry("literal", "[64,32]");
        assertThat(value(elements, taskQName, "generated", "loss")).containsEntry("value", 0.12);

        Map<String, Object> scan = map(map(elements, "file:///data/scan_17.h5"), "attributes");
        assertThat(first(scan, ProvNames.PROV_NS + "type")).containsEntry("value", "dataset");
        assertThat(first(scan, ProvNames.MIDA_NS + "size")).containsEntry("literal", "1024");
        assertThat(elements).containsKey(ProvNames.ENTITY_NS + ProvNames.encode("file:///out/report #1.md"));
        assertThat(map(map(elements, ProvNames.USER_NS + "alice"), "attributes"))
                .containsKey(ProvNames.PROV_NS + "type");

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> relations = (List<Map<String, Object>>) py.get("relations");
        assertThat(relations)
                .anySatisfy(r -> {
                    assertThat(r.get("kind")).isEqualTo("ProvCommunication");
                    assertThat(map(r, "formal"))
                            .containsEntry(ProvNames.PROV_NS + "informed", ProvNames.TASK_NS + "t2")
                            .containsEntry(ProvNames.PROV_NS + "informant", odd);
                })
                .anySatisfy(r -> {
                    assertThat(r.get("kind")).isEqualTo("ProvDerivation");
                    assertThat(map(r, "formal"))
                            .containsEntry(ProvNames.PROV_NS + "generatedEntity", "model://unet/7")
                            .containsEntry(ProvNames.PROV_NS + "usedEntity", "file:///data/scan_17.h5");
                })
                .anySatisfy(r -> {
                    assertThat(r.get("kind")).isEqualTo("ProvStart");
                    assertThat(map(r, "formal"))
                            .containsEntry(ProvNames.PROV_NS + "activity", ProvNames.TASK_NS + "t2")
                            .containsEntry(
                                    ProvNames.PROV_NS + "starter", ProvNames.WORKFLOW_NS + ProvNames.encode(WF1));
                });
    }

    @Test
    void the_schema_check_is_real_and_campaigns_and_path_forms_export() throws IOException {
        server = TestServer.start();
        seed(server);
        // negative controls: the validator does reject what the schema forbids
        assertThat(schemaErrors("{\"activity\":{\"a:b\":{\"x:y\":{\"no\":\"dollar\"}}}}"))
                .isNotEmpty();
        assertThat(schemaErrors("{\"entities\":{}}")).isNotEmpty();

        var c = server.get("/api/prov/campaigns?id=" + q("camp 1") + "&download=1");
        assertThat(c.status()).as(c.body()).isEqualTo(200);
        assertThat(schemaErrors(c.body())).isEmpty();
        JsonNode doc = c.json();
        assertThat(doc.get("activity").size()).isEqualTo(1 + 2 + 3); // campaign, 2 workflows, 3 tasks
        // the shared artifact is one entity record
        var scans = new ArrayList<String>();
        doc.get("entity").fieldNames().forEachRemaining(k -> {
            if (k.endsWith(":scan_17.h5")) scans.add(k);
        });
        assertThat(scans).hasSize(1);
        Map<String, Object> py = readWithPython(tmp, c.body());
        assertThat((List<?>) py.get("warnings")).isEmpty();
        assertThat(map(py, "counts")).containsEntry("ProvActivity", 6);

        var path = server.get("/api/prov/workflows/wf-2");
        assertThat(path.status()).isEqualTo(200);
        assertThat(path.json().get("activity").size()).isEqualTo(3);
        assertThat(server.get("/api/prov/campaigns/camp%201").status()).isEqualTo(200);

        var missing = server.get("/api/prov/workflows?id=" + q("no/such"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.json().get("detail").asText()).contains("no/such");
        assertThat(server.get("/api/prov/campaigns?id=nope").status()).isEqualTo(404);
        assertThat(server.get("/api/prov/workflows").status()).isEqualTo(400);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertThat(v).as(key + " in " + m.keySet()).isInstanceOf(Map.class);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> first(Map<String, Object> attributes, String key) {
        List<Object> values = (List<Object>) attributes.get(key);
        return values == null ? null : (Map<String, Object>) values.get(0);
    }

    /** The prov:value of a parameter/result entity of an activity. */
    static Map<String, Object> value(Map<String, Object> elements, String activity, String direction, String name) {
        String uri = ProvNames.VALUE_NS + activity.replace(':', '.') + "/" + direction + "/" + ProvNames.encode(name);
        return first(map(map(elements, uri), "attributes"), ProvNames.PROV_NS + "value");
    }
}

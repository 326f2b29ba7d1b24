package org.mida.server.prov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.prov.ProvExportIT.first;
import static org.mida.server.prov.ProvExportIT.map;
import static org.mida.server.prov.ProvExportIT.q;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Entity versions in PROV-JSON: a dataset rewritten three times and read between the writes. The
 * export is read by the reference {@code prov} package and checked against PROV-CONSTRAINTS' unique
 * generation, the specializations and the revision chain; each reader used the version before it.
 */
@ExtendWith(Backends.class)
class ProvVersionsIT {
    static final String CAMPAIGN = "versions";
    static final String DATA = "file:///lake/daily.csv";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestServer server;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /**
     * Writers w1, w2, w3 (each in its own workflow write-i) end at 10, 20, 30 writing {@link #DATA} (rows
     * 100, 200, 300); readers r0 to r3 (workflow read) start at 5, 15, 25, 35, each writing its own result.
     */
    static List<String> scenario() {
        var events = new ArrayList<String>();
        events.add("{\"type\":\"workflow\",\"workflow_id\":\"read\",\"campaign_id\":\"" + CAMPAIGN + "\"}");
        for (int i = 1; i <= 3; i++) {
            events.add(
                    "{\"type\":\"workflow\",\"workflow_id\":\"write-" + i + "\",\"campaign_id\":\"" + CAMPAIGN + "\"}");
            double end = 10.0 * i;
            events.add(task("w" + i, "write-" + i, "RUNNING", "\"started_at\":" + (end - 2)));
            events.add(task(
                    "w" + i,
                    "write-" + i,
                    "FINISHED",
                    "\"ended_at\":" + end + ",\"generated\":{\"table\":{\"@id\":\"" + DATA + "\",\"rows\":" + (100 * i)
                            + "}}"));
        }
        for (int i = 0; i <= 3; i++) {
            double start = 10.0 * i + 5;
            events.add(task(
                    "r" + i,
                    "read",
                    "RUNNING",
                    "\"started_at\":" + start + ",\"used\":{\"table\":{\"@id\":\"" + DATA
                            + "\",\"@type\":\"table\"}}"));
            events.add(task(
                    "r" + i,
                    "read",
                    "FINISHED",
                    "\"ended_at\":" + (start + 1) + ",\"generated\":{\"out\":{\"@id\":\"file:///lake/out" + i
                            + ".csv\"}}"));
        }
        return events;
    }

    static String task(String id, String workflow, String status, String fields) {
        return "{\"type\":\"task\",\"task_id\":\"" + id + "\",\"workflow_id\":\"" + workflow + "\",\"campaign_id\":\""
                + CAMPAIGN + "\",\"status\":\"" + status + "\"," + fields + "}";
    }

    /** Delivers the scenario in reverse, one event at a time: every reader arrives before its writer. */
    static void seed(TestServer server) {
        var events = new ArrayList<>(scenario());
        Collections.reverse(events);
        for (String e : events) {
            server.xadd(e);
            server.awaitIngested(seconds(60));
        }
    }

    /** The IRI of version {@code i} of the dataset in the export (an id that is not a plain IRI: {@code ent:}). */
    static String version(int i) {
        return iri(DATA + "#version=w" + i);
    }

    /** The IRI an artifact or version id has in an export. */
    static String iri(String id) {
        String qn = new ProvNames().entity(id);
        return qn.startsWith("ent:") ? ProvNames.ENTITY_NS + qn.substring(4) : id;
    }

    @Test
    void campaign_export_keeps_unique_generation_and_links_each_reader_to_the_version_before_it() throws IOException {
        server = TestServer.start();
        seed(server);

        var a = server.get("/api/prov/campaigns?id=" + q(CAMPAIGN));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(ProvExportIT.schemaErrors(a.body())).isEmpty();
        Map<String, Object> py = ProvExportIT.readWithPython(tmp, a.body());
        assertThat((List<?>) py.get("warnings")).isEmpty();
        Prov prov = new Prov(py);

        // unique generation: no entity has two generations; the general entity has none of its own
        assertThat(prov.generations.values()).allSatisfy(by -> assertThat(by).hasSize(1));
        assertThat(prov.generations).doesNotContainKey(DATA);
        // three versions, each generated by its writer and a specialization of the dataset
        for (int i = 1; i <= 3; i++) {
            assertThat(prov.generations.get(version(i)))
                    .as("generation of version " + i)
                    .containsExactly(ProvNames.TASK_NS + "w" + i);
            assertThat(prov.specializations).containsEntry(version(i), DATA);
            Map<String, Object> attrs = map(map(prov.elements, version(i)), "attributes");
            assertThat(first(attrs, ProvNames.MIDA_NS + "version")).containsEntry("value", "w" + i);
            assertThat(first(attrs, ProvNames.MIDA_NS + "entity_id")).containsEntry("value", DATA);
            assertThat(first(attrs, ProvNames.MIDA_NS + "rows")).containsEntry("literal", String.valueOf(100 * i));
            assertThat(first(attrs, ProvNames.MIDA_NS + "generated_at")).containsEntry("value", 10.0 * i);
        }
        assertThat(prov.specializations.values().stream().filter(DATA::equals)).hasSize(3);
        // the versions are the dataset's three (the readers' results, generated once, stay flat entities),
        // each generated once
        assertThat(prov.specializations).hasSize(3);
        assertThat(prov.generations).containsKeys(prov.specializations.keySet().toArray(String[]::new));
        // the revision chain, in time order: each version revises the one generated before it
        assertThat(prov.revisions).containsOnly(Map.entry(version(2), version(1)), Map.entry(version(3), version(2)));
        for (var r : prov.revisions.entrySet())
            assertThat(prov.generatedAt(r.getKey())).isGreaterThan(prov.generatedAt(r.getValue()));
        // each reader used the version generated before it started; r0 the dataset's origin
        assertThat(prov.usages.get(ProvNames.TASK_NS + "r0")).containsExactly(DATA);
        for (int i = 1; i <= 3; i++)
            assertThat(prov.usages.get(ProvNames.TASK_NS + "r" + i)).as("r" + i).containsExactly(version(i));
        // the general entity carries the latest version's attributes
        Map<String, Object> general = map(map(prov.elements, DATA), "attributes");
        assertThat(first(general, ProvNames.MIDA_NS + "rows")).containsEntry("literal", "300");
        assertThat(first(general, ProvNames.PROV_NS + "type")).containsEntry("value", "table");
    }

    @Test
    void a_workflow_export_brings_the_version_a_touched_one_revises_and_no_other() throws IOException {
        server = TestServer.start();
        seed(server);
        var a = server.get("/api/prov/workflows?id=write-3");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(ProvExportIT.schemaErrors(a.body())).isEmpty();
        Map<String, Object> py = ProvExportIT.readWithPython(tmp, a.body());
        assertThat((List<?>) py.get("warnings")).isEmpty();
        Prov prov = new Prov(py);
        assertThat(prov.generations).containsOnlyKeys(version(3));
        assertThat(prov.elements).containsKeys(DATA, version(3), version(2)).doesNotContainKey(version(1));
        assertThat(prov.specializations).containsOnly(Map.entry(version(3), DATA), Map.entry(version(2), DATA));
        assertThat(prov.revisions).containsOnly(Map.entry(version(3), version(2)));

        // a generation under two roles is one wasGeneratedBy, with both roles
        server.xadd(task(
                "w4",
                "write-4",
                "FINISHED",
                "\"ended_at\":40,\"generated\":{\"a\":{\"@id\":\"" + DATA + "\"},\"b\":{\"@id\":\"" + DATA + "\"}}"));
        server.awaitIngested(seconds(60));
        JsonNode doc = server.get("/api/prov/workflows?id=write-4").json();
        assertThat(doc.get("wasGeneratedBy").size()).isEqualTo(1);
        JsonNode g = doc.get("wasGeneratedBy").elements().next();
        assertThat(g.get("prov:role").toString()).isEqualTo("[\"a\",\"b\"]");
        py = ProvExportIT.readWithPython(tmp, MAPPER.writeValueAsString(doc));
        assertThat((List<?>) py.get("warnings")).isEmpty();
        prov = new Prov(py);
        assertThat(prov.generations).containsOnlyKeys(version(4));
        assertThat(prov.revisions).containsOnly(Map.entry(version(4), version(3)));
    }

    /** What the {@code prov} package read: generations, usages, specializations and revisions by IRI. */
    static final class Prov {
        final Map<String, Object> elements;
        final Map<String, List<String>> generations = new TreeMap<>(); // entity -> activities
        final Map<String, List<String>> usages = new TreeMap<>(); // activity -> entities
        final Map<String, String> specializations = new TreeMap<>(); // specific -> general
        final Map<String, String> revisions = new TreeMap<>(); // revised -> previous

        @SuppressWarnings("unchecked")
        Prov(Map<String, Object> py) {
            elements = map(py, "elements");
            for (Map<String, Object> r : (List<Map<String, Object>>) py.get("relations")) {
                Map<String, Object> f = map(r, "formal");
                String p = ProvNames.PROV_NS;
                switch ((String) r.get("kind")) {
                    case "ProvGeneration" ->
                        generations
                                .computeIfAbsent((String) f.get(p + "entity"), k -> new ArrayList<>())
                                .add((String) f.get(p + "activity"));
                    case "ProvUsage" ->
                        usages.computeIfAbsent((String) f.get(p + "activity"), k -> new ArrayList<>())
                                .add((String) f.get(p + "entity"));
                    case "ProvSpecialization" ->
                        assertThat(specializations.put(
                                        (String) f.get(p + "specificEntity"), (String) f.get(p + "generalEntity")))
                                .as("one specialization per version")
                                .isNull();
                    case "ProvDerivation" -> {
                        Object type = map(r, "extra").get(p + "type");
                        if (type instanceof Map<?, ?> t && (p + "Revision").equals(t.get("qname")))
                            assertThat(revisions.put(
                                            (String) f.get(p + "generatedEntity"), (String) f.get(p + "usedEntity")))
                                    .as("one revision per version")
                                    .isNull();
                    }
                    default -> {}
                }
            }
        }

        double generatedAt(String version) {
            Map<String, Object> attrs = map(map(elements, version), "attributes");
            return ((Number) first(attrs, ProvNames.MIDA_NS + "generated_at").get("value")).doubleValue();
        }
    }
}

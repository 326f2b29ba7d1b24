package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.ingest.IngestIT.q;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * A dataset rewritten three times and read between the writes, its events delivered in every order:
 * each reader is bound to the version generated before it started, whatever the order of arrival, and
 * replays change nothing.
 */
@ExtendWith(Backends.class)
class EntityVersionsIT {

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** How the events of one scenario reach the stream. */
    enum Delivery {
        IN_ORDER_ONE_BY_ONE,
        REVERSED_ONE_BY_ONE,
        SHUFFLED_IN_ONE_BATCH,
        SHUFFLED_DUPLICATED_ONE_BY_ONE,
        REVERSED_IN_ONE_BATCH
    }

    /**
     * The scenario under prefix {@code p}: writers w1, w2, w3 end at 10, 20, 30 writing {@code <p>data.csv}
     * (rows 100, 200, 300); reader r0 starts at 5 (before any write), r1 at 15, r2 at 25, r3 at 35; each
     * reader writes its own result.
     */
    static List<String> scenario(String p) {
        var events = new ArrayList<String>();
        String data = "file:///" + p + "data.csv";
        for (int i = 1; i <= 3; i++) {
            double end = 10.0 * i;
            events.add(task(p + "w" + i, "RUNNING", "\"started_at\":" + (end - 2)));
            events.add(task(
                    p + "w" + i,
                    "FINISHED",
                    "\"ended_at\":" + end + ",\"generated\":{\"table\":{\"@id\":" + q(data) + ",\"rows\":" + (100 * i)
                            + "}}"));
        }
        for (int i = 0; i <= 3; i++) {
            double start = 10.0 * i + 5;
            events.add(task(
                    p + "r" + i,
                    "RUNNING",
                    "\"started_at\":" + start + ",\"used\":{\"table\":{\"@id\":" + q(data) + ",\"@type\":\"table\"}}"));
            events.add(task(
                    p + "r" + i,
                    "FINISHED",
                    "\"ended_at\":" + (start + 1) + ",\"generated\":{\"out\":{\"@id\":" + q("file:///" + p + "out" + i)
                            + "}}"));
        }
        return events;
    }

    static String task(String id, String status, String fields) {
        return "{\"type\":\"task\",\"task_id\":" + q(id) + ",\"workflow_id\":" + q("wf-" + id.charAt(0))
                + ",\"campaign_id\":\"versions\",\"activity_id\":" + q(id.replaceAll("[0-9]+$", ""))
                + ",\"status\":\"" + status + "\"," + fields + "}";
    }

    private static void deliver(List<String> events, Delivery how) {
        var list = new ArrayList<>(events);
        var random = new Random(how.ordinal() + 42);
        switch (how) {
            case REVERSED_ONE_BY_ONE, REVERSED_IN_ONE_BATCH -> Collections.reverse(list);
            case SHUFFLED_IN_ONE_BATCH -> Collections.shuffle(list, random);
            case SHUFFLED_DUPLICATED_ONE_BY_ONE -> {
                list.addAll(events);
                Collections.shuffle(list, random);
            }
            default -> {}
        }
        boolean oneBatch = how == Delivery.SHUFFLED_IN_ONE_BATCH || how == Delivery.REVERSED_IN_ONE_BATCH;
        if (oneBatch) server.xadd("[" + String.join(",", list) + "]");
        else
            for (String e : list) {
                server.xadd(e);
                server.awaitIngested(seconds(30));
            }
        server.awaitIngested(seconds(30));
    }

    /** What task {@code id} used: the ids of the nodes its USED relationships point at. */
    private static List<String> used(String id) {
        return server
                .query("MATCH (:Task {task_id: $id})-[:USED]->(x) RETURN x.id AS id ORDER BY id", "id", id)
                .stream()
                .map(r -> r.get("id").asString())
                .toList();
    }

    private static TreeSet<String> lineageTasks(String id, String extra) {
        JsonNode answer = server.get("/api/lineage?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                        + "&direction=upstream&depth=10" + extra)
                .json();
        var tasks = new TreeSet<String>();
        for (JsonNode n : answer.get("nodes"))
            if (n.get("kind").asText().equals("task")) tasks.add(n.get("id").asText());
        return tasks;
    }

    private static long graphSize() {
        return server.count("MATCH (n) RETURN count(n)") * 1_000_000 + server.count("MATCH ()-[r]->() RETURN count(r)");
    }

    @Test
    void every_reader_is_bound_to_the_version_before_it_whatever_the_order_and_replays_change_nothing() {
        for (Delivery how : Delivery.values()) {
            String p = how.name().toLowerCase().replace('_', '-') + "/";
            String data = "file:///" + p + "data.csv";
            List<String> events = scenario(p);
            deliver(events, how);

            assertThat(used(p + "r0"))
                    .as(how + ": r0 read the data before any write: its origin")
                    .containsExactly(data);
            for (int i = 1; i <= 3; i++)
                assertThat(used(p + "r" + i))
                        .as(how + ": r" + i + " read what w" + i + " wrote")
                        .containsExactly(data + "#version=" + p + "w" + i);
            assertThat(server.count(
                            "MATCH (v:Version)-[:SPECIALIZATION_OF]->(:Entity {id: $id}) RETURN count(v)", "id", data))
                    .as(how + ": one version per generation")
                    .isEqualTo(3);
            assertThat(server.count(
                            "MATCH (v:Version)-[:SPECIALIZATION_OF]->(:Entity {id: $id}) "
                                    + "WHERE COUNT { (v)-[:WAS_GENERATED_BY]->() } = 1 RETURN count(v)",
                            "id",
                            data))
                    .as(how + ": each version generated once")
                    .isEqualTo(3);
            assertThat(server.count("MATCH (:Entity {id: $id})-[:WAS_GENERATED_BY]->() RETURN count(*)", "id", data))
                    .as(how + ": the general entity has no generation of its own")
                    .isZero();
            assertThat(server.count("MATCH (e:Entity {id: $id}) RETURN e.rows", "id", data))
                    .as(how + ": the entity's attributes are its latest version's, never the last to arrive")
                    .isEqualTo(300);

            // time-true lineage names only the writer before each reader; the cumulative view names all
            for (int i = 1; i <= 3; i++)
                assertThat(lineageTasks(p + "r" + i, ""))
                        .as(how + ": upstream of r" + i)
                        .containsExactly(p + "r" + i, p + "w" + i);
            assertThat(lineageTasks(p + "r0", "")).as(how.name()).containsExactly(p + "r0");
            assertThat(lineageTasks(p + "r2", "&versions=false"))
                    .as(how + ": cumulative view")
                    .containsExactly(p + "r2", p + "w1", p + "w2", p + "w3");

            long before = graphSize();
            deliver(events, Delivery.SHUFFLED_IN_ONE_BATCH);
            assertThat(graphSize()).as(how + ": a replay changes nothing").isEqualTo(before);
            for (int i = 1; i <= 3; i++) assertThat(used(p + "r" + i)).hasSize(1);
        }
    }

    /** Writer w1 (8–10) writes {@code <p>model.pt} once; r0 reads it at 5 (before), r1 at 15 (after). */
    static List<String> flatScenario(String p) {
        String data = q("file:///" + p + "model.pt");
        return List.of(
                task(p + "w1", "RUNNING", "\"started_at\":8"),
                task(p + "w1", "FINISHED", "\"ended_at\":10,\"generated\":{\"m\":{\"@id\":" + data + ",\"epochs\":3}}"),
                task(p + "r0", "RUNNING", "\"started_at\":5,\"used\":{\"m\":{\"@id\":" + data + "}}"),
                task(p + "r0", "FINISHED", "\"ended_at\":6"),
                task(p + "r1", "RUNNING", "\"started_at\":15,\"used\":{\"m\":{\"@id\":" + data + "}}"),
                task(p + "r1", "FINISHED", "\"ended_at\":16"));
    }

    @Test
    void one_generation_stays_on_the_entity_and_a_reader_before_it_reads_the_origin_whatever_the_order() {
        for (Delivery how : Delivery.values()) {
            String p = "flat-" + how.name().toLowerCase().replace('_', '-') + "/";
            String data = "file:///" + p + "model.pt";
            List<String> events = flatScenario(p);
            deliver(events, how);

            assertThat(used(p + "r1"))
                    .as(how + ": after the generation: the entity itself")
                    .containsExactly(data);
            assertThat(used(p + "r0")).as(how + ": before it: the origin").containsExactly(data + "#origin");
            assertThat(server.count(
                            "MATCH (:Entity {id: $id})-[:WAS_GENERATED_BY]->(:Task {task_id: $t}) RETURN count(*)",
                            "id",
                            data,
                            "t",
                            p + "w1"))
                    .as(how + ": one generation, on the entity")
                    .isEqualTo(1);
            assertThat(server.count(
                            "MATCH (v:Version)-[:SPECIALIZATION_OF]->(:Entity {id: $id}) RETURN count(v)", "id", data))
                    .as(how + ": no version but the origin")
                    .isEqualTo(1);
            assertThat(lineageTasks(p + "r1", "")).as(how.name()).containsExactly(p + "r1", p + "w1");
            assertThat(lineageTasks(p + "r0", "")).as(how.name()).containsExactly(p + "r0");
            assertThat(lineageTasks(p + "r0", "&versions=false"))
                    .as(how + ": cumulative")
                    .containsExactly(p + "r0", p + "w1");

            JsonNode e = server.get("/api/entities?id=" + URLEncoder.encode(data, StandardCharsets.UTF_8))
                    .json();
            assertThat(e.get("versions")).hasSize(1);
            assertThat(e.get("versions").get(0).get("id").asText()).isEqualTo(data);
            assertThat(e.get("versions").get(0).get("version").asText()).isEqualTo(p + "w1");
            assertThat(e.get("versions")
                            .get(0)
                            .get("used_by")
                            .get(0)
                            .get("task_id")
                            .asText())
                    .isEqualTo(p + "r1");
            assertThat(e.get("origin_used_by").get(0).get("task_id").asText()).isEqualTo(p + "r0");
            assertThat(e.get("attributes").get("epochs").asInt()).isEqualTo(3);

            long before = graphSize();
            deliver(events, Delivery.SHUFFLED_IN_ONE_BATCH);
            assertThat(graphSize()).as(how + ": a replay changes nothing").isEqualTo(before);
        }
    }

    @Test
    void a_start_arriving_late_moves_a_reader_off_the_origin_and_the_empty_origin_goes() {
        String data = "file:///late/x.csv";
        server.xadd(task(
                "late-w",
                "FINISHED",
                "\"started_at\":1,\"ended_at\":10,\"generated\":{\"x\":{\"@id\":" + q(data) + "}}"));
        server.xadd(task("late-r", "SUBMITTED", "\"submitted_at\":5,\"used\":{\"x\":{\"@id\":" + q(data) + "}}"));
        server.awaitIngested(seconds(30));
        assertThat(used("late-r")).containsExactly(data + "#origin");
        server.xadd(task("late-r", "RUNNING", "\"started_at\":12"));
        server.awaitIngested(seconds(30));
        assertThat(used("late-r")).containsExactly(data);
        assertThat(server.count("MATCH (v:Version {id: $id}) RETURN count(v)", "id", data + "#origin"))
                .as("an origin nobody reads is deleted")
                .isZero();
    }

    @Test
    void the_entity_endpoint_lists_the_versions_with_who_generated_and_who_used_each() {
        String p = "endpoint/";
        String data = "file:///" + p + "data.csv";
        deliver(scenario(p), Delivery.SHUFFLED_IN_ONE_BATCH);

        for (String asked : List.of(data, data + "#version=" + p + "w2")) {
            var answer = server.get("/api/entities?id=" + URLEncoder.encode(asked, StandardCharsets.UTF_8));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            JsonNode e = answer.json();
            assertThat(e.get("id").asText()).isEqualTo(data);
            assertThat(e.get("attributes").get("rows").asInt())
                    .as("the latest version's")
                    .isEqualTo(300);
            assertThat(e.get("origin_use_count").asInt()).isEqualTo(1);
            assertThat(e.get("origin_used_by").get(0).get("task_id").asText()).isEqualTo(p + "r0");
            JsonNode versions = e.get("versions");
            assertThat(versions).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode v = versions.get(i);
                assertThat(v.get("version").asText()).isEqualTo(p + "w" + (i + 1));
                assertThat(v.get("generated_at").asDouble()).isEqualTo(10.0 * (i + 1));
                assertThat(v.get("generated_by").get(0).get("task_id").asText()).isEqualTo(p + "w" + (i + 1));
                assertThat(v.get("generated_by").get(0).get("role").asText()).isEqualTo("table");
                assertThat(v.get("attributes").get("rows").asInt()).isEqualTo(100 * (i + 1));
                assertThat(v.get("use_count").asInt()).isEqualTo(1);
                assertThat(v.get("used_by").get(0).get("task_id").asText()).isEqualTo(p + "r" + (i + 1));
            }
            if (!asked.equals(data))
                assertThat(e.get("requested_version").asText()).isEqualTo(p + "w2");
        }
        var none = server.get("/api/entities?id=nope");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.contentType()).startsWith("application/problem+json");
    }

    @Test
    void a_usage_naming_a_version_binds_to_it_and_a_late_generation_of_it_attaches_there() {
        String data = "s3://bucket/explicit.parquet";
        // the reader names v2 before anybody generated it: a version known only by name
        server.xadd(task(
                "x-reader",
                "RUNNING",
                "\"started_at\":100,\"used\":{\"t\":{\"@id\":" + q(data) + ",\"version\":\"v2\"}}"));
        server.awaitIngested(seconds(30));
        assertThat(used("x-reader")).containsExactly(data + "#version=v2");

        // v3 is generated before the reader started: the explicit binding does not move
        server.xadd(task(
                "x-w3",
                "FINISHED",
                "\"ended_at\":50,\"generated\":{\"t\":{\"@id\":" + q(data) + ",\"version\":\"v3\"}}"));
        // v2's generation arrives: it attaches to the version the reader named
        server.xadd(task(
                "x-w2",
                "FINISHED",
                "\"ended_at\":40,\"generated\":{\"t\":{\"@id\":" + q(data) + ",\"version\":\"v2\"}}"));
        server.awaitIngested(seconds(30));

        assertThat(used("x-reader")).containsExactly(data + "#version=v2");
        assertThat(server.count(
                        "MATCH (:Version {id: $id})-[:WAS_GENERATED_BY]->(:Task {task_id: 'x-w2'}) RETURN count(*)",
                        "id",
                        data + "#version=v2"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (v:Version {entity_id: $id}) RETURN count(v)", "id", data))
                .isEqualTo(2);
    }

    @Test
    void a_task_that_reads_and_rewrites_a_file_used_the_version_before_its_own() {
        String data = "file:///state.json";
        server.xadd(task(
                "s-1", "FINISHED", "\"started_at\":1,\"ended_at\":2,\"generated\":{\"s\":{\"@id\":" + q(data) + "}}"));
        server.xadd(task(
                "s-2",
                "FINISHED",
                "\"started_at\":3,\"ended_at\":4,\"used\":{\"s\":{\"@id\":" + q(data)
                        + "}},\"generated\":{\"s\":{\"@id\":" + q(data) + "}}"));
        server.awaitIngested(seconds(30));

        assertThat(used("s-2")).containsExactly(data + "#version=s-1");
        assertThat(lineageTasks("s-2", "")).containsExactly("s-1", "s-2");
    }
}

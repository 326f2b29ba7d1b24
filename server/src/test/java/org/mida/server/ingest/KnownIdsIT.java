package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.neo4j.driver.Record;

/**
 * Issue 15, 12th session: a batch's first attempt reads only the task and entity ids the store may hold
 * ({@link KnownIds}) and takes the others for new. What another writer made meanwhile (another server, a
 * restart's store, an import) is still merged, never doubled: the uniqueness constraints refuse the create and
 * the batch is read and planned again, reading every id.
 */
@ExtendWith(Backends.class)
class KnownIdsIT {
    private TestServer server; // applies the schema (the uniqueness constraints)
    private final EventCodec codec = EventCodec.shared();

    @BeforeEach
    void start() {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A writer as the ingest has it: the store's ids loaded. */
    private BatchWriter loaded() {
        var w = new BatchWriter(Backends.driver(), codec);
        w.loadKnownIds();
        assertThat(w.knownIds().loaded()).isTrue();
        return w;
    }

    private static TaskEvent running(String id, double at, String input) {
        return TaskEvent.builder(id)
                .workflowId("wf-known")
                .status(Status.RUNNING)
                .startedAt(at)
                .used(Map.of("input", Map.of("@id", input, "@type", "dataset")))
                .build();
    }

    private static TaskEvent finished(String id, double at, String output) {
        return TaskEvent.builder(id)
                .workflowId("wf-known")
                .status(Status.FINISHED)
                .endedAt(at)
                .generated(Map.of("model", Map.of("@id", output, "@type", "model")))
                .build();
    }

    private static Record task(String id) {
        try (var s = Backends.driver().session()) {
            return s.run(
                            "MATCH (t:Task {task_id: $id}) RETURN count(t) AS n, collect(t.status)[0] AS status,"
                                    + " collect(t.started_at)[0] AS started, collect(t.ended_at)[0] AS ended,"
                                    + " size([(t)-[:USED]->(e:Entity) | e]) AS used,"
                                    + " size([(t)<-[:WAS_GENERATED_BY]-(e:Entity) | e]) AS generated",
                            Map.of("id", id))
                    .single();
        }
    }

    @Test
    void new_ids_are_not_read_and_a_task_another_writer_made_is_merged_after_one_replan() {
        BatchWriter writer = loaded();
        writer.write(List.<Event>of(running("k1", 1.0, "data:k1")));
        assertThat(writer.skippedReads()).as("k1 and data:k1 are new: not read").isEqualTo(2);
        assertThat(writer.replans()).isZero();

        // another server writes k2's RUNNING; this writer's known ids do not hold k2 nor data:k2
        new BatchWriter(Backends.driver(), codec).write(List.<Event>of(running("k2", 5.0, "data:k2")));
        writer.write(List.<Event>of(finished("k2", 9.0, "model:k2")));

        assertThat(writer.replans())
                .as("the CREATE of k2 refused, the batch read and planned again")
                .isEqualTo(1);
        Record k2 = task("k2");
        assertThat(k2.get("n").asInt()).as("one k2").isEqualTo(1);
        assertThat(k2.get("status").asString()).isEqualTo("FINISHED");
        assertThat(k2.get("started").asDouble())
                .as("the other writer's RUNNING kept")
                .isEqualTo(5.0);
        assertThat(k2.get("ended").asDouble()).isEqualTo(9.0);
        assertThat(k2.get("used").asInt()).isEqualTo(1);
        assertThat(k2.get("generated").asInt()).isEqualTo(1);
        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(2);
        assertThat(writer.knownIds().active(System.nanoTime()))
                .as("after a conflict every id is read for a while")
                .isFalse();

        // k1's FINISHED, now with every id read: merged, no replan
        long skipped = writer.skippedReads();
        writer.write(List.<Event>of(finished("k1", 3.0, "model:k1")));
        assertThat(writer.skippedReads()).isEqualTo(skipped);
        assertThat(writer.replans()).isEqualTo(1);
        assertThat(task("k1").get("status").asString()).isEqualTo("FINISHED");
        assertThat(task("k1").get("started").asDouble()).isEqualTo(1.0);
    }

    @Test
    void an_entity_another_writer_made_is_used_not_doubled() {
        BatchWriter writer = loaded();
        new BatchWriter(Backends.driver(), codec).write(List.<Event>of(running("other", 1.0, "data:shared")));

        writer.write(List.<Event>of(running("mine", 2.0, "data:shared")));

        assertThat(writer.replans()).isEqualTo(1);
        assertThat(server.count("MATCH (e:Entity {id: 'data:shared'}) RETURN count(e)"))
                .isEqualTo(1);
        assertThat(server.count("MATCH (:Task)-[u:USED]->(:Entity {id: 'data:shared'}) RETURN count(u)"))
                .isEqualTo(2);
    }

    @Test
    void a_writer_started_on_a_store_loads_its_ids_and_merges_without_a_replan() {
        var before = new BatchWriter(Backends.driver(), codec);
        for (int i = 0; i < 3; i++) before.write(List.<Event>of(running("r" + i, 10.0 + i, "data:r" + i)));

        BatchWriter restarted = loaded(); // a restart: the store's ids loaded
        for (int i = 0; i < 3; i++) restarted.write(List.<Event>of(finished("r" + i, 20.0 + i, "model:r" + i)));

        assertThat(restarted.replans())
                .as("every stored task was known, so read")
                .isZero();
        assertThat(restarted.skippedReads()).as("only the new models not read").isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            Record r = task("r" + i);
            assertThat(r.get("n").asInt()).isEqualTo(1);
            assertThat(r.get("status").asString()).isEqualTo("FINISHED");
            assertThat(r.get("started").asDouble()).isEqualTo(10.0 + i);
            assertThat(r.get("used").asInt()).isEqualTo(1);
            assertThat(r.get("generated").asInt()).isEqualTo(1);
        }
    }

    @Test
    void the_same_batch_twice_is_written_once() {
        BatchWriter writer = loaded();
        List<Event> batch = List.of(running("d1", 1.0, "data:d1"), finished("d1", 2.0, "model:d1"));
        writer.write(batch);
        writer.write(batch); // at-least-once delivery: the ids are known now, so read and merged

        assertThat(writer.replans()).isZero();
        assertThat(task("d1").get("n").asInt()).isEqualTo(1);
        assertThat(server.count("MATCH (e:Entity) WHERE e.id IN ['data:d1', 'model:d1'] RETURN count(e)"))
                .isEqualTo(2);
        assertThat(task("d1").get("used").asInt()).isEqualTo(1);
        assertThat(task("d1").get("generated").asInt()).isEqualTo(1);
    }

    /** The server's own ingest: the store's ids loaded at start; /metrics counts the reads skipped and the replans. */
    @Test
    void the_servers_ingest_skips_the_reads_of_new_ids_and_says_so_on_metrics() {
        // the loader runs beside the loop: wait until a first batch can skip
        TestServer.await(TestServer.seconds(30), "the known ids loaded", () -> {
            server.xadd("[{\"type\":\"task\",\"task_id\":\"probe-" + System.nanoTime()
                    + "\",\"workflow_id\":\"wf-m\",\"status\":\"FINISHED\",\"ended_at\":1.0}]");
            server.awaitIngested(TestServer.seconds(30));
            return metric("mida_ingest_reads_skipped_total") > 0;
        });
        double skipped = metric("mida_ingest_reads_skipped_total");
        server.xadd("[{\"type\":\"task\",\"task_id\":\"m1\",\"workflow_id\":\"wf-m\",\"status\":\"FINISHED\","
                + "\"ended_at\":2.0,\"generated\":{\"out\":{\"@id\":\"data:m1\"}}}]");
        server.awaitIngested(TestServer.seconds(30));
        assertThat(metric("mida_ingest_reads_skipped_total") - skipped)
                .as("m1 and data:m1 are new")
                .isEqualTo(2.0);
        assertThat(metric("mida_ingest_replans_total")).isZero();
        assertThat(server.count("MATCH (t:Task {task_id: 'm1'})<-[:WAS_GENERATED_BY]-(:Entity {id: 'data:m1'})"
                        + " RETURN count(t)"))
                .isEqualTo(1);
    }

    private double metric(String name) {
        for (String line : server.get("/metrics").body().split("\n"))
            if (line.startsWith(name + " "))
                return Double.parseDouble(line.substring(name.length() + 1).trim());
        throw new AssertionError(name + " not on /metrics");
    }

    @Test
    void with_the_property_off_every_id_is_read() {
        System.setProperty(KnownIds.PROPERTY, "off");
        BatchWriter writer;
        try {
            writer = new BatchWriter(Backends.driver(), codec);
        } finally {
            System.clearProperty(KnownIds.PROPERTY);
        }
        writer.loadKnownIds();
        writer.write(List.<Event>of(running("o1", 1.0, "data:o1")));
        assertThat(writer.knownIds().loaded()).isFalse();
        assertThat(writer.skippedReads()).isZero();
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.server.backend.EmbeddedNeo4j;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;

/**
 * Issue 15, ing19: the batch's task and entity reads through the core API in-process ({@link NativeReads})
 * give the rows of their Cypher ({@code ingest/read-tasks}, {@code ingest/read-entities}), in the same order,
 * on one store that holds versioned entities, usages of entities and of versions, generations and absent ids;
 * and they take the Cypher's locks: an absent id's index entry, so another transaction creating that node
 * waits for this one's commit.
 */
class NativeReadsIT {

    @TempDir
    static Path dir;

    private static EmbeddedNeo4j neo4j;
    private final EventCodec codec = EventCodec.shared();

    @BeforeAll
    static void start() {
        neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, "64m", 256L << 20);
        GraphDatabaseService db = neo4j.database();
        for (String name : Cypher.SCHEMA) db.executeTransactionally(Cypher.load(name));
        db.executeTransactionally("CALL db.awaitIndexes(120)");
    }

    @AfterAll
    static void stop() {
        if (neo4j != null) neo4j.close();
    }

    @BeforeEach
    void wipe() {
        neo4j.database().executeTransactionally("MATCH (n) DETACH DELETE n");
    }

    private IngestTransport embedded() {
        return IngestTransport.embedded(neo4j::database);
    }

    /** 16th session: in-process, the batch's reads go through the core API unless told to run the Cypher. */
    @Test
    void in_process_the_core_api_reads_are_the_default_and_cypher_turns_them_off() {
        assertThat(System.getProperty(NativeReads.PROPERTY)).isNull();
        embedded()
                .once(
                        tx -> {
                            assertThat(NativeReads.of(tx)).isNotNull().isSameAs(tx.nativeTransaction());
                            System.setProperty(NativeReads.PROPERTY, "cypher");
                            try {
                                assertThat(NativeReads.of(tx)).isNull();
                            } finally {
                                System.clearProperty(NativeReads.PROPERTY);
                            }
                            return null;
                        },
                        false);
    }

    @Test
    void the_core_api_reads_give_the_rows_of_the_cypher() throws Exception {
        var writer = new BatchWriter(embedded(), codec, () -> 1_700_000_000.0);
        var corpus = corpus();
        var shuffled = new ArrayList<>(corpus);
        Collections.shuffle(shuffled, new Random(19));
        System.setProperty(NativeReads.PROPERTY, "native");
        try {
            for (int i = 0; i < shuffled.size(); i += 25)
                writer.write(shuffled.subList(i, Math.min(shuffled.size(), i + 25)));
        } finally {
            System.clearProperty(NativeReads.PROPERTY);
        }

        // usages bound to versions are among the rows compared
        Object usedVersions = neo4j.database()
                .executeTransactionally(
                        "MATCH (:Version)<-[:USED]-(:Task) RETURN count(*) AS n",
                        Map.of(),
                        r -> r.next().get("n"));
        assertThat((Long) usedVersions).isPositive();
        var taskIds = new TreeSet<String>();
        var entityIds = new TreeSet<String>();
        for (int i = 0; i < 50; i++) taskIds.add("task-" + i);
        for (int i = 0; i < 12; i++) {
            entityIds.add("data://d" + i); // d0..d8 stored (d9..d11 absent)
            entityIds.add("data://out" + i);
        }
        taskIds.add("task-absent");
        entityIds.add("data://absent");
        String readTasks = PerBatch.of(Cypher.load("ingest/read-tasks")).text();
        String readEntities = PerBatch.of(Cypher.load("ingest/read-entities")).text();
        for (boolean usages : List.of(true, false)) {
            var rows = new ArrayList<Map<String, Object>>();
            int k = 0;
            // usages asked for all, or for every other entity
            for (String id : entityIds) rows.add(Map.of("id", id, "usages", usages || k++ % 2 == 0));
            embedded()
                    .once(
                            tx -> {
                                Transaction nt = tx.nativeTransaction();
                                assertThat(nt).isNotNull();
                                var nativeTasks = NativeReads.tasks(nt, List.copyOf(taskIds));
                                var cypherTasks = tx.run(readTasks, Map.of("ids", List.copyOf(taskIds)));
                                assertThat(nativeTasks).hasSize(50).isEqualTo(cypherTasks);
                                var nativeEntities = NativeReads.entities(nt, rows);
                                var cypherEntities = tx.run(readEntities, Map.of("rows", rows));
                                assertThat(nativeEntities).hasSize(21).isEqualTo(cypherEntities);
                                // the corpus has what the comparison is about: versions, generations, usages of
                                // versions
                                String all = nativeEntities.toString();
                                assertThat(all).contains("versions=[{", "generations=[{", "usages=[{");

                                return null;
                            },
                            false);
        }
        // through the writer: the Cypher reads (-Dmida.ingest.reads=cypher) give the same graph from the same batches
        List<String> withNative = IngestTransportIT.dump(neo4j.database());
        wipe();
        System.setProperty(NativeReads.PROPERTY, "cypher");
        try {
            writer = new BatchWriter(embedded(), codec, () -> 1_700_000_000.0); // its field registry is empty too
            for (int i = 0; i < shuffled.size(); i += 25)
                writer.write(shuffled.subList(i, Math.min(shuffled.size(), i + 25)));
        } finally {
            System.clearProperty(NativeReads.PROPERTY);
        }
        assertThat(IngestTransportIT.dump(neo4j.database())).containsExactlyElementsOf(withNative);
    }

    /**
     * A transaction that read an absent task through the core API holds its index entry's lock: another
     * transaction creating that task waits for the commit and is then refused by the uniqueness constraint,
     * and the reader's own create goes through. (With an unlocked seek the other one would commit first and
     * the reader's create fail.)
     */
    @Test
    void reading_an_absent_id_locks_it_to_the_commit() throws Exception {
        GraphDatabaseService db = neo4j.database();
        CompletableFuture<Void> other;
        try (Transaction tx = db.beginTx()) {
            assertThat(NativeReads.tasks(tx, List.of("t-new"))).isEmpty();
            other = CompletableFuture.runAsync(
                    () -> db.executeTransactionally("CREATE (:Task:Activity {task_id: 't-new', by: 'other'})"));
            // until the other transaction waits on a lock (or, without the lock, has finished)
            while (!other.isDone() && !blocked(db)) Thread.sleep(20);
            tx.execute("CREATE (:Task:Activity {task_id: 't-new', by: 'reader'})")
                    .close();
            tx.commit();
        }
        Throwable failure = null;
        try {
            other.join();
        } catch (CompletionException e) {
            failure = e.getCause();
        }
        assertThat(failure).isNotNull();
        assertThat(BatchWriter.createdMeanwhile(failure)).isTrue();
        Object by = db.executeTransactionally(
                "MATCH (t:Task {task_id: 't-new'}) RETURN collect(t.by) AS by",
                Map.of(),
                r -> r.next().get("by"));
        assertThat(by).isEqualTo(List.of("reader"));
    }

    /** True while some transaction waits on a lock. */
    private static boolean blocked(GraphDatabaseService db) {
        return db.executeTransactionally(
                "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n",
                Map.of(),
                r -> ((Number) r.next().get("n")).longValue() > 0);
    }

    /**
     * 50 tasks, each used entities (nine shared ones, d0..d8, generated again and again, hence versioned)
     * and an output of its own used by a later task; sent RUNNING then FINISHED.
     */
    private List<Event> corpus() throws Exception {
        var out = new ArrayList<Event>();
        for (int i = 0; i < 50; i++) {
            String id = "task-" + i;
            double t = 100 + i;
            var used = new java.util.LinkedHashMap<String, Object>();
            used.put("lr", 0.01 * (i % 5));
            used.put("data", Map.of("@id", "data://d" + (i % 9), "@type", "dataset"));
            if (i > 3) used.put("prev", Map.of("@id", "data://out" + (i - 3)));
            var generated = new java.util.LinkedHashMap<String, Object>();
            generated.put("loss", 1.0 / (i + 1));
            generated.put("out", Map.of("@id", "data://out" + i, "rows", i * 10, "shape", List.of(i, 3)));
            generated.put("shared", Map.of("@id", "data://d" + (i % 9), "size", i));
            out.add(TaskEvent.builder(id)
                    .workflowId("wf-" + (i % 2))
                    .status(Status.RUNNING)
                    .startedAt(t + 0.5)
                    .used(used)
                    .build());
            out.add(TaskEvent.builder(id)
                    .workflowId("wf-" + (i % 2))
                    .status(Status.FINISHED)
                    .startedAt(t + 0.5)
                    .endedAt(t + 2 + (i % 5))
                    .used(used)
                    .generated(generated)
                    .build());
        }
        var decoded = new ArrayList<Event>();
        for (Event e : out) decoded.add(codec.decodeEvent(codec.parse(codec.encode(e))));
        return decoded;
    }
}

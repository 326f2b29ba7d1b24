package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.ingest.StoreFaults.Kind;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.graphdb.Entity;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;

/**
 * Issue 15: the ingest's two ways to Neo4j, the driver over Bolt and the embedded database's in-process
 * API ({@link IngestTransport}), write the same graph from the same events, down to the stored type of
 * every property; and the in-process transport's failures are told apart as the driver's are ({@link
 * StoreFaults}), produced for real on an embedded Neo4j of its own: a uniqueness refusal (content, and
 * the writer plans the batch again), a deadlock (transient: retried), the transaction memory limit (too
 * big: not retried, so the ingest splits the batch), a type error (content), a stopped database
 * (storage).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestTransportIT {
    /** A per-transaction memory limit small enough to reach quickly, large enough for the corpus's batches. */
    private static final long TX_MAX = 48L << 20;

    @TempDir
    static Path dir;

    private static EmbeddedNeo4j neo4j;
    private static Driver driver;
    private final EventCodec codec = EventCodec.shared();

    @BeforeAll
    static void start() {
        neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, "64m", TX_MAX);
        driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()));
        GraphDatabaseService db = neo4j.database();
        for (String name : Cypher.SCHEMA) db.executeTransactionally(Cypher.load(name));
        db.executeTransactionally("CALL db.awaitIndexes(120)");
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.close();
        if (neo4j != null) neo4j.close();
    }

    @BeforeEach
    void wipe() {
        if (neo4j.managementService() != null) neo4j.database().executeTransactionally("MATCH (n) DETACH DELETE n");
    }

    private IngestTransport embedded() {
        return IngestTransport.embedded(neo4j::database);
    }

    private BatchWriter writer(IngestTransport transport) {
        return new BatchWriter(transport, codec, () -> 1_700_000_000.0);
    }

    @Test
    @Order(1)
    void both_transports_write_the_same_graph_from_the_same_events() throws Exception {
        List<List<Event>> batches = batches(corpus(), new Random(15));
        assertThat(IngestTransport.of(IngestTransport.Mode.AUTO, driver, neo4j::database)
                        .name())
                .isEqualTo("embedded");

        writeAll(writer(IngestTransport.driver(driver)), batches);
        List<String> overDriver = dump(neo4j.database());
        wipe();
        writeAll(writer(embedded()), batches);
        List<String> inProcess = dump(neo4j.database());

        // a large graph: tasks, workflows, campaigns, entities with versions, usages, observers
        assertThat(overDriver).hasSizeGreaterThan(300);
        assertThat(String.join("\n", overDriver)).contains(":Version", "USED", "WAS_GENERATED_BY", ":Observer");
        assertThat(inProcess).containsExactlyElementsOf(overDriver);
    }

    @Test
    @Order(2)
    void the_in_process_transport_stores_what_the_driver_would_send() {
        var params = new HashMap<String, Object>();
        params.put("i", 7); // an Integer: the driver sends a 64-bit integer
        params.put("f", 0.5f);
        params.put("list", List.of(1, 2, 3));
        params.put("array", new int[] {4, 5});
        params.put("map", Map.of("n", (short) 3));
        String q = "CREATE (n:Probe {id: $id}) SET n.i = $i, n.f = $f, n.list = $list, n.array = $array,"
                + " n.nested = $map.n RETURN n.i AS i, n.list AS list, properties(n) AS props";
        for (IngestTransport t : List.of(IngestTransport.driver(driver), embedded())) {
            params.put("id", t.name());
            List<Map<String, Object>> rows = t.write(tx -> tx.run(q, params));
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get("i")).isEqualTo(7L);
            assertThat(rows.get(0).get("list")).isEqualTo(List.of(1L, 2L, 3L));
            assertThat(((Map<?, ?>) rows.get(0).get("props")).get("array")).isEqualTo(List.of(4L, 5L));
        }
        List<String> stored = dump(neo4j.database());
        assertThat(stored).hasSize(2);
        assertThat(stored.get(0).replace("driver", "X")).isEqualTo(stored.get(1).replace("embedded", "X"));
        assertThat(stored.get(0)).contains("i=Long:7", "f=Double:0.5", "nested=Long:3", "list=long[]:[1, 2, 3]");
    }

    @Test
    @Order(3)
    void a_uniqueness_refusal_in_process_is_content_and_makes_the_writer_plan_again() {
        IngestTransport t = embedded();
        t.write(tx -> tx.run("CREATE (:Task {task_id: 'dup'})", Map.of()));
        RuntimeException e = catchRuntime(() -> t.write(tx -> tx.run("CREATE (:Task {task_id: 'dup'})", Map.of())));
        assertThat(StoreFaults.code(e)).isEqualTo("Neo.ClientError.Schema.ConstraintValidationFailed");
        assertThat(BatchWriter.createdMeanwhile(e)).isTrue();
        assertThat(StoreFaults.classify(e)).isEqualTo(Kind.CONTENT);
        assertThat(StoreFaults.transient_(e)).isFalse();

        RuntimeException typeError = catchRuntime(() -> t.write(tx -> tx.run("RETURN 1 + $x AS n", Map.of("x", true))));
        assertThat(StoreFaults.classify(typeError)).isEqualTo(Kind.CONTENT);
    }

    @Test
    @Order(4)
    void a_deadlock_in_process_is_transient_and_retried_until_both_commit() throws Exception {
        IngestTransport t = embedded();
        t.write(tx -> tx.run("CREATE (:Task {task_id: 'a', n: 0}), (:Task {task_id: 'b', n: 0})", Map.of()));
        // first the failure itself, without the transport's retry
        var bothLocked = new CountDownLatch(2);
        var first = CompletableFuture.runAsync(() -> lockInOrder(t, "a", "b", bothLocked, false));
        var second = CompletableFuture.runAsync(() -> lockInOrder(t, "b", "a", bothLocked, false));
        Throwable failure = null;
        for (var f : List.of(first, second)) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            }
        }
        assertThat(failure)
                .as("one of two transactions locking in opposite orders is aborted")
                .isNotNull();
        assertThat(StoreFaults.code(failure)).startsWith("Neo.TransientError.Transaction.Deadlock");
        assertThat(StoreFaults.transient_(failure)).isTrue();
        assertThat(StoreFaults.classify(failure)).isEqualTo(Kind.STORAGE);

        // with the retry: both commit
        var locked = new CountDownLatch(2);
        var a = CompletableFuture.runAsync(() -> lockInOrder(t, "a", "b", locked, true));
        var b = CompletableFuture.runAsync(() -> lockInOrder(t, "b", "a", locked, true));
        a.get(60, TimeUnit.SECONDS);
        b.get(60, TimeUnit.SECONDS);
        List<Map<String, Object>> rows = t.write(tx -> tx.run("MATCH (t:Task) RETURN sum(t.n) AS n", Map.of()));
        assertThat(rows.get(0).get("n")).isEqualTo(9L); // 1 + 2 by each of the 1 + 2 committed transactions
    }

    /** Locks task {@code x} then task {@code y}, meeting the other thread in between. */
    private static void lockInOrder(IngestTransport t, String x, String y, CountDownLatch met, boolean retried) {
        java.util.function.Function<WriteTransaction, Object> work = tx -> {
            tx.run("MATCH (t:Task {task_id: $id}) SET t.n = t.n + 1", Map.of("id", x));
            met.countDown();
            try {
                met.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            tx.run("MATCH (t:Task {task_id: $id}) SET t.n = t.n + 2", Map.of("id", y));
            return null;
        };
        if (retried) t.write(work);
        else t.once(work, true);
    }

    @Test
    @Order(5)
    void past_the_transaction_memory_limit_in_process_is_too_big_and_not_retried() {
        IngestTransport t = embedded();
        RuntimeException e = catchRuntime(() -> t.write(
                tx -> tx.run("UNWIND range(1, 20000000) AS i WITH collect(i) AS l RETURN size(l) AS n", Map.of())));
        assertThat(e).isInstanceOf(BatchWriter.TooBig.class);
        assertThat(StoreFaults.classify(e)).isEqualTo(Kind.TOO_BIG);
        assertThat(StoreFaults.transient_(e.getCause())).isFalse();

        // a real batch past the limit: the writer fails it as too big (the ingest then splits it)
        var big = new ArrayList<Event>();
        String payload = "x".repeat(16_000);
        for (int i = 0; i < 2_000; i++)
            big.add(TaskEvent.builder("big-" + i)
                    .workflowId("wf-big")
                    .status(Status.FINISHED)
                    .used(Map.of("blob", payload + i))
                    .build());
        assertThatThrownBy(() -> writer(t).write(big)).isInstanceOf(BatchWriter.TooBig.class);
        Object tasks = neo4j.database()
                .executeTransactionally(
                        "MATCH (t:Task) RETURN count(t) AS n",
                        Map.of(),
                        r -> r.next().get("n"));
        assertThat(tasks).isEqualTo(0L);
    }

    @Test
    @Order(6)
    void a_stopped_database_in_process_is_a_storage_fault() {
        IngestTransport t = embedded();
        GraphDatabaseService db = neo4j.database();
        neo4j.close();
        RuntimeException e = catchRuntime(() -> t.write(tx -> tx.run("RETURN 1", Map.of())));
        assertThat(StoreFaults.classify(e)).as(e.toString()).isEqualTo(Kind.STORAGE);
        RuntimeException stale =
                catchRuntime(() -> IngestTransport.embedded(() -> db).probe());
        assertThat(StoreFaults.classify(stale)).as(stale.toString()).isEqualTo(Kind.STORAGE);
    }

    private static RuntimeException catchRuntime(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    private static void writeAll(BatchWriter writer, List<List<Event>> batches) {
        for (List<Event> b : batches) writer.write(b);
    }

    /**
     * Three workflows (one a sub-workflow) in two campaigns, 60 tasks each sent SUBMITTED, RUNNING and
     * FINISHED (or ERROR), entities generated by several tasks (versions) and used before and after,
     * values of every JSON kind, observer reports; every event sent twice; decoded from JSON as the
     * ingest gets them.
     */
    private List<Event> corpus() throws Exception {
        var out = new ArrayList<Event>();
        out.add(WorkflowEvent.of("wf-1", "camp-a", "train"));
        out.add(WorkflowEvent.of("wf-2", "camp-b", "eval"));
        out.add(new WorkflowEvent(
                "wf-3", "camp-a", "sub", "wf-1", null, null, null, null, null, null, null, null, null, null, null,
                null));
        var random = new Random(7);
        for (int i = 0; i < 60; i++) {
            String wf = "wf-" + (1 + i % 3);
            String id = "task-" + i;
            double t = 100 + i;
            var used = new java.util.LinkedHashMap<String, Object>();
            used.put("lr", 0.01 * (i % 5));
            used.put("epochs", i % 7);
            used.put("flags", List.of(true, i % 2 == 0));
            used.put("names", List.of("a" + i, "b"));
            used.put("cfg", Map.of("depth", i % 4, "opt", "adam"));
            used.put("data", Map.of("@id", "data://d" + (i % 9), "@type", "dataset"));
            if (i > 3) used.put("prev", Map.of("@id", "data://out" + (i - 3)));
            var generated = new java.util.LinkedHashMap<String, Object>();
            generated.put("loss", 1.0 / (i + 1));
            generated.put("ok", i % 3 != 0);
            generated.put("out", Map.of("@id", "data://out" + i, "rows", i * 10, "shape", List.of(i, 3)));
            // shared outputs: generated by several tasks, so versioned
            generated.put("shared", Map.of("@id", "data://d" + (i % 9), "size", i));
            Status end = i % 11 == 0 ? Status.ERROR : Status.FINISHED;
            String campaign = wf.equals("wf-2") ? "camp-b" : "camp-a";
            out.add(TaskEvent.builder(id)
                    .workflowId(wf)
                    .campaignId(campaign)
                    .activityId("step-" + (i % 4))
                    .status(Status.SUBMITTED)
                    .submittedAt(t)
                    .build());
            out.add(TaskEvent.builder(id)
                    .workflowId(wf)
                    .status(Status.RUNNING)
                    .startedAt(t + 0.5)
                    .used(used)
                    .hostname("host-" + (i % 2))
                    .dependencies(i > 0 && random.nextBoolean() ? List.of("task-" + (i - 1)) : List.of())
                    .build());
            out.add(TaskEvent.builder(id)
                    .workflowId(wf)
                    .campaignId(campaign)
                    .activityId("step-" + (i % 4))
                    .status(end)
                    .startedAt(t + 0.5)
                    .endedAt(t + 1 + random.nextInt(5))
                    .used(used)
                    .generated(generated)
                    .tags(List.of("t" + (i % 3)))
                    .build());
        }
        for (int k = 0; k < 4; k++)
            out.add(ObserverEvent.of("observer-" + (k % 2), 200.0 + k, Map.of("emitted", 10 * k, "dropped", 0)));
        var decoded = new ArrayList<Event>();
        for (Event e : out) {
            Event d = codec.decodeEvent(codec.parse(codec.encode(e)));
            decoded.add(d);
            decoded.add(d); // a duplicate
        }
        return decoded;
    }

    /** The events shuffled, in batches of 1 to 40. */
    private static List<List<Event>> batches(List<Event> events, Random random) {
        var shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, random);
        var out = new ArrayList<List<Event>>();
        for (int i = 0; i < shuffled.size(); ) {
            int n = Math.min(shuffled.size() - i, 1 + random.nextInt(40));
            out.add(List.copyOf(shuffled.subList(i, i + n)));
            i += n;
        }
        return out;
    }

    /**
     * Every node (labels, properties with their stored Java types) and relationship (its ends, type and
     * properties), read with the core API, sorted.
     */
    static List<String> dump(GraphDatabaseService db) {
        try (var tx = db.beginTx()) {
            var out = new ArrayList<String>();
            var names = new HashMap<String, String>();
            for (Node n : tx.getAllNodes()) {
                var labels = new ArrayList<String>();
                for (Label l : n.getLabels()) labels.add(l.name());
                Collections.sort(labels);
                String s = String.join(":", labels) + " " + properties(n);
                names.put(n.getElementId(), s);
                out.add(":" + s);
            }
            for (Relationship r : tx.getAllRelationships())
                out.add("(" + names.get(r.getStartNode().getElementId()) + ")-["
                        + r.getType().name() + " " + properties(r) + "]->("
                        + names.get(r.getEndNode().getElementId()) + ")");
            Collections.sort(out);
            return out;
        }
    }

    private static String properties(Entity e) {
        var sorted = new TreeMap<String, String>();
        for (var p : e.getAllProperties().entrySet()) sorted.put(p.getKey(), typed(p.getValue()));
        return sorted.toString();
    }

    private static String typed(Object v) {
        if (v.getClass().isArray()) {
            var items = new ArrayList<String>();
            for (int i = 0; i < Array.getLength(v); i++) items.add(String.valueOf(Array.get(v, i)));
            return v.getClass().getComponentType().getSimpleName() + "[]:" + items;
        }
        return v.getClass().getSimpleName() + ":" + v;
    }
}

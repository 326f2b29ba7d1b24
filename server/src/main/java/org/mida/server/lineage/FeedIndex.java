package org.mida.server.lineage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.mida.cypher.Cypher;
import org.mida.server.columnar.TaskMirror;
import org.mida.server.ingest.IngestTransport;
import org.mida.server.ingest.WriteTransaction;
import org.mida.server.lineage.LineageGraph.Feed;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Value;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflow feed graph (which workflows feed which, {@code workflow-feeds.cypher}) kept current in
 * memory, so the workflow overview needs no pass over all generated entities per call.
 *
 * <p>It follows the columnar mirror ({@link TaskMirror.Listener}): when the mirror (re)loads, the feed graph
 * is built in full in the background ({@code feeds-*-all.cypher}); after each committed batch (this
 * instance's, or another instance's the mirror follows) the parts the batch's tasks can have changed are
 * recomputed from the graph and replace what was kept for them: per <em>family</em> (an entity and its
 * versions: a batch can rebind usages between versions, or move generations) the feeds its nodes make, per
 * consumer task its informed-by links ({@code feeds-entities.cypher}, {@code feeds-informed.cypher}). The
 * counts are the sums of these parts, so the answer is the full recomputation's whatever the order of
 * arrival. Batches committed during a build are recomputed after it. The mirror counts a batch applied only
 * after this saw it, so {@link TaskMirror#awaitApplied} covers this too. Without a mirror (off, or over its
 * byte bound) the overview computes the feed graph through Cypher as before.
 */
final class FeedIndex implements TaskMirror.InTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(FeedIndex.class);
    private static final String ENTITIES_ALL = Cypher.load("lineage/feeds-entities-all");
    private static final String INFORMED_ALL = Cypher.load("lineage/feeds-informed-all");
    // per batch, so CYPHER replan=skip (hinted seek, expansions from bound nodes: ingest/PerBatch, IngestHintsTest)
    private static final org.mida.server.ingest.PerBatch ENTITIES =
            org.mida.server.ingest.PerBatch.of(Cypher.load("lineage/feeds-entities"));
    private static final org.mida.server.ingest.PerBatch INFORMED =
            org.mida.server.ingest.PerBatch.of(Cypher.load("lineage/feeds-informed"));
    // the usages of the members feeds-entities could not count from what was kept (an element id seek each)
    private static final org.mida.server.ingest.PerBatch MEMBER_USAGES =
            org.mida.server.ingest.PerBatch.of(Cypher.load("lineage/feeds-member-usages"));
    private static final int CHUNK = 2_000;
    // the overview's own statements (LineageGraph), planned after a build: see warmOverview
    private static final String CAMPAIGN_WORKFLOWS = Cypher.load("lineage/campaign-workflows");
    private static final String WORKFLOW_NODES = Cypher.load("lineage/workflow-nodes");

    /** {@code -Dmida.feeds.warm=off}: no planning of the overview's statements after a build (benchmarks). */
    static final String WARM_PROPERTY = "mida.feeds.warm";

    /** A pair of workflows: consumer fed by producer. */
    record Key(String consumer, String producer) {}

    private final Driver driver;
    /** Whose transport the per-batch reads take where Neo4j is embedded ({@link TaskMirror#reads}); may be null. */
    private final TaskMirror mirror;

    private final Object lock = new Object();
    /** Serializes the recomputations: a later read of the graph is applied after an earlier one. */
    private final Object applyLock = new Object();

    // guarded by lock
    private final Map<Key, long[]> counts = new HashMap<>();
    private final Map<String, Map<Key, Long>> byFamily = new HashMap<>();
    private final Map<String, Map<Key, Long>> byConsumer = new HashMap<>();
    private boolean ready, building, buildWanted;
    private Set<String> dirty = new LinkedHashSet<>();
    private List<Feed> list;
    private Thread builder;
    private volatile long buildMs = -1;
    /** The mirror closed (its server stops): no rebuild, no warning for reads it interrupted. */
    private volatile boolean shut;

    private volatile boolean overviewWarmed;

    /** The consumer workflows of members with many usages, kept between batches; guarded by applyLock. */
    private final Members members =
            new Members(Math.max(0, Integer.getInteger(CACHE_FROM_PROPERTY, CACHE_FROM_DEFAULT)));

    FeedIndex(Driver driver) {
        this(driver, null);
    }

    FeedIndex(Driver driver, TaskMirror mirror) {
        this.driver = driver;
        this.mirror = mirror;
    }

    /** The index of this driver's mirror, listening to it; null when the server has no mirror. */
    static FeedIndex attach(Driver driver) {
        TaskMirror mirror = TaskMirror.of(driver);
        if (mirror == null) return null;
        var index = new FeedIndex(driver, mirror);
        mirror.listen(index);
        return index;
    }

    @Override
    public void reloading() {
        synchronized (lock) {
            if (shut) return;
            buildWanted = true;
            building = true;
            dirty = new LinkedHashSet<>();
            if (builder == null) {
                builder = new Thread(this::buildLoop, "mida-feeds");
                builder.setDaemon(true);
                builder.start();
            }
            lock.notifyAll();
        }
    }

    @Override
    public void changed(Set<String> taskIds) {
        synchronized (lock) {
            if (building || !ready) {
                dirty.addAll(taskIds);
                return;
            }
        }
        try {
            apply(taskIds);
        } catch (RuntimeException e) {
            if (shut) return; // the server stops: its mirror interrupted this read
            LOG.warn("workflow feed graph: could not follow a batch ({}); rebuilding it", e.toString());
            reloading();
        }
    }

    /**
     * {@link #changed} inside the mirror's read transaction, on the task nodes it looked up (issue 15, mir18):
     * the same two reads ({@link #entities(List, Map)}, {@link #informed(List, Map)}) with no transaction or
     * task lookup of their own. Replaces the parts it read, so running again for the same tasks is harmless.
     */
    @Override
    public void changedIn(Transaction tx, List<String> ids, Node[] nodes) {
        synchronized (lock) {
            if (building || !ready) {
                dirty.addAll(ids);
                return;
            }
        }
        try {
            var tasks = new ArrayList<Node>(nodes.length);
            for (Node n : nodes) if (n != null) tasks.add(n);
            synchronized (applyLock) {
                var families = new HashMap<String, Map<Key, Long>>();
                var consumers = new HashMap<String, Map<Key, Long>>();
                members.budget(keptBudget(mirror));
                entities(tasks, families, members);
                informed(tasks, consumers);
                synchronized (lock) {
                    for (var e : families.entrySet()) put(byFamily, e.getKey(), e.getValue(), 0);
                    for (var e : consumers.entrySet()) put(byConsumer, e.getKey(), e.getValue(), 1);
                    list = null;
                }
            }
        } catch (RuntimeException e) {
            if (shut) return; // the server stops: its mirror interrupted this read
            LOG.warn("workflow feed graph: could not follow a batch ({}); rebuilding it", e.toString());
            reloading();
        }
    }

    /**
     * The feed graph, ordered by consumer and producer; waits up to {@code waitMs} for a build under way;
     * null when there is none (not built yet, or the build failed).
     */
    List<Feed> feeds(long waitMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        synchronized (lock) {
            while (building) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return null;
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            if (!ready) return null;
            if (list == null) {
                var out = new ArrayList<Feed>(counts.size());
                for (var e : counts.entrySet())
                    out.add(new Feed(e.getKey().consumer(), e.getKey().producer(), e.getValue()[0], e.getValue()[1]));
                out.sort(Comparator.comparing(Feed::consumer).thenComparing(Feed::producer));
                list = List.copyOf(out);
            }
            return list;
        }
    }

    @Override
    public void closed() {
        synchronized (lock) {
            shut = true;
            if (builder != null) builder.interrupt();
        }
    }

    /** How long the last full build took (-1 before one finished). */
    long buildMs() {
        return buildMs;
    }

    // ---------------------------------------------------------------- the full build

    private void buildLoop() {
        while (true) {
            synchronized (lock) {
                while (!buildWanted) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                buildWanted = false;
            }
            try {
                build();
            } catch (RuntimeException e) {
                if (shut) return; // the server stops: its mirror interrupted the build
                LOG.warn("workflow feed graph: build failed ({}); retrying in 5 s", e.toString());
                synchronized (lock) {
                    buildWanted = true;
                }
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void build() {
        long t0 = System.nanoTime();
        var families = new HashMap<String, Map<Key, Long>>();
        var consumers = new HashMap<String, Map<Key, Long>>();
        synchronized (applyLock) {
            try (var session = driver.session()) {
                session.executeRead(tx -> {
                    families.clear();
                    consumers.clear();
                    tx.run(ENTITIES_ALL)
                            .forEachRemaining(r -> families.computeIfAbsent(
                                            r.get("family").asString(), k -> new HashMap<>())
                                    .merge(
                                            key(r.get("consumer"), r.get("producer")),
                                            r.get("entities").asLong(),
                                            Long::sum));
                    tx.run(INFORMED_ALL)
                            .forEachRemaining(r -> consumers
                                    .computeIfAbsent(r.get("task").asString(), k -> new HashMap<>())
                                    .merge(
                                            key(r.get("consumer"), r.get("producer")),
                                            r.get("informed").asLong(),
                                            Long::sum));
                    return null;
                });
            }
            // what was counted per member is the graph's before the build: counted again from the graph
            members.clear();
            synchronized (lock) {
                if (buildWanted) return; // a reload came meanwhile: build again
                counts.clear();
                byFamily.clear();
                byConsumer.clear();
                list = null;
                for (var e : families.entrySet()) put(byFamily, e.getKey(), e.getValue(), 0);
                for (var e : consumers.entrySet()) put(byConsumer, e.getKey(), e.getValue(), 1);
                ready = true;
            }
        }
        buildMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // the batches committed during the build: recomputed now, before the index counts as built
        while (true) {
            Set<String> ids;
            synchronized (lock) {
                if (buildWanted) return;
                ids = dirty;
                dirty = new LinkedHashSet<>();
                if (ids.isEmpty()) {
                    building = false;
                    lock.notifyAll();
                    break;
                }
            }
            apply(ids);
        }
        LOG.info(
                "workflow feed graph: built in {} ms ({} feeds, {} feeding entity families, {} informed tasks)",
                buildMs,
                counts.size(),
                byFamily.size(),
                byConsumer.size());
        if (!overviewWarmed && !"off".equalsIgnoreCase(System.getProperty(WARM_PROPERTY, "on"))) warmOverview();
    }

    /**
     * Plans the workflow overview's two statements once, after the first build, so that the first overview
     * a user asks for does not plan them (issue 15: the first call took 329 ms at 1M tasks, later ones 5–10
     * ms). Neo4j caches a plan per parameter types and list-size bucket, so {@code campaign-workflows} runs
     * with a campaign id and with null (all workflows), {@code workflow-nodes} with the feed graph's
     * workflows and with lists of 1, 10 and 100 ids that name none. Reads only; bounded (index seeks and
     * one pass over the workflows); a failure is logged and changes nothing.
     */
    private void warmOverview() {
        long t0 = System.nanoTime();
        var ids = new LinkedHashSet<String>();
        synchronized (lock) {
            for (Key k : counts.keySet()) {
                ids.add(k.consumer());
                ids.add(k.producer());
            }
        }
        try (var session = driver.session()) {
            session.executeRead(tx -> {
                var params = new HashMap<String, Object>();
                params.put("campaign_id", null);
                tx.run(CAMPAIGN_WORKFLOWS, params).consume();
                tx.run(CAMPAIGN_WORKFLOWS, Map.of("campaign_id", "mida:warm-up/none"))
                        .consume();
                if (!ids.isEmpty())
                    tx.run(WORKFLOW_NODES, Map.of("ids", List.copyOf(ids))).consume();
                for (int n = 1; n <= 100; n *= 10) {
                    var none = new ArrayList<String>(n);
                    for (int i = 0; i < n; i++) none.add("mida:warm-up/none-" + i);
                    tx.run(WORKFLOW_NODES, Map.of("ids", none)).consume();
                }
                return null;
            });
            overviewWarmed = true;
            LOG.info(
                    "workflow overview: statements planned in {} ms",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (RuntimeException e) {
            LOG.warn("workflow overview: could not plan its statements ahead ({})", e.toString());
        }
    }

    /** Whether the overview's statements were planned after a build ({@link #warmOverview}). */
    boolean overviewWarmed() {
        return overviewWarmed;
    }

    // ---------------------------------------------------------------- a batch

    private void apply(Set<String> taskIds) {
        var ids = new ArrayList<>(taskIds);
        synchronized (applyLock) {
            members.budget(keptBudget(mirror));
            for (int from = 0; from < ids.size(); from += CHUNK) {
                var chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
                var families = new HashMap<String, Map<Key, Long>>();
                var consumers = new HashMap<String, Map<Key, Long>>();
                IngestTransport in = mirror == null ? null : mirror.reads();
                if (in != null && TaskMirror.core()) {
                    // the same two reads through the core API: walks from each task's seek (issue 15, ing17)
                    var chunkIds = List.copyOf(chunk);
                    in.readNative(tx -> {
                        families.clear();
                        consumers.clear();
                        entities(tasks(tx, chunkIds), families, members);
                        informed(tx, chunkIds, consumers);
                        return null;
                    });
                } else if (in != null) {
                    // in-process where Neo4j is embedded, as the ingest (issue 15: no Bolt round trip per batch)
                    var chunkIds = List.copyOf(chunk);
                    in.read(tx -> {
                        families.clear();
                        consumers.clear();
                        entities(tx, chunkIds, families, members);
                        informed(tx, chunkIds, consumers);
                        return null;
                    });
                } else
                    try (var session = driver.session()) {
                        session.executeRead(tx -> {
                            families.clear();
                            consumers.clear();
                            entities(
                                    (query, parameters) ->
                                            tx.run(query, parameters).list(org.neo4j.driver.Record::asMap),
                                    chunk,
                                    families,
                                    members);
                            tx.run(INFORMED.text(), Map.of("ids", chunk)).forEachRemaining(r -> {
                                var m = consumers.computeIfAbsent(r.get("task").asString(), k -> new HashMap<>());
                                for (Value f : r.get("feeds").values())
                                    m.merge(
                                            key(r.get("consumer"), f.get(0)),
                                            f.get(1).asLong(),
                                            Long::sum);
                            });
                            return null;
                        });
                    }
                synchronized (lock) {
                    for (var e : families.entrySet()) put(byFamily, e.getKey(), e.getValue(), 0);
                    for (var e : consumers.entrySet()) put(byConsumer, e.getKey(), e.getValue(), 1);
                    list = null;
                }
            }
        }
    }

    /**
     * {@code feeds-entities.cypher}: each family's feeds, merged into {@code families}, as {@link
     * #entities(List, Map, Members)} counts them through the core API. A member's consumer workflows come from
     * its usages the statement returned (fewer than {@link Members#cacheFrom}), else from what {@code members}
     * kept plus the batch's usages where its in-degree is not below them, else from {@code
     * feeds-member-usages.cypher}, one statement for all such members; a family a task of the batch generates
     * into, or whose members changed, is read in full (as in the core-API walk).
     */
    static void entities(WriteTransaction tx, List<String> ids, Map<String, Map<Key, Long>> families, Members members) {
        List<Map<String, Object>> rows =
                tx.run(ENTITIES.text(), Map.of("ids", ids, "cacheFrom", (long) members.cacheFrom()));
        var consumersOf = new HashMap<String, Collection<String>>();
        var toRead = new java.util.LinkedHashMap<String, Object>();
        for (Map<String, Object> r : rows) {
            // not ||: the family's size is recorded whatever it generated
            boolean walk = Boolean.TRUE.equals(r.get("generated"))
                    | members.membersChanged((String) r.get("family"), ((Number) r.get("size")).intValue());
            for (Object o : (List<?>) r.get("members")) {
                var m = (List<?>) o;
                String key = (String) m.get(0);
                Object id = m.get(1);
                long degree = ((Number) m.get(3)).longValue();
                var fromBatch = (List<?>) m.get(4);
                Collection<String> ws = null;
                if (m.get(5) instanceof List<?> all) ws = members.walked(key, id, usages(all));
                else if (!walk) ws = members.fromKept(key, id, () -> degree, fromBatch.size(), usages(fromBatch));
                if (ws != null) consumersOf.put(key, List.copyOf(ws));
                else toRead.put(key, id);
            }
        }
        if (!toRead.isEmpty())
            for (Map<String, Object> r :
                    tx.run(MEMBER_USAGES.text(), Map.of("members", List.copyOf(toRead.keySet())))) {
                String key = (String) r.get("member");
                consumersOf.put(
                        key, List.copyOf(members.walked(key, toRead.get(key), usages((List<?>) r.get("usages")))));
            }
        for (Map<String, Object> r : rows) {
            var distinct = new HashMap<Key, Set<String>>();
            for (Object o : (List<?>) r.get("members")) {
                var m = (List<?>) o;
                String key = (String) m.get(0);
                Collection<String> consumers = consumersOf.getOrDefault(key, List.of());
                for (Object producer : (List<?>) m.get(2))
                    for (String consumer : consumers)
                        if (!producer.equals(consumer))
                            distinct.computeIfAbsent(new Key(consumer, (String) producer), k -> new HashSet<>())
                                    .add(key);
            }
            var part = families.computeIfAbsent((String) r.get("family"), k -> new HashMap<>());
            for (var d : distinct.entrySet())
                part.merge(d.getKey(), (long) d.getValue().size(), Long::sum);
        }
    }

    /** {@code feeds-informed.cypher} in-process: each consumer task's links, merged into {@code consumers}. */
    static void informed(WriteTransaction tx, List<String> ids, Map<String, Map<Key, Long>> consumers) {
        for (Map<String, Object> r : tx.run(INFORMED.text(), Map.of("ids", ids))) {
            var m = consumers.computeIfAbsent((String) r.get("task"), k -> new HashMap<>());
            for (Object o : (List<?>) r.get("feeds")) {
                var f = (List<?>) o;
                m.merge(
                        new Key((String) r.get("consumer"), (String) f.get(0)),
                        ((Number) f.get(1)).longValue(),
                        Long::sum);
            }
        }
    }

    private static final Label TASK = Label.label("Task");
    private static final Label ENTITY = Label.label("Entity");
    private static final RelationshipType USED = RelationshipType.withName("USED");
    private static final RelationshipType GENERATED_BY = RelationshipType.withName("WAS_GENERATED_BY");
    private static final RelationshipType SPECIALIZATION_OF = RelationshipType.withName("SPECIALIZATION_OF");
    private static final RelationshipType INFORMED_BY = RelationshipType.withName("WAS_INFORMED_BY");

    /**
     * {@code feeds-entities.cypher} through the core API: every node a task of {@code ids} used or generated
     * (either direction), taken to its family (its first {@code SPECIALIZATION_OF} target that is an Entity,
     * else itself); per family, over the family node and its versions, the nodes generated by a task with a
     * workflow (the producers, repeated as the pattern repeats them) and used by tasks with a workflow (the
     * consumers), counting per (consumer, producer ≠ consumer) the distinct nodes; every family gets an
     * entry, empty when it feeds nothing.
     */
    static void entities(Transaction tx, List<String> ids, Map<String, Map<Key, Long>> families) {
        entities(tasks(tx, ids), families);
    }

    /** The task nodes of these ids that exist. */
    private static List<Node> tasks(Transaction tx, List<String> ids) {
        var out = new ArrayList<Node>(ids.size());
        for (String id : ids) {
            Node t = tx.findNode(TASK, "task_id", id);
            if (t != null) out.add(t);
        }
        return out;
    }

    /** As {@link #entities(Transaction, List, Map)}, from the task nodes. */
    static void entities(List<Node> tasks, Map<String, Map<Key, Long>> families) {
        entities(tasks, families, null);
    }

    /**
     * As {@link #entities(List, Map)}; with {@code members}, a member's consumer workflows come from what was
     * counted for it before plus the usages of these tasks (see {@link Members}) instead of a walk over all its
     * usages, where that is exact.
     */
    static void entities(List<Node> tasks, Map<String, Map<Key, Long>> families, Members members) {
        var nodes = new LinkedHashSet<Node>();
        // the usages these tasks hold, per used node; the nodes these tasks generated
        var usedBy = new HashMap<Node, List<Relationship>>();
        var generated = new HashSet<Node>();
        for (Node t : tasks) {
            for (Relationship r : t.getRelationships(org.neo4j.graphdb.Direction.BOTH, USED, GENERATED_BY)) {
                Node other = r.getOtherNode(t);
                nodes.add(other);
                if (members == null) continue;
                if (r.isType(USED) && r.getStartNode().equals(t))
                    usedBy.computeIfAbsent(other, k -> new ArrayList<>()).add(r);
                else if (r.isType(GENERATED_BY)) generated.add(other);
            }
        }
        // a family one of these tasks generates into may have had its usages rebound, those of tasks not among
        // these too (ingest/rebind-usages): its members are walked in full
        var rebindable = new HashSet<Node>();
        for (Node n : generated) rebindable.add(family(n));
        var seen = new LinkedHashSet<Node>();
        for (Node n : nodes) {
            Node e = family(n);
            if (!seen.add(e)) continue;
            boolean walk = members == null || rebindable.contains(e);
            var distinct = new HashMap<Key, Set<Node>>();
            var familyMembers = new ArrayList<Node>();
            familyMembers.add(e);
            for (Relationship r : e.getRelationships(org.neo4j.graphdb.Direction.INCOMING, SPECIALIZATION_OF))
                familyMembers.add(r.getStartNode());
            // a version made or removed (e.g. one a usage names) moves usages between the members too
            if (members != null && members.membersChanged(e, familyMembers.size())) walk = true;
            for (Node m : familyMembers) {
                var producers = new ArrayList<String>();
                for (Relationship r : m.getRelationships(org.neo4j.graphdb.Direction.OUTGOING, GENERATED_BY)) {
                    String w = workflow(r.getEndNode());
                    if (w != null) producers.add(w);
                }
                if (producers.isEmpty()) continue;
                Collection<String> consumers =
                        members == null ? consumers(m) : members.consumers(m, usedBy.getOrDefault(m, List.of()), walk);
                for (String producer : producers)
                    for (String consumer : consumers)
                        if (!producer.equals(consumer))
                            distinct.computeIfAbsent(new Key(consumer, producer), k -> new HashSet<>())
                                    .add(m);
            }
            var part = families.computeIfAbsent(e.getElementId(), k -> new HashMap<>());
            for (var d : distinct.entrySet())
                part.merge(d.getKey(), (long) d.getValue().size(), Long::sum);
        }
    }

    /** A node's family: its first {@code SPECIALIZATION_OF} target that is an Entity, else itself. */
    private static Node family(Node n) {
        for (Relationship r : n.getRelationships(org.neo4j.graphdb.Direction.OUTGOING, SPECIALIZATION_OF)) {
            Node g = r.getEndNode();
            if (g.hasLabel(ENTITY)) return g;
        }
        return n;
    }

    /** The workflows of the tasks that used {@code m}, one per usage: a walk over all its usages. */
    private static List<String> consumers(Node m) {
        var out = new ArrayList<String>();
        for (Relationship r : m.getRelationships(org.neo4j.graphdb.Direction.INCOMING, USED)) {
            String w = workflow(r.getStartNode());
            if (w != null) out.add(w);
        }
        return out;
    }

    /**
     * The consumer workflows of the family members with many usages, kept between batches (14th session,
     * {@code bench/run hot-entity}: walking every usage of a member each batch that touches it made a batch's
     * cost grow with the usages of the datasets it reads). Per member: the {@code USED} relationships counted
     * (id → the using task's workflow) and how many per workflow. For a batch, the usages its tasks hold are
     * added (or their workflow updated); the result is used only if the member's {@code USED} in-degree is not
     * below the relationships counted, else the member is walked in full. That is exact because usages are
     * created only for the tasks of a batch (which reach the index as its changed tasks), except by a rebind,
     * which happens only in a family a task of the batch generates into or whose versions changed (both walked
     * in full); a usage deleted lowers the degree. A degree above the count is the usages of batches committed
     * since, whose tasks reach the index after this one (15th session: over Cypher the index ran a batch or
     * more behind the ingest, and with equality asked it walked a dataset used by every task in every batch);
     * they are counted when their batch comes, as its own tasks' usages. Members with fewer than {@value #CACHE_FROM_DEFAULT} usages ({@code -Dmida.feeds.cacheFrom}) are
     * walked each time (cheap). Used under the index's apply lock only.
     */
    static final class Members {
        /** Members answered from what was kept (all indexes of the JVM; tests). */
        static final java.util.concurrent.atomic.AtomicLong KEPT = new java.util.concurrent.atomic.AtomicLong();
        /** The most usages one index kept at a time (all indexes of the JVM; tests). */
        static final java.util.concurrent.atomic.AtomicLong MOST_KEPT = new java.util.concurrent.atomic.AtomicLong();

        private final int cacheFrom;
        private final Map<String, Member> byElement = new HashMap<>();
        /** The usages counted in {@link #byElement}, all members together. */
        private long kept;
        /** The most usages kept ({@link #budget}); a member that would pass it is walked each time instead. */
        private long maxKept = Long.MAX_VALUE;

        private boolean full;
        /**
         * One instance per workflow id for all kept usages (a node's property is read as a new string each time:
         * without this every kept usage held its own copy).
         */
        private final Map<String, String> names = new HashMap<>();

        Members(int cacheFrom) {
            this.cacheFrom = cacheFrom;
        }

        /**
         * The bytes the kept usages may take from now on ({@link #BYTES_PER_USAGE} each); members over it are
         * dropped, the largest first, and walked each batch as members under the threshold are. The answers
         * are the same either way: only the walks' cost grows.
         */
        void budget(long bytes) {
            maxKept = Math.max(0, bytes) / BYTES_PER_USAGE;
            if (kept <= maxKept) return;
            var largest = new ArrayList<>(byElement.entrySet());
            largest.sort((a, b) ->
                    Integer.compare(b.getValue().rels.size(), a.getValue().rels.size()));
            for (var e : largest) {
                if (kept <= maxKept) break;
                drop(e.getKey());
            }
            reachedBound();
        }

        /** The usages kept now (tests, the log line). */
        long kept() {
            return kept;
        }

        private void drop(String key) {
            Member c = byElement.remove(key);
            if (c != null) kept -= c.rels.size();
        }

        private void reachedBound() {
            if (full) return;
            full = true;
            LOG.info(
                    "workflow feed graph: the usages kept between batches reached their bound ({} usages, {} MiB:"
                            + " an eighth of MIDA_MIRROR_MAX_BYTES, within what the task table leaves); members"
                            + " beyond it are walked each batch",
                    maxKept,
                    maxKept * BYTES_PER_USAGE >> 20);
        }

        private static final class Member {
            final Object id;
            final org.eclipse.collections.impl.map.mutable.primitive.LongObjectHashMap<String> rels =
                    new org.eclipse.collections.impl.map.mutable.primitive.LongObjectHashMap<>();
            final Map<String, Integer> workflows = new HashMap<>();

            Member(Object id) {
                this.id = id;
            }

            void count(long rel, String workflow) {
                if (rels.containsKey(rel)) {
                    String before = rels.get(rel);
                    if (java.util.Objects.equals(before, workflow)) return;
                    if (before != null) workflows.merge(before, -1, (a, b) -> a + b == 0 ? null : a + b);
                }
                rels.put(rel, workflow);
                if (workflow != null) workflows.merge(workflow, 1, Integer::sum);
            }
        }

        /** Per family with versions (element id): its members at the latest batch that touched it. */
        private final Map<String, Integer> familySizes = new HashMap<>();

        /** Whether {@code family}'s members are not those of the latest batch that touched it (then walk it). */
        boolean membersChanged(Node family, int size) {
            return membersChanged(family.getElementId(), size);
        }

        /** As {@link #membersChanged(Node, int)}, by the family's element id. */
        boolean membersChanged(String key, int size) {
            Integer before = size > 1 ? familySizes.put(key, size) : familySizes.remove(key);
            return before == null ? size > 1 : before != size;
        }

        void clear() {
            byElement.clear();
            familySizes.clear();
            names.clear();
            kept = 0;
        }

        /** The distinct consumer workflows of {@code m}, given the usages of the batch's tasks it has. */
        Collection<String> consumers(Node m, List<Relationship> fromBatch, boolean walk) {
            String key = m.getElementId();
            Object id = m.getProperty("id", null);
            if (!walk) {
                Collection<String> ws = fromKept(
                        key, id, () -> m.getDegree(USED, org.neo4j.graphdb.Direction.INCOMING), fromBatch.size(), s -> {
                            for (Relationship r : fromBatch) s.accept(r.getId(), workflow(r.getStartNode()));
                        });
                if (ws != null) return ws;
            }
            return walked(key, id, s -> {
                for (Relationship r : m.getRelationships(org.neo4j.graphdb.Direction.INCOMING, USED))
                    s.accept(r.getId(), workflow(r.getStartNode()));
            });
        }

        /**
         * The distinct consumer workflows of the member {@code key} from what was kept for it plus {@code
         * fromBatch} (the usages the batch's tasks hold, {@code count} of them), when its {@code USED} in-degree is
         * not below them (above: usages of batches the index has not applied yet); null when it must be walked
         * (nothing kept, an element id used again, the bound, a usage counted that is gone).
         */
        Collection<String> fromKept(String key, Object id, LongSupplier degree, int count, Usages fromBatch) {
            Member c = byElement.get(key);
            if (c == null || !java.util.Objects.equals(c.id, id)) return null; // (an element id used again)
            if (kept + count > maxKept) {
                reachedBound(); // its new usages would pass the bound: walked (and dropped) instead
                return null;
            }
            int before = c.rels.size();
            fromBatch.each((rel, workflow) -> c.count(rel, name(workflow)));
            kept += c.rels.size() - before;
            MOST_KEPT.accumulateAndGet(kept, Math::max);
            if (degree.getAsLong() < c.rels.size()) return null;
            KEPT.incrementAndGet();
            return c.workflows.keySet();
        }

        /**
         * The distinct consumer workflows of the member {@code key} from {@code all} its usages; kept for the
         * next batches when it has at least {@code cacheFrom} and the bound has room.
         */
        Collection<String> walked(String key, Object id, Usages all) {
            drop(key);
            var c = new Member(id);
            all.each((rel, workflow) -> c.count(rel, name(workflow)));
            if (c.rels.size() >= cacheFrom) {
                if (kept + c.rels.size() <= maxKept) {
                    byElement.put(key, c);
                    kept += c.rels.size();
                    MOST_KEPT.accumulateAndGet(kept, Math::max);
                } else reachedBound();
            }
            return c.workflows.keySet();
        }

        private String name(String workflow) {
            return workflow == null ? null : names.computeIfAbsent(workflow, w -> w);
        }

        /** The fewest usages a member's consumers are kept for. */
        int cacheFrom() {
            return cacheFrom;
        }
    }

    /** Usages of a member, given one by one: the {@code USED} relationship's id and the using task's workflow. */
    @FunctionalInterface
    interface Usages {
        void each(UsageSink sink);
    }

    /** Takes one usage: the {@code USED} relationship's id and the using task's workflow (null when none). */
    @FunctionalInterface
    interface UsageSink {
        void accept(long rel, String workflow);
    }

    /** Usages as the Cypher returns them: a list of {@code [relationship id, workflow]} pairs. */
    private static Usages usages(List<?> pairs) {
        return sink -> {
            for (Object o : pairs) {
                var u = (List<?>) o;
                sink.accept(((Number) u.get(0)).longValue(), (String) u.get(1));
            }
        };
    }

    static final int CACHE_FROM_DEFAULT = 32;

    /**
     * What a kept usage takes, about: a long key and a reference in an open-addressing map at most half full
     * (the workflow ids are one string each, shared by all usages: {@code Members.names}).
     */
    static final long BYTES_PER_USAGE = 24;

    /** The system property of the bytes the kept usages may take ({@link Members#budget}); tests. */
    static final String KEPT_MAX_BYTES_PROPERTY = "mida.feeds.keptMaxBytes";

    /**
     * The bytes the kept usages may take: an eighth of {@code MIDA_MIRROR_MAX_BYTES}, and no more than the task
     * table leaves of it, so that the mirror and the kept usages together stay within that bound ({@code
     * -Dmida.feeds.keptMaxBytes} sets it); nothing without a mirror.
     */
    static long keptBudget(TaskMirror mirror) {
        Long set = Long.getLong(KEPT_MAX_BYTES_PROPERTY);
        if (set != null) return set;
        if (mirror == null) return 0;
        long max = mirror.maxBytes();
        return Math.max(0, Math.min(max / 8, max - mirror.bytes()));
    }

    /** The system property of the fewest usages a member's consumers are kept for ({@link Members}). */
    static final String CACHE_FROM_PROPERTY = "mida.feeds.cacheFrom";

    /**
     * {@code feeds-informed.cypher} through the core API: the tasks of {@code ids} and the tasks informed by
     * them; per such task, its {@code WAS_INFORMED_BY} links to tasks of another workflow, counted per
     * producer workflow (an entry for each task, empty when none).
     */
    static void informed(Transaction tx, List<String> ids, Map<String, Map<Key, Long>> consumers) {
        informed(tasks(tx, ids), consumers);
    }

    /** As {@link #informed(Transaction, List, Map)}, from the task nodes. */
    static void informed(List<Node> batch, Map<String, Map<Key, Long>> consumers) {
        var tasks = new LinkedHashSet<Node>();
        for (Node t : batch) {
            tasks.add(t);
            for (Relationship r : t.getRelationships(org.neo4j.graphdb.Direction.INCOMING, INFORMED_BY)) {
                Node c = r.getStartNode();
                if (c.hasLabel(TASK)) tasks.add(c);
            }
        }
        for (Node c : tasks) {
            Object cw = c.getProperty("workflow_id", null);
            var part = consumers.computeIfAbsent(c.getElementId(), k -> new HashMap<>());
            if (!(cw instanceof String consumer)) continue;
            for (Relationship r : c.getRelationships(org.neo4j.graphdb.Direction.OUTGOING, INFORMED_BY)) {
                String w = workflow(r.getEndNode());
                if (w != null && !w.equals(consumer)) part.merge(new Key(consumer, w), 1L, Long::sum);
            }
        }
    }

    /** A task's workflow id; null for a node that is not a task, or has none. */
    private static String workflow(Node n) {
        return n.hasLabel(TASK) && n.getProperty("workflow_id", null) instanceof String w ? w : null;
    }

    /** Replaces one part (a family's or a consumer task's feeds) and moves the counts by the difference. */
    private void put(Map<String, Map<Key, Long>> parts, String part, Map<Key, Long> now, int slot) {
        Map<Key, Long> before = now.isEmpty() ? parts.remove(part) : parts.put(part, now);
        if (before != null)
            for (var e : before.entrySet()) {
                long[] c = counts.get(e.getKey());
                c[slot] -= e.getValue();
                if (c[0] == 0 && c[1] == 0) counts.remove(e.getKey());
            }
        for (var e : now.entrySet()) counts.computeIfAbsent(e.getKey(), k -> new long[2])[slot] += e.getValue();
    }

    private static Key key(Value consumer, Value producer) {
        return new Key(consumer.asString(), producer.asString());
    }
}

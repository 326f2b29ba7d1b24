package org.mida.server.lineage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.mida.cypher.Cypher;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lineage over the PROV graph. Task and entity lineage is a breadth-first search, one parameterized
 * statement per level over the whole frontier (element ids, so a level costs no index lookups), all in
 * one read transaction, bounded by the node cap. Upstream follows the PROV relationships forward
 * (dependent → dependency: used, wasGeneratedBy, wasInformedBy, wasDerivedFrom); downstream follows
 * them backwards; {@code both} is the union of the two searches from the start node (never a free
 * undirected walk, so siblings that only share an input do not appear).
 *
 * <p>The workflow-level view works on the graph of which workflows feed which: kept current in memory by
 * the {@link FeedIndex} (with the columnar mirror), else computed in one pass over the generated entities
 * and cached until the next ingest batch (see {@link #feeds}).
 */
final class LineageGraph {
    private static final Logger LOG = LoggerFactory.getLogger(LineageGraph.class);

    private static final String START = Cypher.load("lineage/start");
    private static final String[] UPSTREAM_REACH = perDepth(Cypher.load("lineage/upstream-reach"));
    private static final String[] DOWNSTREAM_REACH = perDepth(Cypher.load("lineage/downstream-reach"));
    private static final String UPSTREAM_STEP = Cypher.load("lineage/upstream-step");
    private static final String DOWNSTREAM_STEP = Cypher.load("lineage/downstream-step");
    private static final String UPSTREAM_STEP_CUMULATIVE = Cypher.load("lineage/upstream-step-cumulative");
    private static final String DOWNSTREAM_STEP_CUMULATIVE = Cypher.load("lineage/downstream-step-cumulative");
    private static final String WORKFLOW_FEEDS = Cypher.load("lineage/workflow-feeds");
    private static final String WORKFLOW_NODES = Cypher.load("lineage/workflow-nodes");
    private static final String CAMPAIGN_WORKFLOWS = Cypher.load("lineage/campaign-workflows");

    /** Without ingest batches the feed graph is reused this long (writes that bypass the ingest counter). */
    static final long FEEDS_MAX_AGE_NANOS = 10_000_000_000L;

    /** The deepest lineage a request may ask for. */
    static final int MAX_DEPTH = 50;

    private static final String HOP_BOUND = "WAS_DERIVED_FROM*1.." + MAX_DEPTH + "]";

    /**
     * One statement text per depth 1..MAX_DEPTH: Cypher takes no parameter for the hop bound of a
     * variable-length pattern, so the bound is the index into this fixed array, never request text.
     */
    static String[] perDepth(String template) {
        if (template.indexOf(HOP_BOUND) < 0 || template.indexOf(HOP_BOUND) != template.lastIndexOf(HOP_BOUND))
            throw new IllegalStateException("a reach statement must contain '" + HOP_BOUND + "' exactly once");
        var out = new String[MAX_DEPTH + 1];
        for (int d = 1; d <= MAX_DEPTH; d++) out[d] = template.replace(HOP_BOUND, "WAS_DERIVED_FROM*1.." + d + "]");
        return out;
    }

    /** A feed graph computed faster than this is recomputed after every ingest batch. */
    static final long QUICK_NANOS = 200_000_000L;

    /** A slower one is reused under ingest for up to this many times its computing time. */
    static final long STALE_FACTOR = 10;

    /** Rows one level may return, per node still allowed by the cap (edges to known nodes need room). */
    private static final int ROWS_PER_NODE = 8;

    // ---------------------------------------------------------------- rows, as the statements return them

    /** A node known by its element id and domain properties. */
    record Known(String eid, NodeProps props) {
        static Known of(Value pair) {
            return new Known(pair.get(0).asString(), NodeProps.of(pair.get(1)));
        }
    }

    /**
     * start.cypher: the start node, its kind and its domain properties; an entity's versions, or the
     * entity a version specializes.
     */
    record Start(String eid, String kind, NodeProps props, List<Known> versions, List<Known> general) {
        static Start of(Record r) {
            return new Start(
                    r.get("eid").asString(),
                    r.get("kind").asString(),
                    NodeProps.of(r.get("p")),
                    r.get("versions").asList(Known::of),
                    r.get("general").asList(Known::of));
        }

        /** The general entity in place of a version (the cumulative view has no versions). */
        Start asGeneral() {
            if (general.isEmpty()) return this;
            Known g = general.get(0);
            return new Start(g.eid(), kind, g.props(), List.of(), List.of());
        }
    }

    /** An outgoing PROV relationship: its Neo4j type and the element id it points at. */
    record Rel(String type, String target) {}

    /**
     * *-reach.cypher: a node within reach (or the start), its kind, its domain properties and its
     * outgoing PROV relationships.
     */
    record Reached(String eid, String kind, NodeProps props, List<Rel> out) {
        static Reached of(Record r) {
            var out = new ArrayList<Rel>();
            for (Value pair : r.get("out").values()) {
                if (pair.get(0).isNull()) continue; // no relationship (OPTIONAL MATCH)
                out.add(new Rel(pair.get(0).asString(), pair.get(1).asString()));
            }
            return new Reached(
                    r.get("eid").asString(), r.get("kind").asString(), NodeProps.of(r.get("p")), List.copyOf(out));
        }
    }

    /** *-step.cypher: a relationship {@code rel} between a frontier node and the node {@code to}. */
    record Step(String from, String rel, String to, String kind, NodeProps props) {
        static Step of(Record r) {
            return new Step(
                    r.get("from").asString(),
                    r.get("rel").asString(),
                    r.get("to").asString(),
                    r.get("kind").asString(),
                    NodeProps.of(r.get("p")));
        }
    }

    /** workflow-feeds.cypher: consumer used entities producer generated, or was informed by it. */
    record Feed(String consumer, String producer, long entities, long informed) {
        static Feed of(Record r) {
            return new Feed(
                    r.get("consumer").asString(),
                    r.get("producer").asString(),
                    r.get("entities").asLong(),
                    r.get("informed").asLong());
        }
    }

    /** workflow-nodes.cypher: a stored workflow and its task count. */
    record WorkflowRow(
            String workflowId,
            String name,
            String campaignId,
            String status,
            Double startedAt,
            Double endedAt,
            long taskCount) {
        static WorkflowRow of(Record r) {
            return new WorkflowRow(
                    r.get("workflow_id").asString(),
                    NodeProps.string(r.get("name")),
                    NodeProps.string(r.get("campaign_id")),
                    NodeProps.string(r.get("status")),
                    NodeProps.number(r.get("started_at")),
                    NodeProps.number(r.get("ended_at")),
                    r.get("task_count").asLong());
        }
    }

    /**
     * Where the feed graph comes from: {@code auto} (the {@link FeedIndex} when the server has a columnar
     * mirror, else the cached Cypher computation) or {@code cypher} (computed afresh, no cache: the first
     * call's cost); the system property {@value #FEEDS_ENGINE_PROPERTY}, for side-by-side benchmarks.
     */
    static final String FEEDS_ENGINE_PROPERTY = "mida.feeds.engine";

    /** How long an overview waits for the feed index's build under way (at start, on reload). */
    static final long BUILD_WAIT_MS = 60_000;

    /** How long an overview waits for this instance's committed batches to reach the feed index. */
    static final long APPLY_WAIT_MS = 5_000;

    private final Driver driver;
    private final FeedIndex feedIndex;
    private final LongSupplier ingestGeneration;
    private final Object feedsLock = new Object();
    private List<Feed> feeds;
    private long feedsGeneration = -1;
    private long feedsAt;
    private long feedsNanos;

    /**
     * @param ingestGeneration a number that changes whenever the ingest writes (the batch counter), to
     *     know when the cached workflow feed graph is stale
     */
    LineageGraph(Driver driver, LongSupplier ingestGeneration) {
        this.driver = driver;
        this.ingestGeneration = ingestGeneration;
        this.feedIndex = FeedIndex.attach(driver);
    }

    /**
     * Lineage of the node with this domain id; empty when no task, entity or workflow has it. {@code kind}
     * (task, entity, workflow or null) picks one when the id names several; otherwise task wins, then
     * entity, then workflow.
     */
    Optional<Lineage> lineage(String id, String kind, Direction dir, int depth, int limit) {
        return lineage(id, kind, dir, depth, limit, true);
    }

    /**
     * Lineage as above; with {@code versions} it is time-true (a usage leads to the version it read, and
     * from an entity to all its versions), without it cumulative (an entity stands for all its versions:
     * every writer of it is upstream of every reader).
     */
    Optional<Lineage> lineage(String id, String kind, Direction dir, int depth, int limit, boolean versions) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                Optional<Start> start = tx.run(START, Map.of("id", id)).list(Start::of).stream()
                        .filter(s -> kind == null || s.kind().equals(kind))
                        .findFirst();
                if (start.isEmpty()) return Optional.empty();
                if (start.get().kind().equals("workflow"))
                    return Optional.of(workflowLineage(tx, id, dir, depth, limit));
                return Optional.of(
                        new Search(tx, versions ? start.get() : start.get().asGeneral(), dir, depth, limit)
                                .run(id, versions));
            });
        }
    }

    /** One breadth-first search (or two, for both directions) inside one read transaction. */
    private static final class Search {
        private final TransactionContext tx;
        private final Start start;
        private final Direction dir;
        private final int depth;
        private final int limit;
        /** element id → node (with domain id and depth), in the order found. */
        private final Map<String, LineageNode> nodes = new LinkedHashMap<>();

        private final Map<String, LineageEdge> edges = new LinkedHashMap<>();
        private boolean truncated;

        Search(TransactionContext tx, Start start, Direction dir, int depth, int limit) {
            this.tx = tx;
            this.start = start;
            this.dir = dir;
            this.depth = depth;
            this.limit = limit;
        }

        Lineage run(String id, boolean versions) {
            if (!versions) {
                startNodes(false);
                if (dir != Direction.DOWNSTREAM) walk(UPSTREAM_STEP_CUMULATIVE, true);
                if (dir != Direction.UPSTREAM) walk(DOWNSTREAM_STEP_CUMULATIVE, false);
            } else if (!reach()) { // more nodes than the cap: level by level, so the nearest ones are kept
                nodes.clear();
                edges.clear();
                startNodes(true);
                if (dir != Direction.DOWNSTREAM) walk(UPSTREAM_STEP, true);
                if (dir != Direction.UPSTREAM) walk(DOWNSTREAM_STEP, false);
            }
            var list = new ArrayList<>(nodes.values());
            list.sort(Comparator.comparingInt(LineageNode::depth)); // stable: BFS order within a depth
            return new Lineage(
                    id, start.kind(), dir, depth, limit, versions, list, new ArrayList<>(edges.values()), truncated);
        }

        /**
         * The search starts from the start node and, for an entity in the time-true view, from each of its
         * versions too (depth 0, linked to it by specializationOf): an entity's writers are its versions'.
         */
        private List<String> startNodes(boolean versions) {
            var starts = new ArrayList<String>();
            LineageNode root = LineageNode.of(start.kind(), start.props().domainId(start.kind()), start.props(), 0);
            nodes.put(start.eid(), root);
            starts.add(start.eid());
            if (!versions) return starts;
            for (Known v : start.versions()) {
                String vid = v.props().id();
                if (vid == null) continue;
                if (nodes.size() >= limit) {
                    truncated = true;
                    break;
                }
                nodes.put(v.eid(), LineageNode.of("entity", vid, v.props(), 0));
                starts.add(v.eid());
                addEdge(vid, root.id(), "SPECIALIZATION_OF");
            }
            return starts;
        }

        private void addEdge(String source, String target, String neo4jType) {
            LineageEdge e = LineageEdge.of(source, target, wireType(neo4jType));
            edges.putIfAbsent(e.key(), e);
        }

        /** A relationship between two found nodes, oriented in the search direction. */
        private record Hop(String type, String to, String source, String target) {}

        /**
         * The fast path: per direction one statement finds every node within the depth (a pruning
         * breadth-first expand) with its outgoing PROV relationships; hop counts are then computed here.
         * False when the nodes exceed the cap (the caller then searches level by level).
         */
        private boolean reach() {
            List<String> starts = startNodes(true);
            for (boolean up : dir == Direction.BOTH ? List.of(true, false) : List.of(dir == Direction.UPSTREAM)) {
                String q = (up ? UPSTREAM_REACH : DOWNSTREAM_REACH)[depth];
                List<Reached> found =
                        tx.run(q, Map.of("starts", starts, "rows", limit)).list(Reached::of);
                if (found.size() > limit + starts.size() - 1) return false; // the starts plus `limit` others
                // element id → the node with its outgoing relationships
                var info = new LinkedHashMap<String, Reached>();
                for (Reached r : found) info.putIfAbsent(r.eid(), r); // the start may come again (a cycle)
                // breadth first over the relationships between found nodes, in the search direction
                var adj = new HashMap<String, List<Hop>>();
                for (Reached r : info.values())
                    for (Rel rel : r.out()) {
                        if (!info.containsKey(rel.target())) continue;
                        String from = up ? r.eid() : rel.target(), to = up ? rel.target() : r.eid();
                        adj.computeIfAbsent(from, k -> new ArrayList<>())
                                .add(new Hop(rel.type(), to, r.eid(), rel.target()));
                    }
                var hops = new HashMap<String, Integer>();
                for (String s : starts) hops.put(s, 0);
                var queue = new ArrayDeque<String>(starts);
                while (!queue.isEmpty()) {
                    String cur = queue.poll();
                    int h = hops.get(cur);
                    if (h >= depth) continue;
                    for (Hop hop : adj.getOrDefault(cur, List.of())) {
                        if (!hops.containsKey(hop.to())) {
                            Reached r = info.get(hop.to());
                            String domainId = r.props().domainId(r.kind());
                            if (domainId == null) continue;
                            hops.put(hop.to(), h + 1);
                            if (!nodes.containsKey(hop.to())) {
                                if (nodes.size() >= limit) return false;
                                nodes.put(hop.to(), LineageNode.of(r.kind(), domainId, r.props(), h + 1));
                            }
                            queue.add(hop.to());
                        }
                        addEdge(
                                nodes.get(hop.source()).id(),
                                nodes.get(hop.target()).id(),
                                hop.type());
                    }
                }
            }
            return true;
        }

        private void walk(String step, boolean up) {
            Set<String> seen = new HashSet<>();
            var frontier = new ArrayList<String>();
            for (var n : nodes.entrySet())
                if (n.getValue().depth() == 0) {
                    seen.add(n.getKey());
                    frontier.add(n.getKey());
                }
            for (int level = 1; level <= depth && !frontier.isEmpty(); level++) {
                int room = Math.max(0, limit - nodes.size());
                int rows = ROWS_PER_NODE * Math.max(room, 1) + frontier.size();
                List<Step> found =
                        tx.run(step, Map.of("frontier", frontier, "rows", rows)).list(Step::of);
                if (found.size() >= rows) truncated = true;
                var next = new ArrayList<String>();
                for (Step s : found) {
                    LineageNode target = nodes.get(s.to());
                    if (target == null) {
                        String domainId = s.props().domainId(s.kind());
                        if (domainId == null) continue; // not a lineage node (no id)
                        if (nodes.size() >= limit) {
                            truncated = true;
                            continue;
                        }
                        target = LineageNode.of(s.kind(), domainId, s.props(), level);
                        nodes.put(s.to(), target);
                    }
                    if (seen.add(s.to())) next.add(s.to());
                    String a = nodes.get(s.from()).id(), b = target.id();
                    addEdge(up ? a : b, up ? b : a, s.rel());
                }
                frontier = next;
            }
        }
    }

    static String wireType(String rel) {
        return switch (rel) {
            case "USED" -> "used";
            case "WAS_GENERATED_BY" -> "wasGeneratedBy";
            case "WAS_INFORMED_BY" -> "wasInformedBy";
            case "WAS_DERIVED_FROM" -> "wasDerivedFrom";
            case "SPECIALIZATION_OF" -> "specializationOf";
            default -> rel;
        };
    }

    // ---------------------------------------------------------------- workflow level

    /** Workflows upstream (producers) and/or downstream (consumers) of one workflow, hop by hop. */
    private Lineage workflowLineage(TransactionContext tx, String id, Direction dir, int depth, int limit) {
        List<Feed> all = feeds(tx);
        var depthOf = new LinkedHashMap<String, Integer>();
        depthOf.put(id, 0);
        var kept = new LinkedHashMap<String, Feed>();
        boolean truncated = false;
        for (boolean up : dir == Direction.BOTH ? List.of(true, false) : List.of(dir == Direction.UPSTREAM)) {
            var by = new HashMap<String, List<Feed>>();
            for (Feed f : all)
                by.computeIfAbsent(up ? f.consumer() : f.producer(), k -> new ArrayList<>())
                        .add(f);
            var seen = new HashSet<String>(List.of(id));
            var queue = new ArrayDeque<Map.Entry<String, Integer>>();
            queue.add(Map.entry(id, 0));
            while (!queue.isEmpty()) {
                var cur = queue.poll();
                if (cur.getValue() >= depth) continue;
                for (Feed f : by.getOrDefault(cur.getKey(), List.of())) {
                    String other = up ? f.producer() : f.consumer();
                    if (!depthOf.containsKey(other)) {
                        if (depthOf.size() >= limit) {
                            truncated = true;
                            continue;
                        }
                        depthOf.put(other, cur.getValue() + 1);
                    }
                    kept.putIfAbsent(f.consumer() + "\u0000" + f.producer(), f);
                    if (seen.add(other)) queue.add(Map.entry(other, cur.getValue() + 1));
                }
            }
        }
        return new Lineage(
                id,
                "workflow",
                dir,
                depth,
                limit,
                true,
                workflowNodes(tx, depthOf),
                kept.values().stream().map(LineageEdge::of).toList(),
                truncated);
    }

    /**
     * Which workflows feed which, over one campaign's workflows (or all): every workflow of the campaign is
     * a node; so is a workflow of another campaign at the other end of a feed (its campaign_id tells).
     */
    WorkflowFeeds workflowOverview(String campaignId) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                var params = new HashMap<String, Object>();
                params.put("campaign_id", campaignId);
                var ids = new LinkedHashMap<String, Integer>();
                for (String w : tx.run(CAMPAIGN_WORKFLOWS, params)
                        .list(r -> r.get("workflow_id").asString())) ids.put(w, null);
                Set<String> members = new LinkedHashSet<>(ids.keySet());
                var edges = new ArrayList<LineageEdge>();
                for (Feed f : feeds(tx)) {
                    if (!members.contains(f.consumer()) && !members.contains(f.producer())) continue;
                    ids.putIfAbsent(f.consumer(), null);
                    ids.putIfAbsent(f.producer(), null);
                    edges.add(LineageEdge.of(f));
                }
                return new WorkflowFeeds(campaignId, workflowNodes(tx, ids), edges);
            });
        }
    }

    /** Workflow nodes in the order of {@code ids}, with their depth from the root (null when none). */
    private static List<LineageNode> workflowNodes(TransactionContext tx, Map<String, Integer> ids) {
        var byId = new HashMap<String, WorkflowRow>();
        for (WorkflowRow w : tx.run(WORKFLOW_NODES, Map.of("ids", new ArrayList<>(ids.keySet())))
                .list(WorkflowRow::of)) byId.put(w.workflowId(), w);
        var out = new ArrayList<LineageNode>(ids.size());
        for (var e : ids.entrySet()) out.add(LineageNode.workflow(e.getKey(), byId.get(e.getKey()), e.getValue()));
        return out;
    }

    /**
     * The feed graph, recomputed when an ingest batch was written since, or when it is old. It costs one
     * pass over the generated entities (seconds at a million tasks), so under continuous ingest a slow
     * computation is reused for up to {@link #STALE_FACTOR} times its own duration: answers then lag the
     * ingest by at most that long. A quick one (under {@link #QUICK_NANOS}) is always fresh.
     */
    private List<Feed> feeds(TransactionContext tx) {
        boolean cypher = "cypher".equals(System.getProperty(FEEDS_ENGINE_PROPERTY));
        if (!cypher && feedIndex != null) {
            var mirror = org.mida.server.columnar.TaskMirror.of(driver);
            if (mirror != null && mirror.state() != org.mida.server.columnar.TaskMirror.State.OFF) {
                // this instance's batches so far (past APPLY_WAIT_MS: the ones applied by then)
                mirror.awaitApplied(APPLY_WAIT_MS);
                List<Feed> indexed = feedIndex.feeds(BUILD_WAIT_MS);
                if (indexed != null) return indexed;
            }
        }
        if (cypher) {
            long t0 = System.nanoTime();
            List<Feed> fresh = List.copyOf(tx.run(WORKFLOW_FEEDS).list(Feed::of));
            LOG.info(
                    "workflow feed graph: {} feeds computed in {} ms (Cypher, forced)",
                    fresh.size(),
                    (System.nanoTime() - t0) / 1_000_000);
            return fresh;
        }
        synchronized (feedsLock) {
            long gen = ingestGeneration.getAsLong();
            long age = System.nanoTime() - feedsAt;
            long window = Math.max(
                    gen == feedsGeneration ? FEEDS_MAX_AGE_NANOS : 0,
                    feedsNanos > QUICK_NANOS ? STALE_FACTOR * feedsNanos : 0);
            if (feeds != null && age < window) return feeds;
            long t0 = System.nanoTime();
            feeds = List.copyOf(tx.run(WORKFLOW_FEEDS).list(Feed::of));
            feedsGeneration = gen;
            feedsAt = System.nanoTime();
            feedsNanos = feedsAt - t0;
            LOG.info("workflow feed graph: {} feeds computed in {} ms", feeds.size(), feedsNanos / 1_000_000);
            return feeds;
        }
    }
}

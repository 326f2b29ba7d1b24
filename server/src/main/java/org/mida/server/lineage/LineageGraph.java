package org.mida.server.lineage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * <p>The workflow-level view works on the graph of which workflows feed which, computed in one pass
 * over the generated entities and cached until the next ingest batch (see {@link #feeds}).
 */
public final class LineageGraph {
    private static final Logger LOG = LoggerFactory.getLogger(LineageGraph.class);

    private static final String START = Cypher.load("lineage/start");
    private static final String[] UPSTREAM_REACH = perDepth(Cypher.load("lineage/upstream-reach"));
    private static final String[] DOWNSTREAM_REACH = perDepth(Cypher.load("lineage/downstream-reach"));
    private static final String UPSTREAM_STEP = Cypher.load("lineage/upstream-step");
    private static final String DOWNSTREAM_STEP = Cypher.load("lineage/downstream-step");
    private static final String WORKFLOW_FEEDS = Cypher.load("lineage/workflow-feeds");
    private static final String WORKFLOW_NODES = Cypher.load("lineage/workflow-nodes");
    private static final String CAMPAIGN_WORKFLOWS = Cypher.load("lineage/campaign-workflows");

    /** Without ingest batches the feed graph is reused this long (writes that bypass the ingest counter). */
    static final long FEEDS_MAX_AGE_NANOS = 10_000_000_000L;

    /** The deepest lineage a request may ask for. */
    public static final int MAX_DEPTH = 50;

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

    public enum Direction {
        UPSTREAM,
        DOWNSTREAM,
        BOTH;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A workflow feeds another: consumer used entities producer generated, or was informed by it. */
    public record Feed(String consumer, String producer, long entities, long informed) {}

    private final Driver driver;
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
    public LineageGraph(Driver driver, LongSupplier ingestGeneration) {
        this.driver = driver;
        this.ingestGeneration = ingestGeneration;
    }

    /** The start node: its element id, kind and domain properties. */
    record Start(String eid, String kind, Map<String, Object> props) {}

    /**
     * Lineage of the node with this domain id; empty when no task, entity or workflow has it. {@code kind}
     * (task, entity, workflow or null) picks one when the id names several; otherwise task wins, then
     * entity, then workflow.
     */
    public Optional<Map<String, Object>> lineage(String id, String kind, Direction dir, int depth, int limit) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                List<Start> starts = tx.run(START, Map.of("id", id))
                        .list(r -> new Start(
                                r.get("eid").asString(),
                                r.get("kind").asString(),
                                r.get("p").asMap()));
                Start start = starts.stream()
                        .filter(s -> kind == null || s.kind().equals(kind))
                        .findFirst()
                        .orElse(null);
                if (start == null) return Optional.empty();
                if (start.kind().equals("workflow")) return Optional.of(workflowLineage(tx, id, dir, depth, limit));
                return Optional.of(new Search(tx, start, dir, depth, limit).run(id));
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
        private final Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();

        private final Map<String, Map<String, Object>> edges = new LinkedHashMap<>();
        private boolean truncated;

        Search(TransactionContext tx, Start start, Direction dir, int depth, int limit) {
            this.tx = tx;
            this.start = start;
            this.dir = dir;
            this.depth = depth;
            this.limit = limit;
        }

        Map<String, Object> run(String id) {
            if (!reach()) { // more nodes than the cap: level by level, so the nearest ones are kept
                nodes.clear();
                edges.clear();
                nodes.put(start.eid(), node(start.kind(), start.props(), 0));
                if (dir != Direction.DOWNSTREAM) walk(UPSTREAM_STEP, true);
                if (dir != Direction.UPSTREAM) walk(DOWNSTREAM_STEP, false);
            }
            var out = new LinkedHashMap<String, Object>();
            out.put("root", id);
            out.put("root_kind", start.kind());
            out.put("direction", dir.wire());
            out.put("depth", depth);
            out.put("limit", limit);
            var list = new ArrayList<>(nodes.values());
            list.sort(Comparator.comparingInt(n -> (Integer) n.get("depth"))); // stable: BFS order within a depth
            out.put("nodes", list);
            out.put("edges", new ArrayList<>(edges.values()));
            out.put("truncated", truncated);
            return out;
        }

        /**
         * The fast path: per direction one statement finds every node within the depth (a pruning
         * breadth-first expand) with its outgoing PROV relationships; hop counts are then computed here.
         * False when the nodes exceed the cap (the caller then searches level by level).
         */
        private boolean reach() {
            nodes.put(start.eid(), node(start.kind(), start.props(), 0));
            for (boolean up : dir == Direction.BOTH ? List.of(true, false) : List.of(dir == Direction.UPSTREAM)) {
                String q = (up ? UPSTREAM_REACH : DOWNSTREAM_REACH)[depth];
                List<Record> found =
                        tx.run(q, Map.of("start", start.eid(), "rows", limit)).list();
                if (found.size() > limit) return false; // the start plus `limit` others
                // element id → its outgoing relationships (type, target element id)
                var out = new LinkedHashMap<String, List<String[]>>();
                var info = new HashMap<String, Record>();
                for (Record r : found) {
                    String eid = r.get("eid").asString();
                    if (info.putIfAbsent(eid, r) != null) continue; // the start again (a cycle)
                    var rels = new ArrayList<String[]>();
                    for (Value pair : r.get("out").values()) {
                        if (pair.get(0).isNull()) continue; // no relationship (OPTIONAL MATCH)
                        rels.add(new String[] {
                            pair.get(0).asString(), pair.get(1).asString()
                        });
                    }
                    out.put(eid, rels);
                }
                // breadth first over the relationships between found nodes, in the search direction
                var adj = new HashMap<String, List<String[]>>(); // from → {type, to, source, target}
                for (var e : out.entrySet())
                    for (String[] rel : e.getValue()) {
                        if (!out.containsKey(rel[1])) continue;
                        String from = up ? e.getKey() : rel[1], to = up ? rel[1] : e.getKey();
                        adj.computeIfAbsent(from, k -> new ArrayList<>())
                                .add(new String[] {rel[0], to, e.getKey(), rel[1]});
                    }
                var hops = new HashMap<String, Integer>();
                hops.put(start.eid(), 0);
                var queue = new ArrayDeque<String>(List.of(start.eid()));
                while (!queue.isEmpty()) {
                    String cur = queue.poll();
                    int h = hops.get(cur);
                    if (h >= depth) continue;
                    for (String[] rel : adj.getOrDefault(cur, List.of())) {
                        if (!hops.containsKey(rel[1])) {
                            Record r = info.get(rel[1]);
                            String kind = r.get("kind").asString();
                            Map<String, Object> p = r.get("p").asMap();
                            if (domainId(kind, p) == null) continue;
                            hops.put(rel[1], h + 1);
                            if (!nodes.containsKey(rel[1])) {
                                if (nodes.size() >= limit) return false;
                                nodes.put(rel[1], node(kind, p, h + 1));
                            }
                            queue.add(rel[1]);
                        }
                        Object source = nodes.get(rel[2]).get("id"),
                                target = nodes.get(rel[3]).get("id");
                        String type = wireType(rel[0]);
                        edges.computeIfAbsent(
                                source + "\u0000" + type + "\u0000" + target, k -> edge(source, target, type));
                    }
                }
            }
            return true;
        }

        private void walk(String step, boolean up) {
            Set<String> seen = new HashSet<>();
            seen.add(start.eid());
            List<String> frontier = List.of(start.eid());
            for (int level = 1; level <= depth && !frontier.isEmpty(); level++) {
                int room = Math.max(0, limit - nodes.size());
                int rows = ROWS_PER_NODE * Math.max(room, 1) + frontier.size();
                List<Record> found =
                        tx.run(step, Map.of("frontier", frontier, "rows", rows)).list();
                if (found.size() >= rows) truncated = true;
                var next = new ArrayList<String>();
                for (Record r : found) {
                    String from = r.get("from").asString();
                    String to = r.get("to").asString();
                    Map<String, Object> target = nodes.get(to);
                    if (target == null) {
                        String kind = r.get("kind").asString();
                        Map<String, Object> p = r.get("p").asMap();
                        if (domainId(kind, p) == null) continue; // not a lineage node (no id)
                        if (nodes.size() >= limit) {
                            truncated = true;
                            continue;
                        }
                        target = node(kind, p, level);
                        nodes.put(to, target);
                    }
                    if (seen.add(to)) next.add(to);
                    Object a = nodes.get(from).get("id"), b = target.get("id");
                    String type = wireType(r.get("rel").asString());
                    Object source = up ? a : b, dest = up ? b : a;
                    edges.computeIfAbsent(source + "\u0000" + type + "\u0000" + dest, k -> edge(source, dest, type));
                }
                frontier = next;
            }
        }
    }

    private static Map<String, Object> edge(Object source, Object target, String type) {
        var e = new LinkedHashMap<String, Object>();
        e.put("source", source);
        e.put("target", target);
        e.put("type", type);
        return e;
    }

    static String wireType(String rel) {
        return switch (rel) {
            case "USED" -> "used";
            case "WAS_GENERATED_BY" -> "wasGeneratedBy";
            case "WAS_INFORMED_BY" -> "wasInformedBy";
            case "WAS_DERIVED_FROM" -> "wasDerivedFrom";
            default -> rel;
        };
    }

    private static String domainId(String kind, Map<String, Object> p) {
        Object v = switch (kind) {
            case "task" -> p.get("task_id");
            case "entity" -> p.get("id");
            case "workflow" -> p.get("workflow_id");
            default -> null;
        };
        return v instanceof String s ? s : null;
    }

    private static Map<String, Object> node(String kind, Map<String, Object> p, int depth) {
        String id = domainId(kind, p);
        var n = new LinkedHashMap<String, Object>();
        n.put("id", id);
        n.put("kind", kind);
        n.put("label", label(kind, id, p));
        boolean entity = kind.equals("entity");
        n.put("workflow_id", entity ? null : kind.equals("workflow") ? id : p.get("workflow_id"));
        n.put("campaign_id", entity ? null : p.get("campaign_id"));
        n.put("status", entity ? null : p.get("status"));
        n.put("type", entity ? p.get("type") : null);
        n.put("started_at", entity ? null : p.get("started_at"));
        n.put("ended_at", entity ? null : p.get("ended_at"));
        n.put("depth", depth);
        return n;
    }

    /**
     * A short human label: a task's activity_id, an entity's name, a workflow's name; otherwise the last
     * path segment of the id (an entity's type when the id has none).
     */
    static String label(String kind, String id, Map<String, Object> p) {
        Object named = switch (kind) {
            case "task" -> p.get("activity_id");
            case "entity", "workflow" -> p.get("name");
            default -> null;
        };
        if (named instanceof String s && !s.isBlank()) return s;
        String shortId = shortId(id);
        if (kind.equals("entity") && shortId.equals(id) && p.get("type") instanceof String t) return t;
        return shortId;
    }

    /** The last non-empty path segment of an id ({@code file:///data/x.h5} → {@code x.h5}), at most 60 chars. */
    static String shortId(String id) {
        if (id == null) return null;
        String s = id;
        while (s.endsWith("/") && s.length() > 1) s = s.substring(0, s.length() - 1);
        int slash = s.lastIndexOf('/');
        if (slash >= 0 && slash < s.length() - 1) s = s.substring(slash + 1);
        if (s.isEmpty()) s = id;
        return s.length() > 60 ? s.substring(0, 59) + "…" : s;
    }

    // ---------------------------------------------------------------- workflow level

    /** Workflows upstream (producers) and/or downstream (consumers) of one workflow, hop by hop. */
    private Map<String, Object> workflowLineage(TransactionContext tx, String id, Direction dir, int depth, int limit) {
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
        var out = new LinkedHashMap<String, Object>();
        out.put("root", id);
        out.put("root_kind", "workflow");
        out.put("direction", dir.wire());
        out.put("depth", depth);
        out.put("limit", limit);
        out.put("nodes", workflowNodes(tx, depthOf));
        out.put("edges", kept.values().stream().map(LineageGraph::feedEdge).toList());
        out.put("truncated", truncated);
        return out;
    }

    /**
     * Which workflows feed which, over one campaign's workflows (or all): every workflow of the campaign is
     * a node; so is a workflow of another campaign at the other end of a feed (its campaign_id tells).
     */
    public Map<String, Object> workflowOverview(String campaignId) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                var params = new HashMap<String, Object>();
                params.put("campaign_id", campaignId);
                var ids = new LinkedHashMap<String, Integer>();
                for (Record r : tx.run(CAMPAIGN_WORKFLOWS, params).list())
                    ids.put(r.get("workflow_id").asString(), null);
                Set<String> members = new LinkedHashSet<>(ids.keySet());
                var edges = new ArrayList<Map<String, Object>>();
                for (Feed f : feeds(tx)) {
                    if (!members.contains(f.consumer()) && !members.contains(f.producer())) continue;
                    ids.putIfAbsent(f.consumer(), null);
                    ids.putIfAbsent(f.producer(), null);
                    edges.add(feedEdge(f));
                }
                var out = new LinkedHashMap<String, Object>();
                out.put("campaign_id", campaignId);
                out.put("nodes", workflowNodes(tx, ids));
                out.put("edges", edges);
                return out;
            });
        }
    }

    private static Map<String, Object> feedEdge(Feed f) {
        var e = edge(f.consumer(), f.producer(), "wasInformedBy");
        e.put("entities", f.entities());
        e.put("informed_by", f.informed());
        return e;
    }

    /** Workflow nodes in the order of {@code ids} (depth from the root when known, else null). */
    private static List<Map<String, Object>> workflowNodes(TransactionContext tx, Map<String, Integer> ids) {
        var byId = new HashMap<String, Record>();
        for (Record r : tx.run(WORKFLOW_NODES, Map.of("ids", new ArrayList<>(ids.keySet())))
                .list()) byId.put(r.get("workflow_id").asString(), r);
        var out = new ArrayList<Map<String, Object>>();
        for (var e : ids.entrySet()) {
            Record r = byId.get(e.getKey());
            var p = new HashMap<String, Object>();
            p.put("workflow_id", e.getKey());
            if (r != null) p.put("name", nullable(r.get("name")));
            var n = node("workflow", p, e.getValue() == null ? 0 : e.getValue());
            if (e.getValue() == null) n.put("depth", null);
            if (r != null) {
                n.put("campaign_id", nullable(r.get("campaign_id")));
                n.put("status", nullable(r.get("status")));
                n.put("started_at", nullable(r.get("started_at")));
                n.put("ended_at", nullable(r.get("ended_at")));
                n.put("task_count", r.get("task_count").asLong());
            } else {
                n.put("task_count", 0L);
            }
            out.add(n);
        }
        return out;
    }

    private static Object nullable(Value v) {
        return v == null || v.isNull() ? null : v.asObject();
    }

    /**
     * The feed graph, recomputed when an ingest batch was written since, or when it is old. It costs one
     * pass over the generated entities (seconds at a million tasks), so under continuous ingest a slow
     * computation is reused for up to {@link #STALE_FACTOR} times its own duration: answers then lag the
     * ingest by at most that long. A quick one (under {@link #QUICK_NANOS}) is always fresh.
     */
    private List<Feed> feeds(TransactionContext tx) {
        synchronized (feedsLock) {
            long gen = ingestGeneration.getAsLong();
            long age = System.nanoTime() - feedsAt;
            long window = Math.max(
                    gen == feedsGeneration ? FEEDS_MAX_AGE_NANOS : 0,
                    feedsNanos > QUICK_NANOS ? STALE_FACTOR * feedsNanos : 0);
            if (feeds != null && age < window) return feeds;
            long t0 = System.nanoTime();
            feeds = tx.run(WORKFLOW_FEEDS)
                    .list(r -> new Feed(
                            r.get("consumer").asString(),
                            r.get("producer").asString(),
                            r.get("entities").asLong(),
                            r.get("informed").asLong()));
            feedsGeneration = gen;
            feedsAt = System.nanoTime();
            feedsNanos = feedsAt - t0;
            LOG.info("workflow feed graph: {} feeds computed in {} ms", feeds.size(), feedsNanos / 1_000_000);
            return feeds;
        }
    }
}

package org.mida.server.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Lineage over a graph of two campaigns and three workflows that share entities:
 *
 * <pre>
 * campaign c/1: workflow "wf/1 #prep"  t1: raw → E1;  t2: E1 → E2;  sib: E1 → ESIB (shares t2's input)
 *               workflow "wf/2?eval"    t3: E2 → E3;   t5: other → (nothing)
 * campaign c/2: workflow "wf/3"         t4: E3 → E4, informed by t5;   E5 wasDerivedFrom E4
 * </pre>
 */
@ExtendWith(Backends.class)
class LineageIT {
    static final String W1 = "wf/1 #prep", W2 = "wf/2?eval", W3 = "wf/3";
    static final String RAW = "file:///raw/data 1.h5", OTHER = "file:///raw/other.csv";
    static final String E1 = "file:///x/clean #1?v=%41 \"q\" `ü`", E2 = "model://m/2", E3 = "file:///e/3.json";
    static final String E4 = "file:///e/4.json", E5 = "file:///e/5-derived.json", ESIB = "file:///sib/out";
    static final String T1 = "task \"ü\"/#1?x=%41 y", T2 = "t2", T3 = "t3", T4 = "t4", T5 = "t5", SIB = "sib";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void ingest() {
        server = TestServer.start();
        String body = """
                [{"type":"workflow","workflow_id":"wf/1 #prep","campaign_id":"c/1","name":"prep"},
                 {"type":"workflow","workflow_id":"wf/2?eval","campaign_id":"c/1","name":"eval"},
                 {"type":"workflow","workflow_id":"wf/3","campaign_id":"c/2"},
                 {"type":"task","task_id":"task \\"ü\\"/#1?x=%41 y","workflow_id":"wf/1 #prep","campaign_id":"c/1",
                  "activity_id":"clean","status":"FINISHED","started_at":1,"ended_at":2,
                  "used":{"in":{"@id":"file:///raw/data 1.h5","@type":"dataset"}},
                  "generated":{"out":{"@id":"file:///x/clean #1?v=%41 \\"q\\" `ü`","@type":"dataset","name":"clean data"}}},
                 {"type":"task","task_id":"t2","workflow_id":"wf/1 #prep","campaign_id":"c/1","activity_id":"train",
                  "status":"FINISHED","started_at":3,"ended_at":4,
                  "used":{"data":{"@id":"file:///x/clean #1?v=%41 \\"q\\" `ü`"},"layers":3},
                  "generated":{"model":{"@id":"model://m/2","@type":"model"},"loss":0.2}},
                 {"type":"task","task_id":"sib","workflow_id":"wf/1 #prep","campaign_id":"c/1","activity_id":"plot",
                  "status":"FINISHED","used":{"data":{"@id":"file:///x/clean #1?v=%41 \\"q\\" `ü`"}},
                  "generated":{"fig":{"@id":"file:///sib/out"}}},
                 {"type":"task","task_id":"t3","workflow_id":"wf/2?eval","campaign_id":"c/1","activity_id":"evaluate",
                  "status":"FINISHED","used":{"model":{"@id":"model://m/2"}},
                  "generated":{"report":{"@id":"file:///e/3.json","@type":"report"}}},
                 {"type":"task","task_id":"t5","workflow_id":"wf/2?eval","campaign_id":"c/1","activity_id":"fetch",
                  "status":"FINISHED","used":{"src":{"@id":"file:///raw/other.csv"}}},
                 {"type":"task","task_id":"t4","workflow_id":"wf/3","campaign_id":"c/2","activity_id":"publish",
                  "status":"RUNNING","dependencies":["t5"],
                  "used":{"report":{"@id":"file:///e/3.json"}},"generated":{"pub":{"@id":"file:///e/4.json"}}}]
                """;
        assertThat(server.post("/api/events", body).status()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        // wasDerivedFrom is made by PROV import (another path); lay one down directly
        server.query(
                "MERGE (d:Entity {id: $d}) WITH d MATCH (s:Entity {id: $s}) MERGE (d)-[:WAS_DERIVED_FROM]->(s)",
                "d",
                E5,
                "s",
                E4);
        assertThat(server.count("MATCH (:Task)-[r:WAS_INFORMED_BY]->(:Task) RETURN count(r)"))
                .isEqualTo(1);
    }

    /** The keys of every lineage answer, in order. */
    static final List<String> ANSWER_KEYS =
            List.of("root", "root_kind", "direction", "depth", "limit", "versions", "nodes", "edges", "truncated");
    /** The keys of every node (nulls included: a task has no type, an entity no workflow). */
    static final List<String> NODE_KEYS = List.of(
            "id",
            "kind",
            "label",
            "workflow_id",
            "campaign_id",
            "status",
            "type",
            "started_at",
            "ended_at",
            "depth",
            "entity_id",
            "version");
    /** Workflow-level nodes add their task count. */
    static final List<String> WORKFLOW_NODE_KEYS = with(NODE_KEYS, "task_count");

    static final List<String> EDGE_KEYS = List.of("source", "target", "type");
    /** Workflow-level edges add how many entities and informed-by links make the feed. */
    static final List<String> FEED_EDGE_KEYS = with(EDGE_KEYS, "entities", "informed_by");

    private static List<String> with(List<String> keys, String... more) {
        var out = new ArrayList<>(keys);
        out.addAll(List.of(more));
        return List.copyOf(out);
    }

    static List<String> keys(JsonNode object) {
        var out = new ArrayList<String>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** Every key of the answer, its nodes and its edges, as the web UI reads them. */
    private static void assertShape(JsonNode answer, List<String> top, List<String> node, List<String> edge) {
        assertThat(keys(answer)).as("answer keys").containsExactlyElementsOf(top);
        for (JsonNode n : answer.get("nodes"))
            assertThat(keys(n)).as("keys of node " + n).containsExactlyElementsOf(node);
        for (JsonNode e : answer.get("edges"))
            assertThat(keys(e)).as("keys of edge " + e).containsExactlyElementsOf(edge);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode lineage(String id, String params) {
        var a = server.get("/api/lineage?id=" + enc(id) + (params.isEmpty() ? "" : "&" + params));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("application/json");
        return a.json();
    }

    private static Map<String, JsonNode> nodes(JsonNode answer) {
        var m = new HashMap<String, JsonNode>();
        for (JsonNode n : answer.get("nodes")) {
            assertThat(m.put(n.get("id").asText(), n)).as("node listed twice").isNull();
        }
        return m;
    }

    private static List<String> edges(JsonNode answer) {
        var out = new ArrayList<String>();
        for (JsonNode e : answer.get("edges"))
            out.add(e.get("source").asText() + " -" + e.get("type").asText() + "-> "
                    + e.get("target").asText());
        return out;
    }

    @Test
    void upstream_of_an_entity_goes_back_to_raw_data_across_workflows_and_campaigns() {
        ingest();
        JsonNode a = lineage(E4, "direction=upstream&depth=50");
        assertThat(a.get("root").asText()).isEqualTo(E4);
        assertThat(a.get("root_kind").asText()).isEqualTo("entity");
        assertThat(a.get("direction").asText()).isEqualTo("upstream");
        assertThat(a.get("truncated").asBoolean()).isFalse();
        assertThat(a.get("depth").asInt()).isEqualTo(50);
        assertThat(a.get("limit").asInt()).isEqualTo(500);
        assertShape(a, ANSWER_KEYS, NODE_KEYS, EDGE_KEYS);
        Map<String, JsonNode> n = nodes(a);
        assertThat(n.keySet()).containsExactlyInAnyOrder(E4, T4, E3, T5, OTHER, T3, E2, T2, E1, T1, RAW);
        assertThat(n.keySet()).doesNotContain(SIB, ESIB, E5); // siblings and downstream stay out

        assertThat(n.get(E4).get("depth").asInt()).isZero();
        assertThat(n.get(T4).get("depth").asInt()).isEqualTo(1);
        assertThat(n.get(T5).get("depth").asInt()).isEqualTo(2);
        assertThat(n.get(RAW).get("depth").asInt()).isEqualTo(8);
        JsonNode t1 = n.get(T1);
        assertThat(t1.get("kind").asText()).isEqualTo("task");
        assertThat(t1.get("label").asText()).isEqualTo("clean");
        assertThat(t1.get("workflow_id").asText()).isEqualTo(W1);
        assertThat(t1.get("campaign_id").asText()).isEqualTo("c/1");
        assertThat(t1.get("status").asText()).isEqualTo("FINISHED");
        assertThat(t1.get("started_at").asDouble()).isEqualTo(1.0);
        assertThat(t1.get("ended_at").asDouble()).isEqualTo(2.0);
        assertThat(t1.get("type").isNull()).as("a task has type null").isTrue();
        assertThat(n.get(T4).get("ended_at").isNull()).isTrue();
        assertThat(n.get(T4).get("campaign_id").asText()).isEqualTo("c/2");
        JsonNode e1 = n.get(E1);
        assertThat(e1.get("kind").asText()).isEqualTo("entity");
        assertThat(e1.get("label").asText()).isEqualTo("clean data");
        assertThat(e1.get("type").asText()).isEqualTo("dataset");
        for (String key : List.of("workflow_id", "campaign_id", "status", "started_at", "ended_at"))
            assertThat(e1.get(key).isNull())
                    .as("an entity has " + key + " null")
                    .isTrue();
        assertThat(n.get(E4).get("type").isNull())
                .as("an entity sent without @type")
                .isTrue();
        assertThat(n.get(E2).get("label").asText()).isEqualTo("2");
        assertThat(n.get(RAW).get("label").asText()).isEqualTo("data 1.h5");
        var depths = new ArrayList<Integer>();
        for (JsonNode x : a.get("nodes")) depths.add(x.get("depth").asInt());
        assertThat(depths).as("nodes nearest first").isSorted();
        assertThat(a.get("nodes").get(0).get("id").asText()).isEqualTo(E4);

        assertThat(edges(a))
                .containsExactlyInAnyOrder(
                        E4 + " -wasGeneratedBy-> " + T4,
                        T4 + " -used-> " + E3,
                        T4 + " -wasInformedBy-> " + T5,
                        T5 + " -used-> " + OTHER,
                        E3 + " -wasGeneratedBy-> " + T3,
                        T3 + " -used-> " + E2,
                        E2 + " -wasGeneratedBy-> " + T2,
                        T2 + " -used-> " + E1,
                        E1 + " -wasGeneratedBy-> " + T1,
                        T1 + " -used-> " + RAW);

        // every entity here has one generation: the time-true and the cumulative views agree
        JsonNode c = lineage(E4, "direction=upstream&depth=50&versions=false");
        assertThat(c.get("versions").asBoolean()).isFalse();
        assertShape(c, ANSWER_KEYS, NODE_KEYS, EDGE_KEYS);
        assertThat(nodes(c).keySet()).isEqualTo(n.keySet());
        assertThat(new java.util.HashSet<>(edges(c))).isEqualTo(new java.util.HashSet<>(edges(a)));
        assertThat(nodes(c).get(RAW).get("depth").asInt()).isEqualTo(8);
        assertThat(server.count("MATCH (v:Version) RETURN count(v)"))
                .as("no versions needed")
                .isZero();
    }

    @Test
    void depth_counts_relationship_hops() {
        ingest();
        assertThat(nodes(lineage(E4, "direction=upstream&depth=1")).keySet()).containsExactlyInAnyOrder(E4, T4);
        assertThat(nodes(lineage(E4, "direction=upstream&depth=2")).keySet()).containsExactlyInAnyOrder(E4, T4, E3, T5);
        JsonNode three = lineage(E4, "direction=upstream&depth=3");
        assertThat(nodes(three).keySet()).containsExactlyInAnyOrder(E4, T4, E3, T5, T3, OTHER);
        assertThat(three.get("depth").asInt()).isEqualTo(3);
        assertThat(edges(three)).hasSize(5);
        // the default depth is 5
        assertThat(nodes(lineage(E4, "direction=upstream")).keySet())
                .containsExactlyInAnyOrder(E4, T4, E3, T5, T3, OTHER, E2, T2);
    }

    @Test
    void downstream_follows_consumers_and_derivations() {
        ingest();
        JsonNode a = lineage(E1, "direction=downstream&depth=50");
        assertThat(nodes(a).keySet()).containsExactlyInAnyOrder(E1, T2, SIB, E2, ESIB, T3, E3, T4, E4, E5);
        assertThat(edges(a))
                .contains(
                        T2 + " -used-> " + E1,
                        SIB + " -used-> " + E1,
                        E2 + " -wasGeneratedBy-> " + T2,
                        E5 + " -wasDerivedFrom-> " + E4);
        assertThat(nodes(a).keySet()).doesNotContain(T1, RAW, T5);
        // derivation upstream: E5 comes from E4
        assertThat(edges(lineage(E5, "direction=upstream&depth=1"))).containsExactly(E5 + " -wasDerivedFrom-> " + E4);
        // informed-by downstream: t5 informed t4
        assertThat(nodes(lineage(T5, "direction=downstream&depth=2")).keySet()).containsExactlyInAnyOrder(T5, T4, E4);
    }

    @Test
    void both_is_the_union_of_up_and_down_and_never_leaks_to_siblings() {
        ingest();
        JsonNode a = lineage(T2, "depth=50"); // both is the default
        assertThat(a.get("direction").asText()).isEqualTo("both");
        Map<String, JsonNode> n = nodes(a);
        assertThat(n.keySet()).containsExactlyInAnyOrder(T2, E1, T1, RAW, E2, T3, E3, T4, E4, E5);
        // sib used the same input E1 as t2: it is neither upstream nor downstream of t2
        assertThat(n.keySet()).doesNotContain(SIB, ESIB, T5, OTHER);
        assertThat(n.get(E1).get("depth").asInt()).isEqualTo(1);
        assertThat(n.get(E2).get("depth").asInt()).isEqualTo(1);
        assertThat(n.get(T4).get("depth").asInt()).isEqualTo(4);

        JsonNode up = lineage(T2, "direction=upstream&depth=50");
        JsonNode down = lineage(T2, "direction=downstream&depth=50");
        var union = new java.util.HashSet<>(nodes(up).keySet());
        union.addAll(nodes(down).keySet());
        assertThat(n.keySet()).isEqualTo(union);
        var edgeUnion = new java.util.HashSet<>(edges(up));
        edgeUnion.addAll(edges(down));
        assertThat(new java.util.HashSet<>(edges(a))).isEqualTo(edgeUnion);
    }

    @Test
    void the_node_cap_truncates_and_says_so() {
        ingest();
        JsonNode capped = lineage(E4, "direction=upstream&depth=50&limit=4");
        assertThat(capped.get("nodes")).hasSize(4);
        assertThat(capped.get("truncated").asBoolean()).isTrue();
        assertThat(capped.get("limit").asInt()).isEqualTo(4);
        assertShape(capped, ANSWER_KEYS, NODE_KEYS, EDGE_KEYS);
        Map<String, JsonNode> n = nodes(capped);
        // breadth first: the nearest nodes are kept; every edge joins two listed nodes
        assertThat(n.keySet()).containsExactlyInAnyOrder(E4, T4, E3, T5);
        for (JsonNode e : capped.get("edges"))
            assertThat(n).containsKeys(e.get("source").asText(), e.get("target").asText());
        JsonNode exact = lineage(E4, "direction=upstream&depth=50&limit=11");
        assertThat(exact.get("nodes")).hasSize(11);
        assertThat(exact.get("truncated").asBoolean()).isFalse();
        assertThat(lineage(E4, "direction=upstream&depth=50&limit=1").get("nodes"))
                .hasSize(1);
    }

    @Test
    void ids_with_special_characters_and_kinds() {
        ingest();
        JsonNode a = lineage(T1, "direction=downstream&depth=1");
        assertThat(a.get("root").asText()).isEqualTo(T1);
        assertThat(a.get("root_kind").asText()).isEqualTo("task");
        assertThat(nodes(a).keySet()).containsExactlyInAnyOrder(T1, E1);
        assertThat(edges(a)).containsExactly(E1 + " -wasGeneratedBy-> " + T1);
        JsonNode b = lineage(E1, "direction=upstream&depth=1&kind=entity");
        assertThat(edges(b)).containsExactly(E1 + " -wasGeneratedBy-> " + T1);
        assertThat(server.get("/api/lineage?id=" + enc(E1) + "&kind=task").status())
                .isEqualTo(404);
    }

    @Test
    void a_workflow_id_gives_the_workflow_level_view() {
        ingest();
        JsonNode up = lineage(W3, "direction=upstream&depth=10");
        assertThat(up.get("root_kind").asText()).isEqualTo("workflow");
        assertThat(up.get("root").asText()).isEqualTo(W3);
        assertThat(up.get("direction").asText()).isEqualTo("upstream");
        assertThat(up.get("depth").asInt()).isEqualTo(10);
        assertThat(up.get("truncated").asBoolean()).isFalse();
        assertShape(up, ANSWER_KEYS, WORKFLOW_NODE_KEYS, FEED_EDGE_KEYS);
        Map<String, JsonNode> n = nodes(up);
        assertThat(n.keySet()).containsExactlyInAnyOrder(W3, W2, W1);
        assertThat(n.get(W2).get("kind").asText()).isEqualTo("workflow");
        assertThat(n.get(W2).get("label").asText()).isEqualTo("eval");
        assertThat(n.get(W2).get("depth").asInt()).isEqualTo(1);
        assertThat(n.get(W1).get("depth").asInt()).isEqualTo(2);
        assertThat(n.get(W1).get("task_count").asLong()).isEqualTo(3);
        assertThat(n.get(W3).get("campaign_id").asText()).isEqualTo("c/2");
        assertThat(n.get(W3).get("label").asText())
                .as("no name: the id's last segment")
                .isEqualTo("3");
        assertThat(n.get(W3).get("workflow_id").asText()).isEqualTo(W3);
        assertThat(n.get(W3).get("type").isNull()).isTrue();
        assertThat(n.get(W3).get("depth").asInt()).isZero();
        Map<String, JsonNode> e = new HashMap<>();
        for (JsonNode x : up.get("edges")) {
            assertThat(x.get("type").asText()).isEqualTo("wasInformedBy");
            e.put(x.get("source").asText() + "->" + x.get("target").asText(), x);
        }
        assertThat(e.keySet()).containsExactlyInAnyOrder(W3 + "->" + W2, W2 + "->" + W1);
        assertThat(e.get(W3 + "->" + W2).get("entities").asLong()).isEqualTo(1); // E3
        assertThat(e.get(W3 + "->" + W2).get("informed_by").asLong()).isEqualTo(1); // t4 → t5
        assertThat(e.get(W2 + "->" + W1).get("entities").asLong()).isEqualTo(1); // E2
        assertThat(e.get(W2 + "->" + W1).get("informed_by").asLong()).isZero();

        assertThat(nodes(lineage(W3, "direction=upstream&depth=1")).keySet()).containsExactlyInAnyOrder(W3, W2);
        assertThat(nodes(lineage(W1, "direction=downstream&depth=5")).keySet()).containsExactlyInAnyOrder(W1, W2, W3);
        assertThat(nodes(lineage(W1, "direction=upstream&depth=5")).keySet()).containsExactly(W1);
        JsonNode capped = lineage(W1, "direction=downstream&limit=2");
        assertShape(capped, ANSWER_KEYS, WORKFLOW_NODE_KEYS, FEED_EDGE_KEYS);
        assertThat(capped.get("nodes")).hasSize(2);
        assertThat(capped.get("truncated").asBoolean()).isTrue();

        // a new batch invalidates the cached feed graph: wf/3 now also consumes wf/1's raw output
        server.post("/api/events", """
                {"type":"task","task_id":"t6","workflow_id":"wf/3","status":"FINISHED",
                 "used":{"x":{"@id":"file:///x/clean #1?v=%41 \\"q\\" `ü`"}}}
                """);
        server.awaitIngested(seconds(30));
        assertThat(nodes(lineage(W3, "direction=upstream&depth=1")).keySet()).containsExactlyInAnyOrder(W3, W2, W1);
    }

    @Test
    void the_workflow_overview_lists_every_workflow_and_who_feeds_whom() {
        ingest();
        JsonNode all = server.get("/api/lineage/workflows").json();
        List<String> overviewKeys = List.of("campaign_id", "nodes", "edges");
        assertShape(all, overviewKeys, WORKFLOW_NODE_KEYS, FEED_EDGE_KEYS);
        assertThat(all.get("campaign_id").isNull())
                .as("no campaign asked: null")
                .isTrue();
        for (JsonNode x : all.get("nodes"))
            assertThat(x.get("depth").isNull()).as("no root: depth null").isTrue();
        assertThat(nodes(all).keySet()).containsExactlyInAnyOrder(W1, W2, W3);
        assertThat(all.get("edges")).hasSize(2);

        JsonNode c1 =
                server.get("/api/lineage/workflows?campaign_id=" + enc("c/1")).json();
        assertThat(c1.get("campaign_id").asText()).isEqualTo("c/1");
        assertShape(c1, overviewKeys, WORKFLOW_NODE_KEYS, FEED_EDGE_KEYS);
        Map<String, JsonNode> n = nodes(c1);
        // W3 (campaign c/2) consumes W2's output: it is listed, with its own campaign
        assertThat(n.keySet()).containsExactlyInAnyOrder(W1, W2, W3);
        assertThat(n.get(W1).get("task_count").asLong()).isEqualTo(3);
        assertThat(n.get(W2).get("task_count").asLong()).isEqualTo(2);
        assertThat(n.get(W3).get("campaign_id").asText()).isEqualTo("c/2");
        JsonNode c2 = server.get("/api/lineage/workflows?campaign_id=c%2F2").json();
        assertThat(nodes(c2).keySet()).containsExactlyInAnyOrder(W3, W2);
        assertThat(edges(c2)).containsExactly(W3 + " -wasInformedBy-> " + W2);
        JsonNode none = server.get("/api/lineage/workflows?campaign_id=nope").json();
        assertThat(keys(none)).containsExactlyElementsOf(overviewKeys);
        assertThat(none.get("nodes")).isEmpty();
        assertThat(none.get("edges")).isEmpty();
    }

    @Test
    void bad_requests_are_problems_and_unknown_ids_are_404() {
        ingest();
        var unknown = server.get("/api/lineage?id=" + enc("file:///nope/x y"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.json().get("detail").asText()).contains("file:///nope/x y");

        var missing = server.get("/api/lineage");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("detail").asText()).contains("'id'");

        var dir = server.get("/api/lineage?id=t2&direction=sideways");
        assertThat(dir.status()).isEqualTo(400);
        assertThat(dir.contentType()).startsWith("application/problem+json");
        assertThat(dir.json().get("detail").asText()).contains("upstream, downstream or both");

        for (String depth : List.of("0", "51", "1000000000", "99999999999999999999", "-1", "ten")) {
            long t0 = System.nanoTime();
            var d = server.get("/api/lineage?id=t2&depth=" + depth);
            assertThat(d.status()).as("depth=" + depth).isEqualTo(400);
            assertThat(d.json().get("detail").asText()).contains("depth").contains("50");
            assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
        }
        var lim = server.get("/api/lineage?id=t2&limit=5001");
        assertThat(lim.status()).isEqualTo(400);
        assertThat(lim.json().get("detail").asText()).contains("5000");
        assertThat(server.get("/api/lineage?id=t2&kind=agent").status()).isEqualTo(400);
        // an injection attempt is just an unknown id
        assertThat(server.get("/api/lineage?id=" + enc("x'}) MATCH (n) DETACH DELETE n //"))
                        .status())
                .isEqualTo(404);
        assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(6);
        assertThat(server.get("/api/health").json().get("status").asText()).isEqualTo("ok");
    }
}

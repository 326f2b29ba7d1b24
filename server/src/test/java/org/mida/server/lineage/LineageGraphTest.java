package org.mida.server.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mida.cypher.Cypher;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;

class LineageGraphTest {
    private static final NodeProps NONE = NodeProps.NONE;

    private static NodeProps activity(String activityId) {
        return new NodeProps(null, null, null, null, activityId, null, null, null, null, null, null, null);
    }

    private static NodeProps entity(String type, String name) {
        return new NodeProps(null, null, null, null, null, null, type, name, null, null, null, null);
    }

    private static String json(Object value) {
        return EventCodec.shared().toJson(value);
    }

    @Test
    void one_reach_statement_per_depth_with_the_hop_bound_replaced() {
        String[] up = LineageGraph.perDepth(Cypher.load("lineage/upstream-reach"));
        assertThat(up).hasSize(LineageGraph.MAX_DEPTH + 1);
        assertThat(up[1]).contains("WAS_DERIVED_FROM*1..1]->(m)").doesNotContain("WAS_DERIVED_FROM*1..50]");
        assertThat(up[10]).contains("WAS_DERIVED_FROM*1..10]->(m)");
        assertThat(up[50]).contains("WAS_DERIVED_FROM*1..50]->(m)");
        assertThat(LineageGraph.perDepth(Cypher.load("lineage/downstream-reach"))[7])
                .contains("<-[:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM*1..7]-(m)");
        assertThatThrownBy(() -> LineageGraph.perDepth("MATCH (n) RETURN n")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void labels_are_short() {
        assertThat(LineageNode.shortId("file:///data/x.h5")).isEqualTo("x.h5");
        assertThat(LineageNode.shortId("model://m/2/")).isEqualTo("2");
        assertThat(LineageNode.shortId("plain")).isEqualTo("plain");
        assertThat(LineageNode.shortId("a/" + "x".repeat(100))).hasSize(60).endsWith("…");
        assertThat(LineageNode.label("task", "wf/t-1", activity("train"))).isEqualTo("train");
        assertThat(LineageNode.label("task", "wf/t-1", NONE)).isEqualTo("t-1");
        assertThat(LineageNode.label("task", "wf/t-1", activity(" "))).isEqualTo("t-1");
        assertThat(LineageNode.label("entity", "e:1", entity("model", null))).isEqualTo("model");
        assertThat(LineageNode.label("entity", "file:///a/b", entity("model", null)))
                .isEqualTo("b");
        assertThat(LineageNode.label("entity", "file:///a/b", entity(null, "B")))
                .isEqualTo("B");
        assertThat(LineageNode.label("workflow", "wf/3", NONE)).isEqualTo("3");
    }

    @Test
    void directions_parse_and_bad_ones_are_400() {
        assertThat(LineageRoutes.direction(null)).isEqualTo(Direction.BOTH);
        assertThat(LineageRoutes.direction("Upstream")).isEqualTo(Direction.UPSTREAM);
        assertThat(LineageRoutes.direction("downstream")).isEqualTo(Direction.DOWNSTREAM);
        assertThatThrownBy(() -> LineageRoutes.direction("sideways"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(LineageRoutes.kind(null)).isNull();
        assertThat(LineageRoutes.kind("entity")).isEqualTo("entity");
        assertThatThrownBy(() -> LineageRoutes.kind("agent"))
                .isInstanceOfSatisfying(
                        ApiException.class,
                        e -> assertThat(e.errors())
                                .singleElement()
                                .satisfies(err -> assertThat(err.parameter()).isEqualTo("kind")));
    }

    @Test
    void task_and_entity_nodes_write_every_key_and_no_task_count() {
        var task = new NodeProps(
                "t1", null, "wf", "c", "train", "FINISHED", null, null, 1_714_550_400.5, null, null, null);
        assertThat(json(LineageNode.of("task", "t1", task, 2)))
                .isEqualTo("{\"id\":\"t1\",\"kind\":\"task\",\"label\":\"train\",\"workflow_id\":\"wf\","
                        + "\"campaign_id\":\"c\",\"status\":\"FINISHED\",\"type\":null,\"started_at\":1714550400.5,"
                        + "\"ended_at\":null,\"depth\":2,\"entity_id\":null,\"version\":null}");
        // an entity keeps only its type: what a task or workflow would have is null
        var e = new NodeProps(null, "file:///a/b", "wf", "c", null, "X", "model", "B", 1.0, 2.0, null, null);
        assertThat(json(LineageNode.of("entity", "file:///a/b", e, 0)))
                .isEqualTo("{\"id\":\"file:///a/b\",\"kind\":\"entity\",\"label\":\"B\",\"workflow_id\":null,"
                        + "\"campaign_id\":null,\"status\":null,\"type\":\"model\",\"started_at\":null,"
                        + "\"ended_at\":null,\"depth\":0,\"entity_id\":null,\"version\":null}");
    }

    @Test
    void workflow_nodes_carry_their_task_count_and_may_have_no_depth() {
        var row = new LineageGraph.WorkflowRow("wf/1", "prep", "c/1", "RUNNING", 1.0, null, 3);
        assertThat(json(LineageNode.workflow("wf/1", row, null)))
                .isEqualTo("{\"id\":\"wf/1\",\"kind\":\"workflow\",\"label\":\"prep\",\"workflow_id\":\"wf/1\","
                        + "\"campaign_id\":\"c/1\",\"status\":\"RUNNING\",\"type\":null,\"started_at\":1.0,"
                        + "\"ended_at\":null,\"depth\":null,\"entity_id\":null,\"version\":null,\"task_count\":3}");
        assertThat(json(LineageNode.workflow("wf/2", null, 1)))
                .isEqualTo("{\"id\":\"wf/2\",\"kind\":\"workflow\",\"label\":\"2\",\"workflow_id\":\"wf/2\","
                        + "\"campaign_id\":null,\"status\":null,\"type\":null,\"started_at\":null,"
                        + "\"ended_at\":null,\"depth\":1,\"entity_id\":null,\"version\":null,\"task_count\":0}");
    }

    @Test
    void edges_name_their_ends_and_only_feeds_carry_counts() {
        assertThat(json(LineageEdge.of("t1", "e1", "used")))
                .isEqualTo("{\"source\":\"t1\",\"target\":\"e1\",\"type\":\"used\"}");
        assertThat(json(LineageEdge.of(new LineageGraph.Feed("wf/2", "wf/1", 3, 0))))
                .isEqualTo("{\"source\":\"wf/2\",\"target\":\"wf/1\",\"type\":\"wasInformedBy\",\"entities\":3,"
                        + "\"informed_by\":0}");
        assertThat(LineageGraph.wireType("WAS_DERIVED_FROM")).isEqualTo("wasDerivedFrom");
        assertThat(LineageGraph.wireType("SPECIALIZATION_OF")).isEqualTo("specializationOf");
    }

    @Test
    void a_version_is_labelled_by_its_entity_and_its_version() {
        var v = new NodeProps(
                null,
                "file:///d/x.csv#version=wf/t-9",
                null,
                null,
                null,
                null,
                "table",
                null,
                null,
                null,
                "file:///d/x.csv",
                "wf/t-9");
        LineageNode n = LineageNode.of("entity", v.id(), v, 1);
        assertThat(n.label()).isEqualTo("x.csv @ t-9");
        assertThat(n.entityId()).isEqualTo("file:///d/x.csv");
        assertThat(n.version()).isEqualTo("wf/t-9");
        assertThat(LineageNode.of("entity", "file:///d/x.csv", v.withEntity(), 0)
                        .version())
                .isNull();
    }

    @Test
    void answers_keep_their_keys_in_order() {
        var node = LineageNode.of("task", "t1", activity("a"), 0);
        assertThat(json(new Lineage("t1", "task", Direction.UPSTREAM, 3, 10, true, List.of(node), List.of(), true)))
                .startsWith("{\"root\":\"t1\",\"root_kind\":\"task\",\"direction\":\"upstream\",\"depth\":3,"
                        + "\"limit\":10,\"versions\":true,\"nodes\":[{\"id\":\"t1\",")
                .endsWith("}],\"edges\":[],\"truncated\":true}");
        assertThat(json(new WorkflowFeeds(null, List.of(), List.of())))
                .isEqualTo("{\"campaign_id\":null,\"nodes\":[],\"edges\":[]}");
    }
}

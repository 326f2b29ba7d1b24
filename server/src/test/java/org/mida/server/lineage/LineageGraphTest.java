package org.mida.server.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.cypher.Cypher;
import org.mida.server.http.ApiException;

class LineageGraphTest {
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
        assertThat(LineageGraph.shortId("file:///data/x.h5")).isEqualTo("x.h5");
        assertThat(LineageGraph.shortId("model://m/2/")).isEqualTo("2");
        assertThat(LineageGraph.shortId("plain")).isEqualTo("plain");
        assertThat(LineageGraph.shortId("a/" + "x".repeat(100))).hasSize(60).endsWith("…");
        assertThat(LineageGraph.label("task", "wf/t-1", Map.of("activity_id", "train")))
                .isEqualTo("train");
        assertThat(LineageGraph.label("task", "wf/t-1", Map.of())).isEqualTo("t-1");
        assertThat(LineageGraph.label("entity", "e:1", Map.of("type", "model"))).isEqualTo("model");
        assertThat(LineageGraph.label("entity", "file:///a/b", Map.of("type", "model")))
                .isEqualTo("b");
        assertThat(LineageGraph.label("entity", "file:///a/b", Map.of("name", "B")))
                .isEqualTo("B");
    }

    @Test
    void directions_parse_and_bad_ones_are_400() {
        assertThat(LineageRoutes.direction(null)).isEqualTo(LineageGraph.Direction.BOTH);
        assertThat(LineageRoutes.direction("Upstream")).isEqualTo(LineageGraph.Direction.UPSTREAM);
        assertThat(LineageRoutes.direction("downstream")).isEqualTo(LineageGraph.Direction.DOWNSTREAM);
        assertThatThrownBy(() -> LineageRoutes.direction("sideways"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}

package org.mida.server.lineage;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@code GET /api/lineage}: the nodes reached from {@code root} (nearest first) and the
 * relationships between them; {@code truncated} when the node cap ({@code limit}) cut the search short.
 * {@code versions}: the time-true view (usages lead to the version read) rather than the cumulative one.
 */
record Lineage(
        String root,
        @JsonProperty("root_kind") String rootKind,
        Direction direction,
        int depth,
        int limit,
        boolean versions,
        List<LineageNode> nodes,
        List<LineageEdge> edges,
        boolean truncated) {

    Lineage {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(rootKind, "rootKind");
        Objects.requireNonNull(direction, "direction");
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }
}

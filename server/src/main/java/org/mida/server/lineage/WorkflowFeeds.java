package org.mida.server.lineage;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The answer of {@code GET /api/lineage/workflows}: the workflows of one campaign (or all when
 * {@code campaign_id} is null) and of other campaigns at the other end of a feed, and which feeds which.
 * Its nodes have no depth (null).
 */
record WorkflowFeeds(@JsonProperty("campaign_id") String campaignId, List<LineageNode> nodes, List<LineageEdge> edges) {

    WorkflowFeeds {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }
}

package org.mida.server.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The answer of {@code GET /api/search}: the text asked for, the Lucene query it became, the best hit (an
 * exact id first, else the best-scored hit), and the hits grouped by kind ({@code campaign} (exact only), {@code task}, {@code run}
 * (tasks found by run name), {@code activity}, {@code workflow}, {@code entity}), groups ordered by their
 * best hit, hits by score.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record SearchAnswer(String q, String lucene, Hit best, List<Group> groups) {

    /** One kind of hit, its hits best first. */
    record Group(String kind, List<Hit> hits) {}

    /**
     * One hit: what it is and where it lives; {@code exact} when the text is its id. An activity hit names
     * the activity in {@code id} and counts the matching tasks among the hits in {@code count}; {@code named} when its name (run name, workflow
     * name, activity) is the text.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Hit(
            String kind,
            String id,
            String label,
            String workflowId,
            String campaignId,
            String status,
            String type,
            Long count,
            double score,
            boolean exact,
            boolean named) {}
}

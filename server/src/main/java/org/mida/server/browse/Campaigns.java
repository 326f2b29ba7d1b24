package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.neo4j.driver.Record;

/** What {@code GET /api/campaigns} answers: every campaign, by id. */
record Campaigns(List<Campaign> campaigns) {

    Campaigns {
        campaigns = List.copyOf(campaigns);
    }

    /** One campaign with how many workflows and tasks it has (campaigns.cypher). */
    record Campaign(
            @JsonProperty("campaign_id") String campaignId,
            @JsonProperty("workflow_count") long workflowCount,
            @JsonProperty("task_count") long taskCount) {

        static Campaign of(Record r) {
            return new Campaign(
                    r.get("campaign_id").asString(),
                    r.get("workflow_count").asLong(),
                    r.get("task_count").asLong());
        }
    }
}

package org.mida.server.prov;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code POST /api/prov}: what the import took in, what it left out, and where its events
 * went.
 *
 * @param ignored what MIDA does not model, by kind, with how many were met (sorted by kind)
 * @param workflowId the workflow that took the activities no membership placed (the {@code workflow_id}
 *     parameter, else {@code prov-import-<hash>}); null, and still present, when there were none
 * @param bundles the document's bundles
 * @param events MIDA events appended
 * @param entryIds the stream entries holding them, in order
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record ImportAnswer(
        Imported imported,
        Map<String, Integer> ignored,
        String workflowId,
        int bundles,
        int events,
        String stream,
        List<String> entryIds) {

    ImportAnswer {
        ignored = Collections.unmodifiableMap(new LinkedHashMap<>(ignored));
        entryIds = List.copyOf(entryIds);
    }

    /**
     * The elements and relations imported.
     *
     * @param activities tasks, workflows and campaigns together
     * @param entities artifacts (parameter and result entities folded into values are counted apart)
     * @param agents foreign agents and the users, hosts and adapters of MIDA's own
     * @param relations every relation mapped, the sum of {@code relations_by_type}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Imported(
            int activities,
            int tasks,
            int workflows,
            int campaigns,
            int entities,
            int parameters,
            int agents,
            int relations,
            Map<String, Integer> relationsByType) {

        Imported {
            relationsByType = Collections.unmodifiableMap(new LinkedHashMap<>(relationsByType));
        }
    }
}

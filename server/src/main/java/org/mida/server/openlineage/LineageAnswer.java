package org.mida.server.openlineage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The answer of {@code POST /api/v1/lineage}: how many OpenLineage events were accepted, the MIDA tasks,
 * workflows and entities they name (each once, in order of first mention), and the stream entry that
 * holds the MIDA events. {@code stream} and {@code entry_id} are absent when nothing went to the stream
 * (DatasetEvents alone are written directly).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record LineageAnswer(
        int accepted,
        List<String> taskIds,
        List<String> workflowIds,
        List<String> entityIds,
        @JsonInclude(JsonInclude.Include.NON_NULL) String stream,
        @JsonInclude(JsonInclude.Include.NON_NULL) String entryId) {

    LineageAnswer {
        taskIds = List.copyOf(taskIds);
        workflowIds = List.copyOf(workflowIds);
        entityIds = List.copyOf(entityIds);
        if ((stream == null) != (entryId == null))
            throw new IllegalArgumentException("stream and entry_id go together");
    }
}

package org.mida.server.prov;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;

class ImportAnswerTest {

    @Test
    void the_answer_is_snake_case_keeps_a_null_workflow_id_and_the_sorted_counts() throws Exception {
        var byType = new TreeMap<String, Integer>(Map.of("used", 2, "wasGeneratedBy", 1));
        var ignored = new TreeMap<String, Integer>(Map.of("specializationOf", 1, "actedOnBehalfOf", 3));
        var answer = new ImportAnswer(
                new ImportAnswer.Imported(3, 2, 1, 0, 4, 5, 1, 3, byType), ignored, null, 0, 3, "s", List.of("1-0"));
        assertThat(EventCodec.shared().mapper().writeValueAsString(answer))
                .isEqualTo("{\"imported\":{\"activities\":3,\"tasks\":2,\"workflows\":1,\"campaigns\":0,"
                        + "\"entities\":4,\"parameters\":5,\"agents\":1,\"relations\":3,"
                        + "\"relations_by_type\":{\"used\":2,\"wasGeneratedBy\":1}},"
                        + "\"ignored\":{\"actedOnBehalfOf\":3,\"specializationOf\":1},"
                        + "\"workflow_id\":null,\"bundles\":0,\"events\":3,\"stream\":\"s\",\"entry_ids\":[\"1-0\"]}");
    }
}

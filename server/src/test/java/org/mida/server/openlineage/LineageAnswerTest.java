package org.mida.server.openlineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;

class LineageAnswerTest {

    private static String json(Object o) throws Exception {
        return EventCodec.shared().mapper().writeValueAsString(o);
    }

    @Test
    void the_answer_is_snake_case_with_the_stream_entry_when_events_were_appended() throws Exception {
        assertThat(json(new LineageAnswer(2, List.of("r1"), List.of("openlineage:run:r1"), List.of(), "s", "1-0")))
                .isEqualTo("{\"accepted\":2,\"task_ids\":[\"r1\"],\"workflow_ids\":[\"openlineage:run:r1\"],"
                        + "\"entity_ids\":[],\"stream\":\"s\",\"entry_id\":\"1-0\"}");
    }

    @Test
    void without_events_stream_and_entry_id_are_absent() throws Exception {
        assertThat(json(new LineageAnswer(1, List.of(), List.of(), List.of("ns/d"), null, null)))
                .isEqualTo("{\"accepted\":1,\"task_ids\":[],\"workflow_ids\":[],\"entity_ids\":[\"ns/d\"]}");
        assertThatThrownBy(() -> new LineageAnswer(1, List.of(), List.of(), List.of(), "s", null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_later_upsert_of_an_entity_overrides_its_properties_key_by_key() {
        var first = new OpenLineageMapper.EntityUpsert("ns/d", java.util.Map.of("type", "dataset", "name", "d"));
        var later = new OpenLineageMapper.EntityUpsert(
                "ns/d", java.util.Map.of("name", "d2", "schema_fields", List.of("a")));
        var merged = first.merge(later);
        assertThat(merged.id()).isEqualTo("ns/d");
        assertThat(merged.props())
                .containsEntry("type", "dataset")
                .containsEntry("name", "d2")
                .containsEntry("schema_fields", List.of("a"));
        assertThat(merged.row()).containsEntry("id", "ns/d").containsEntry("props", merged.props());
    }
}

package org.mida.server.browse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;

/** The browse answers as the server writes them (the shared codec's mapper): free-form documents kept. */
class BrowseAnswersTest {
    private static String json(Object value) {
        return EventCodec.shared().toJson(value);
    }

    private static Map<String, Object> doc(Object... keysAndValues) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    @Test
    void a_task_document_is_the_object_itself_with_its_duration() {
        var stored = doc("task_id", "t", "started_at", 1_714_550_400.0, "ended_at", 1_714_550_402.5, "x", null);
        assertThat(json(TaskDocument.of(stored)))
                .isEqualTo("{\"task_id\":\"t\",\"started_at\":1714550400,\"ended_at\":1714550402.5,\"x\":null,"
                        + "\"duration\":2.5}");
        // a duration sent with the task yields to the computed one, in its place
        assertThat(json(TaskDocument.of(doc("duration", 99, "started_at", 1.0, "ended_at", 3.0))))
                .isEqualTo("{\"duration\":2.0,\"started_at\":1.0,\"ended_at\":3.0}");
        assertThat(json(TaskDocument.of(doc("task_id", "t", "started_at", 1.0))))
                .isEqualTo("{\"task_id\":\"t\",\"started_at\":1.0}");
        assertThat(json(TaskDocument.idOnly("t"))).isEqualTo("{\"task_id\":\"t\"}");
        assertThat(json(new WorkflowTasks("wf", List.of(TaskDocument.idOnly("t")), 100, 0)))
                .isEqualTo("{\"workflow_id\":\"wf\",\"tasks\":[{\"task_id\":\"t\"}],\"limit\":100,\"offset\":0}");
    }

    @Test
    void a_workflow_summary_is_its_document_then_its_task_count() {
        var stored = doc("workflow_id", "wf", "custom_metadata", Map.of("k", List.of(1)), "task_count", 99);
        assertThat(json(new WorkflowSummary(stored, 3)))
                .isEqualTo("{\"workflow_id\":\"wf\",\"custom_metadata\":{\"k\":[1]},\"task_count\":3}");
        assertThat(json(new WorkflowSummary.Page(List.of(new WorkflowSummary(Map.of("workflow_id", "w"), 0)), 5, 10)))
                .isEqualTo("{\"workflows\":[{\"workflow_id\":\"w\",\"task_count\":0}],\"limit\":5,\"offset\":10}");
    }

    @Test
    void a_workflow_detail_sums_its_status_counts_after_its_document() {
        var stats = List.of(
                new WorkflowDetail.StatusStats("RUNNING", 1, 3.0, null),
                new WorkflowDetail.StatusStats("FINISHED", 2, 2.0, 4.0),
                new WorkflowDetail.StatusStats("UNKNOWN", 1, null, 6.0));
        assertThat(json(WorkflowDetail.of(doc("workflow_id", "wf", "name", "n", "task_count", 99), 1, stats)))
                .isEqualTo("{\"workflow_id\":\"wf\",\"name\":\"n\",\"sub_workflow_count\":1,\"task_count\":4,"
                        + "\"status_counts\":{\"FINISHED\":2,\"RUNNING\":1,\"UNKNOWN\":1},"
                        + "\"first_task_started_at\":2.0,\"last_task_ended_at\":6.0}");
        assertThat(json(WorkflowDetail.of(Map.of("workflow_id", "bare"), 0, List.of())))
                .isEqualTo("{\"workflow_id\":\"bare\",\"sub_workflow_count\":0,\"task_count\":0,\"status_counts\":{},"
                        + "\"first_task_started_at\":null,\"last_task_ended_at\":null}");
    }

    @Test
    void campaigns_are_listed_with_their_counts() {
        assertThat(json(new Campaigns(List.of(new Campaigns.Campaign("c", 1, 2)))))
                .isEqualTo("{\"campaigns\":[{\"campaign_id\":\"c\",\"workflow_count\":1,\"task_count\":2}]}");
    }
}

package org.mida.observers.flowcept;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

class FlowceptMappingTest {

    /** As captured from Flowcept 1.0.3's Dask worker plugin (distributed 2024.10.0), Listing 2 + a second map. */
    private static Map<String, Object> daskFinished(String id, Map<String, Object> used, Object generated) {
        var m = new LinkedHashMap<String, Object>();
        m.put("task_id", id);
        m.put("status", "FINISHED");
        m.put("started_at", 1795712950.906356);
        m.put("ended_at", 1795712950.9063816);
        m.put("workflow_id", "70f3bcd9-1e19-4c04-9dcf-baa82b5adc7b");
        m.put("campaign_id", "camp");
        m.put("activity_id", id.substring(0, id.indexOf('-')));
        m.put("used", used);
        m.put("generated", generated);
        m.put("adapter_id", "dask");
        m.put("hostname", "localhost");
        m.put("type", "task");
        return m;
    }

    private static TaskEvent task(Map<String, Object> message) {
        return (TaskEvent) EventCodec.shared()
                .decodeEvent(FlowceptMapping.map(message, true).fields());
    }

    @Test
    void a_scalar_result_is_kept_as_generated_result() {
        TaskEvent t = task(daskFinished("incr-561352ea83795ca2df2a5c85e2a1ec64", Map.of("n", 0L), 1L));
        assertThat(t.status()).isEqualTo(Status.FINISHED);
        assertThat(t.used()).isEqualTo(Map.of("n", 0L));
        assertThat(t.generated()).isEqualTo(Map.of("result", 1L));
        assertThat(t.dependencies()).isEmpty();
    }

    @Test
    void scalar_and_list_used_are_kept_as_used_input_and_a_list_result_too() {
        var m = daskFinished("f-561352ea83795ca2df2a5c85e2a1ec64", null, List.of(1L, 2L));
        m.put("used", 7L);
        TaskEvent t = task(m);
        assertThat(t.used()).isEqualTo(Map.of("input", 7L));
        assertThat(t.generated()).isEqualTo(Map.of("result", List.of(1L, 2L)));
        var r = FlowceptMapping.map(m, true);
        assertThat(r.valuesWrapped()).isEqualTo(2);
    }

    @Test
    void an_entity_result_is_one_generated_entity_and_null_is_dropped() {
        var m = daskFinished(
                "f-561352ea83795ca2df2a5c85e2a1ec64", null, Map.of("@id", "file:///m.pt", "@type", "model"));
        TaskEvent t = task(m);
        assertThat(t.generated()).isEqualTo(Map.of("result", Map.of("@id", "file:///m.pt", "@type", "model")));
        assertThat(t.used()).isEmpty();
    }

    @Test
    void an_upstream_dask_key_in_used_becomes_a_dependency() {
        String up = "incr-561352ea83795ca2df2a5c85e2a1ec64";
        TaskEvent t = task(daskFinished("double-abc3419ebba7b5082d67c0d453f507f6", Map.of("x", up), 2L));
        assertThat(t.dependencies()).containsExactly(up);
        assertThat(t.used()).isEqualTo(Map.of("x", up)); // what Flowcept recorded stays
        assertThat(t.generated()).isEqualTo(Map.of("result", 2L));
    }

    @Test
    void keys_inside_lists_tuple_keys_and_given_dependencies_are_united() {
        String a = "load-0123456789abcdef0123456789abcdef";
        String b = "prep-2b0f6c3e-8d1a-4c55-9a57-0d6f1e2a3b4c"; // impure dask.delayed
        var m = daskFinished(
                "sum-fedcba9876543210fedcba9876543210",
                Map.of("xs", List.of(a, b, "not a key"), "chunk", List.of("x-0123456789abcdef0123456789abcdef", 3L)),
                10L);
        m.put("dependencies", List.of(a));
        TaskEvent t = task(m);
        assertThat(t.dependencies()).containsExactlyInAnyOrder(a, b, "('x-0123456789abcdef0123456789abcdef', 3)");
        assertThat(FlowceptMapping.map(m, true).dependenciesAdded()).isEqualTo(2);
    }

    @Test
    void a_tuple_task_id_becomes_python_text_and_its_own_key_is_no_dependency() {
        var m = daskFinished("x-0123456789abcdef0123456789abcdef", Map.of(), 1L);
        m.put("task_id", List.of("x-0123456789abcdef0123456789abcdef", 3L));
        m.put("used", Map.of("self", List.of("x-0123456789abcdef0123456789abcdef", 3L)));
        TaskEvent t = task(m);
        assertThat(t.taskId()).isEqualTo("('x-0123456789abcdef0123456789abcdef', 3)");
        assertThat(t.dependencies()).isEmpty();
    }

    @Test
    void strings_of_non_dask_tasks_are_never_read_as_keys() {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "task");
        m.put("task_id", "1795486282.581407"); // @flowcept_task
        m.put("used", Map.of("path", "scan-0123456789abcdef0123456789abcdef"));
        TaskEvent t = task(m);
        assertThat(t.dependencies()).isEmpty();
    }

    @Test
    void number_ids_become_text() {
        var m = new LinkedHashMap<String, Object>();
        m.put("task_id", 17L);
        m.put("workflow_id", 3L);
        TaskEvent t = task(m);
        assertThat(t.taskId()).isEqualTo("17");
        assertThat(t.workflowId()).isEqualTo("3");
    }
}

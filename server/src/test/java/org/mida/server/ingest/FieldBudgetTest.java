package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.server.ingest.IngestPlan.Batch;
import org.mida.server.ingest.IngestPlan.Stored;

/** The per-campaign bound in the plan: what a batch admits and registers, and that replays plan nothing. */
class FieldBudgetTest {
    private final NodeProperties properties = new NodeProperties(EventCodec.shared(), 10, 3);

    private static TaskEvent task(String id, String campaign, String... keys) {
        var used = new LinkedHashMap<String, Object>();
        for (String k : keys) used.put(k, 1);
        return TaskEvent.builder(id).campaignId(campaign).used(used).build();
    }

    private IngestPlan plan(Stored stored, Event... events) {
        return IngestPlan.of(Batch.of(List.of(events)), stored, properties, 0);
    }

    private static Stored registry(Map<String, Optional<TaskEvent>> tasks, Map<String, Set<String>> fields) {
        return new Stored(
                tasks, Map.of(), Set.of("c1", "c2"), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), fields);
    }

    @Test
    void a_scope_admits_its_keys_and_new_ones_while_it_has_room_and_registers_the_new_ones() {
        IngestPlan p = plan(
                registry(Map.of(), Map.of("c:c1", Set.of("used.a"))),
                task("t1", "c1", "a", "b", "c", "d"),
                task("t2", "c2", "d"));
        Map<String, Object> t1 = p.createTasks().get(0).props();
        assertThat(t1).containsKeys("used.a", "used.b", "used.c").doesNotContainKey("used.d");
        assertThat(t1).containsEntry("_unindexed", List.of("used.d")).containsEntry("_unindexed_count", 1L);
        // another campaign has its own room
        assertThat(p.createTasks().get(1).props()).containsKey("used.d");
        assertThat(p.registerFields())
                .containsExactly(
                        Map.of("scope", "c:c1", "name", "used.b"),
                        Map.of("scope", "c:c1", "name", "used.c"),
                        Map.of("scope", "c:c2", "name", "used.d"));
    }

    @Test
    void a_later_event_of_a_bounded_task_changes_only_what_it_brings() {
        TaskEvent stored = task("t1", "c1", "a", "b", "c", "d");
        var registered = Map.of("c:c1", Set.of("used.a", "used.b", "used.c"));
        TaskEvent later = TaskEvent.builder("t1").status(Status.FINISHED).build();
        IngestPlan p = plan(registry(Map.of("t1", Optional.of(stored)), registered), later);
        assertThat(p.updateTasks()).hasSize(1);
        assertThat(p.updateTasks().get(0).props()).containsOnlyKeys("status", "_json");
        assertThat(p.registerFields()).isEmpty();
        // a replay plans nothing
        IngestPlan replay = plan(registry(Map.of("t1", Optional.of(stored.merge(later))), registered), later);
        assertThat(replay.isEmpty()).isTrue();
    }
}

package org.mida.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskEventTest {

    private static TaskEvent running() {
        return TaskEvent.builder("t")
                .workflowId("w")
                .status(Status.RUNNING)
                .startedAt(10.0)
                .used(Map.of("lr", 0.1, "data", Map.of("@id", "file:///x")))
                .telemetryAtStart(Map.of("cpu", 1))
                .dependencies(List.of("a"))
                .build();
    }

    private static TaskEvent finished() {
        return TaskEvent.builder("t")
                .status(Status.FINISHED)
                .startedAt(11.0)
                .endedAt(12.0)
                .generated(Map.of("loss", 0.5))
                .used(Map.of("epochs", 3))
                .dependencies(List.of("b"))
                .build();
    }

    @Test
    void a_late_non_final_event_never_overwrites_the_final_values() {
        TaskEvent done = TaskEvent.builder("t")
                .status(Status.FINISHED)
                .startedAt(10.0)
                .endedAt(20.0)
                .hostname("node-1")
                .generated(Map.of("loss", 0.3))
                .telemetryAtEnd(Map.of("gpu_mem", 38.0))
                .build();
        // an intermediate report (epoch 3 of 10) delivered after the final one
        TaskEvent lateRunning = TaskEvent.builder("t")
                .status(Status.RUNNING)
                .startedAt(10.0)
                .hostname("node-9")
                .generated(Map.of("loss", 0.9, "epoch", 3))
                .telemetryAtEnd(Map.of("gpu_mem", 12.0))
                .build();
        TaskEvent statusless =
                TaskEvent.builder("t").generated(Map.of("loss", 0.7)).build();
        for (TaskEvent m : List.of(
                done.merge(lateRunning), lateRunning.merge(done), done.merge(statusless), statusless.merge(done))) {
            assertThat(m.status()).isEqualTo(Status.FINISHED);
            assertThat(m.generated()).containsEntry("loss", 0.3);
            assertThat(m.endedAt()).isEqualTo(20.0);
        }
        TaskEvent m = done.merge(lateRunning);
        assertThat(m.hostname()).isEqualTo("node-1");
        assertThat(m.telemetryAtEnd()).containsEntry("gpu_mem", 38.0);
        assertThat(m.generated()).containsEntry("epoch", 3); // what is new is still added
        // two final events: the later still wins
        TaskEvent failed =
                TaskEvent.builder("t").status(Status.ERROR).stderr("OOM").build();
        assertThat(done.merge(failed).stderr()).isEqualTo("OOM");
    }

    @Test
    void merge_is_monotonic_and_the_same_in_either_order_for_status_and_times() {
        TaskEvent ab = running().merge(finished());
        TaskEvent ba = finished().merge(running());
        for (TaskEvent m : List.of(ab, ba)) {
            assertThat(m.status()).isEqualTo(Status.FINISHED);
            assertThat(m.startedAt()).isEqualTo(10.0);
            assertThat(m.endedAt()).isEqualTo(12.0);
            assertThat(m.duration()).isEqualTo(2.0);
            assertThat(m.used()).containsOnlyKeys("lr", "data", "epochs");
            assertThat(m.generated()).containsEntry("loss", 0.5);
            assertThat(m.dependencies()).containsExactlyInAnyOrder("a", "b");
            assertThat(m.workflowId()).isEqualTo("w");
        }
    }

    @Test
    void merging_an_event_with_itself_changes_nothing() {
        TaskEvent m = running().merge(finished());
        assertThat(m.merge(m)).isEqualTo(m);
        assertThat(m.merge(running())).isEqualTo(m);
    }

    @Test
    void error_outranks_finished_whatever_the_order() {
        var err = TaskEvent.builder("t").status(Status.ERROR).build();
        assertThat(finished().merge(err).status()).isEqualTo(Status.ERROR);
        assertThat(err.merge(finished()).status()).isEqualTo(Status.ERROR);
        assertThat(err.merge(running()).status()).isEqualTo(Status.ERROR);
    }

    @Test
    void events_of_different_tasks_do_not_merge() {
        assertThatThrownBy(() -> running().merge(TaskEvent.builder("other").build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validation_names_the_field() {
        assertThatThrownBy(() -> TaskEvent.builder(null).build()).hasMessageContaining("task_id");
        assertThatThrownBy(() -> TaskEvent.builder("t").endedAt(Double.NaN).build())
                .hasMessageContaining("ended_at");
        assertThatThrownBy(() ->
                        TaskEvent.builder("t").workflowId("x".repeat(2000)).build())
                .hasMessageContaining("workflow_id");
    }
}

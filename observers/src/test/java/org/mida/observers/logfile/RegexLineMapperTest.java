package org.mida.observers.logfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

class RegexLineMapperTest {

    private final RegexLineMapper mapper = new RegexLineMapper(
            Pattern.compile("^(?<timestamp>\\S+) \\[(?<status>\\w+)\\] task=(?<taskId>\\S+)"
                    + "(?: file=(?<usedInputFile>\\S+))?(?: loss=(?<genLoss>\\S+))?(?: node=(?<node>\\S+))?"),
            "wf-1",
            "camp",
            "logfile");

    @Test
    void maps_named_groups_to_task_fields() {
        TaskEvent e = (TaskEvent) mapper.map("1700000000.5 [START] task=t-1 file=/data/a.h5 node=n7")
                .orElseThrow();
        assertThat(e.taskId()).isEqualTo("t-1");
        assertThat(e.status()).isEqualTo(Status.RUNNING);
        assertThat(e.startedAt()).isEqualTo(1700000000.5);
        assertThat(e.workflowId()).isEqualTo("wf-1");
        assertThat(e.campaignId()).isEqualTo("camp");
        assertThat(e.adapterId()).isEqualTo("logfile");
        assertThat(e.used()).isEqualTo(Map.of("inputFile", "/data/a.h5"));
        assertThat(e.customMetadata()).isEqualTo(Map.of("node", "n7"));
    }

    @Test
    void the_timestamp_of_a_terminal_line_is_the_end_and_numbers_stay_numbers() {
        TaskEvent e = (TaskEvent)
                mapper.map("2024-05-01T10:00:00Z [done] task=t-1 loss=0.25").orElseThrow();
        assertThat(e.status()).isEqualTo(Status.FINISHED);
        assertThat(e.endedAt()).isEqualTo(1714557600.0);
        assertThat(e.startedAt()).isNull();
        assertThat(e.generated()).isEqualTo(Map.of("loss", 0.25));
    }

    @Test
    void knows_status_synonyms() {
        assertThat(RegexLineMapper.status("failed")).isEqualTo(Status.ERROR);
        assertThat(RegexLineMapper.status("QUEUED")).isEqualTo(Status.SUBMITTED);
        assertThat(RegexLineMapper.status("Running")).isEqualTo(Status.RUNNING);
        assertThat(RegexLineMapper.status("weird")).isEqualTo(Status.UNKNOWN);
    }

    @Test
    void reads_common_timestamp_shapes() {
        assertThat(RegexLineMapper.time("1700000000")).isEqualTo(1.7e9);
        assertThat(RegexLineMapper.time("2024-05-01T10:00:00+02:00")).isEqualTo(1714550400.0);
        assertThat(RegexLineMapper.time("2024-05-01 10:00:00.250")).isNotNull();
        assertThat(RegexLineMapper.time("yesterday")).isNull();
    }

    @Test
    void lines_that_do_not_match_are_skipped() {
        assertThat(mapper.map("some unrelated chatter")).isEmpty();
    }

    @Test
    void a_pattern_without_task_id_is_refused() {
        assertThatThrownBy(() -> new RegexLineMapper(Pattern.compile("(?<status>\\w+)"), null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("taskId");
    }

    @Test
    void json_lines_are_decoded_as_events_and_other_lines_skipped() {
        LineMapper json = LineMapper.jsonLines();
        assertThat(json.map("{\"type\":\"task\",\"task_id\":\"x\",\"status\":\"FINISHED\"}"))
                .get()
                .extracting(ev -> ((TaskEvent) ev).status())
                .isEqualTo(Status.FINISHED);
        assertThat(json.map("INFO starting up")).isEmpty();
        assertThat(json.map("{\"no\":\"id\"}")).isEmpty();
    }
}

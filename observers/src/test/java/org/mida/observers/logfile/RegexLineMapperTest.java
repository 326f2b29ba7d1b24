package org.mida.observers.logfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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

    private static final LineContext RUN_1 = new LineContext(
            Path.of("/runs/scope/microscope.log"), 3, "logfile:/runs/scope/microscope.log", "r1", "camp-obs");

    private static final Pattern MICROSCOPE = Pattern.compile(
            "^(?<timestamp>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+) INFO (?<status>\\w+) image=(?<taskId>\\d+)"
                    + " exposureMs=(?<usedExposureMs>\\S+) raw=(?<rawImage>\\S+)(?: out=(?<image>\\S+))?");

    @Test
    void snake_case_names_entities_and_run_scoped_ids() {
        var mapper = RegexLineMapper.builder(MICROSCOPE)
                .snakeCase(true)
                .usedEntity("rawImage", "raw_image")
                .generatedEntity("image", "image")
                .build();
        var m = mapper.mapLine(
                "2026-11-27 10:00:01,250 INFO done image=17 exposureMs=12.5 raw=s3://bucket/raw/17.tif out=img/17.png",
                RUN_1);
        assertThat(m.isRefused()).isFalse();
        TaskEvent e = (TaskEvent) m.events().get(0);
        assertThat(e.workflowId()).isEqualTo("logfile:/runs/scope/microscope.log@r1");
        assertThat(e.taskId()).isEqualTo("logfile:/runs/scope/microscope.log@r1/17");
        assertThat(e.campaignId()).isEqualTo("camp-obs");
        assertThat(e.status()).isEqualTo(Status.FINISHED);
        assertThat(e.endedAt()).isNotNull();
        assertThat(e.used())
                .containsEntry("exposure_ms", 12.5)
                .containsEntry(
                        "raw_image",
                        Map.of(
                                "@id",
                                "s3://bucket/raw/17.tif",
                                "@type",
                                "raw_image",
                                "path",
                                "s3://bucket/raw/17.tif"));
        assertThat(e.generated())
                .isEqualTo(Map.of(
                        "image",
                        Map.of("@id", "file:///runs/scope/img/17.png", "@type", "image", "path", "img/17.png")));
        assertThat(e.customMetadata()).containsEntry("log_task_id", "17");
    }

    @Test
    void explicit_field_mappings_and_a_captured_run_id() {
        var mapper = RegexLineMapper.builder(Pattern.compile(
                        "run=(?<r>\\S+) step=(?<n>\\d+) lr=(?<lr>\\S+) loss=(?<l>\\S+) model=(?<m>\\S+)"))
                .field("r", "run_id")
                .field("n", "task_id")
                .field("lr", "used.learning_rate")
                .field("l", "generated.val_loss")
                .field("m", "custom_metadata.model_name")
                .generatedEntity("m", "model")
                .workflowId("train")
                .baseDir(Path.of("/models"))
                .build();
        var m = mapper.mapLine("run=2026-11-27T10:00 step=4 lr=0.01 loss=0.3 model=m4.pt", RUN_1);
        assertThat(m.runId()).isEqualTo("2026-11-27T10:00");
        TaskEvent e = (TaskEvent) m.events().get(0);
        assertThat(e.taskId()).isEqualTo("train@2026-11-27T10:00/4");
        assertThat(e.used()).isEqualTo(Map.of("learning_rate", 0.01));
        assertThat(e.generated())
                .containsEntry("val_loss", 0.3)
                .containsEntry("m", Map.of("@id", "file:///models/m4.pt", "@type", "model", "path", "m4.pt"));
        // without an observer's context: ids as captured
        assertThat(((TaskEvent) mapper.map("run=x step=4 lr=1 loss=2 model=a").orElseThrow()).taskId())
                .isEqualTo("4");
    }

    @Test
    void snake_case_of_group_names() {
        assertThat(RegexLineMapper.snakeCase("ImagePath")).isEqualTo("image_path");
        assertThat(RegexLineMapper.snakeCase("layer2Size")).isEqualTo("layer2_size");
        assertThat(RegexLineMapper.snakeCase("HTTPCode")).isEqualTo("http_code");
        assertThat(RegexLineMapper.snakeCase("lr")).isEqualTo("lr");
    }

    @Test
    void lines_that_look_like_records_but_cannot_be_mapped_are_refused_with_a_reason() {
        var mapper = RegexLineMapper.builder(MICROSCOPE)
                .recordMarker(Pattern.compile("image="))
                .generatedEntity("image", "image")
                .build();
        assertThat(mapper.mapLine("2026-11-27 10:00:01,250 INFO done image=x exposure", RUN_1)
                        .refusal())
                .contains("looks like a record");
        assertThat(mapper.mapLine("2026-13-45 99:00:01,250 INFO done image=1 exposureMs=1 raw=a", RUN_1)
                        .refusal())
                .contains("unreadable timestamp");
        assertThat(mapper.mapLine("INFO shutting down", RUN_1)).isEqualTo(LineMapper.Mapped.SKIP);
        assertThat(LineMapper.jsonLines()
                        .mapLine("{\"type\":\"task\",\"no\":\"id\"}", RUN_1)
                        .refusal())
                .contains("task_id");
        assertThat(LineMapper.jsonLines().mapLine("{broken", RUN_1).refusal()).contains("JSON");
    }

    @Test
    void a_wrong_mapping_is_refused_when_the_mapper_is_built() {
        assertThatThrownBy(() -> RegexLineMapper.builder(MICROSCOPE)
                        .field("image", "outputs.image")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"image\"")
                .hasMessageContaining("generated.<name>");
        assertThatThrownBy(() -> RegexLineMapper.builder(MICROSCOPE)
                        .generatedEntity("img", "image")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no group (?<img>");
        assertThatThrownBy(() -> RegexLineMapper.builder(MICROSCOPE)
                        .usedEntity("taskId", "x")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be an entity");
    }
}

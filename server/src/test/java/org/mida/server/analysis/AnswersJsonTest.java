package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;
import org.mida.server.analysis.CorrelationAnswer.Dropped;
import org.mida.server.analysis.CorrelationAnswer.Pair;
import org.mida.server.analysis.CorrelationAnswer.Timing;
import org.mida.server.analysis.CorrelationAnswer.Variable;
import org.mida.server.analysis.Report.Kind;
import org.mida.server.analysis.Report.Step;
import org.mida.server.analysis.Report.Subject;
import org.mida.server.analysis.Report.TimeSpan;
import org.mida.server.analysis.Report.WorkflowSummary;

/**
 * The wire shape of the answers as the server's mapper writes them: snake_case keys in a fixed order,
 * and which keys are null and which are left out.
 */
class AnswersJsonTest {
    private static final ObjectMapper MAPPER = EventCodec.shared().mapper();

    private static String json(Object o) throws Exception {
        return MAPPER.writeValueAsString(o);
    }

    @Test
    void a_truncated_entity_report_writes_every_key_in_order() throws Exception {
        assertThat(json(ReportMarkdownTest.report()))
                .isEqualTo("{\"subject\":{\"id\":\"model://m/1?v=`best`|*x*\",\"kind\":\"entity\"},"
                        + "\"entity\":{\"id\":\"model://m/1?v=`best`|*x*\",\"type\":\"model\","
                        + "\"attributes\":{\"framework\":\"torch\",\"layers\":[1,2]},\"generated_by\":[\"train 1\"],"
                        + "\"derived_from\":[]},"
                        + "\"steps\":[{\"task_id\":\"acquire#1\",\"activity_id\":\"acquire\",\"workflow_id\":\"wf 1\","
                        + "\"campaign_id\":\"camp/1\",\"status\":\"FINISHED\",\"submitted_at\":99.5,\"started_at\":100.0,"
                        + "\"ended_at\":110.25,\"duration\":10.25,\"hostname\":\"edge-1\",\"user\":\"alice\","
                        + "\"adapter_id\":\"adapter_x\",\"parameters\":{\"voltage\":300},\"results\":{},"
                        + "\"inputs\":[{\"role\":\"raw\",\"id\":\"file:///raw/a_b.h5\"}],"
                        + "\"outputs\":[{\"role\":null,\"id\":\"ds/val\"}],\"informed_by\":[]},"
                        + "{\"task_id\":\"train 1\",\"activity_id\":null,\"workflow_id\":\"wf_2\",\"campaign_id\":null,"
                        + "\"status\":null,\"submitted_at\":null,\"started_at\":140.0,\"ended_at\":null,\"duration\":null,"
                        + "\"hostname\":null,\"user\":null,\"adapter_id\":null,"
                        + "\"parameters\":{\"epochs\":10,\"optimizer\":{\"name\":\"adam\"},\"note\":\"two\\nlines | here\"},"
                        + "\"results\":{\"accuracy\":0.93},\"inputs\":[{\"role\":\"val\",\"id\":\"ds/val\"}],"
                        + "\"outputs\":[{\"role\":\"model\",\"id\":\"model://m/1?v=`best`|*x*\"}],"
                        + "\"informed_by\":[\"acquire#1\",\"other\"],"
                        + "\"telemetry\":{\"at_start\":{\"cpu\":{\"percent\":1}},\"at_end\":"
                        + json(ReportMarkdownTest.report()
                                .steps()
                                .get(1)
                                .telemetry()
                                .atEnd()) + "}}],"
                        + "\"raw_inputs\":[{\"id\":\"file:///raw/a_b.h5\",\"type\":\"raw_image\",\"attributes\":{\"size\":1024},"
                        + "\"generated_by\":[],\"derived_from\":[]},{\"id\":\"file:///raw/labels.csv\",\"type\":null,"
                        + "\"attributes\":{},\"generated_by\":[],\"derived_from\":[]}],"
                        + "\"entities\":" + json(ReportMarkdownTest.report().entities()) + ","
                        + "\"derivations\":[{\"entity\":\"ds/val\",\"source\":\"file:///raw/labels.csv\"}],"
                        // a workflow without a node: only its id and its step count
                        + "\"workflows\":[{\"workflow_id\":\"wf 1\",\"name\":\"acquisition\",\"campaign_id\":\"camp/1\","
                        + "\"status\":null,\"started_at\":null,\"ended_at\":null,\"steps\":1},"
                        + "{\"workflow_id\":\"wf_2\",\"steps\":1}],"
                        + "\"campaigns\":[\"camp/1\"],"
                        + "\"agents\":[{\"name\":\"alice\",\"kind\":\"user\",\"id\":\"user:alice\"},"
                        + "{\"name\":\"edge-1\",\"kind\":\"host\",\"id\":\"host:edge-1\"},"
                        + "{\"name\":null,\"kind\":\"user\",\"id\":\"user:bob\"}],"
                        + "\"time_span\":{\"from\":99.5,\"to\":140.0,\"seconds\":40.5},"
                        + "\"depth\":3,\"truncated\":true,\"truncated_reason\":\"depth limit of 3 steps reached\","
                        + "\"unexamined_tasks\":[],\"unexamined_entities\":[\"ds/test\"]}");
    }

    @Test
    void a_complete_task_report_writes_a_null_entity_and_no_truncation_keys() throws Exception {
        Step t = new Step(
                "t", null, null, null, null, null, null, null, null, null, null, null, Map.of(), Map.of(), List.of(),
                List.of(), List.of(), null);
        Report r = new Report(
                new Subject("t", Kind.TASK),
                null,
                List.of(t),
                List.of(),
                List.of(),
                List.of(),
                List.of(new WorkflowSummary("w", null, 1)),
                List.of(),
                List.of(),
                null,
                new TimeSpan(null, null, null),
                1,
                false,
                null,
                null,
                null);
        assertThat(json(r))
                .isEqualTo(
                        "{\"subject\":{\"id\":\"t\",\"kind\":\"task\"},\"entity\":null,"
                                + "\"steps\":[{\"task_id\":\"t\",\"activity_id\":null,\"workflow_id\":null,\"campaign_id\":null,"
                                + "\"status\":null,\"submitted_at\":null,\"started_at\":null,\"ended_at\":null,\"duration\":null,"
                                + "\"hostname\":null,\"user\":null,\"adapter_id\":null,\"parameters\":{},\"results\":{},"
                                + "\"inputs\":[],\"outputs\":[],\"informed_by\":[]}],"
                                + "\"raw_inputs\":[],\"entities\":[],\"derivations\":[],"
                                + "\"workflows\":[{\"workflow_id\":\"w\",\"steps\":1}],\"campaigns\":[],\"agents\":[],"
                                + "\"time_span\":{\"from\":null,\"to\":null,\"seconds\":null},\"depth\":1,\"truncated\":false}");
    }

    @Test
    void a_report_says_why_it_is_truncated_exactly_when_it_is() {
        assertThatThrownBy(() -> new Report(
                        new Subject("t", Kind.TASK),
                        null,
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        null,
                        new TimeSpan(null, null, null),
                        1,
                        true,
                        null,
                        null,
                        null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static CorrelationAnswer answer(String workflow, String campaign, Correlation.Method method, Pair top) {
        List<List<Double>> matrix = java.util.Arrays.asList(java.util.Arrays.asList(1.0, null), List.of(-0.5, 1.0));
        return new CorrelationAnswer(
                workflow,
                campaign,
                null,
                "any",
                method,
                5,
                false,
                List.of(new Variable("used.x", "used", 5, 2.5, null, 1.0, 4.0)),
                method.pearson() ? matrix : null,
                method.spearman() ? matrix : null,
                List.of(List.of(5)),
                List.of(top),
                List.of(new Dropped("used.s", 5, "constant")),
                null,
                new Timing(3, 4));
    }

    @Test
    void a_correlation_writes_only_its_scope_and_the_matrices_of_its_method() throws Exception {
        assertThat(json(answer("wf", null, Correlation.Method.BOTH, new Pair("used.x", "duration", -0.5, -1.0, 5))))
                .isEqualTo("{\"workflow_id\":\"wf\",\"activity_id\":null,\"status\":\"any\",\"method\":\"both\","
                        + "\"tasks\":5,\"truncated\":false,"
                        + "\"variables\":[{\"name\":\"used.x\",\"group\":\"used\",\"n\":5,\"mean\":2.5,\"std\":null,"
                        + "\"min\":1.0,\"max\":4.0}],"
                        + "\"pearson\":[[1.0,null],[-0.5,1.0]],\"spearman\":[[1.0,null],[-0.5,1.0]],\"n_pairs\":[[5]],"
                        + "\"top\":[{\"a\":\"used.x\",\"b\":\"duration\",\"pearson\":-0.5,\"spearman\":-1.0,\"n\":5}],"
                        + "\"dropped\":[{\"name\":\"used.s\",\"n\":5,\"reason\":\"constant\"}],"
                        + "\"timing\":{\"read_ms\":3,\"compute_ms\":4}}");
        assertThat(json(answer(null, "c", Correlation.Method.SPEARMAN, new Pair("a", "b", null, 0.5, 3))))
                .startsWith("{\"campaign_id\":\"c\",\"activity_id\":null,")
                .contains("\"method\":\"spearman\"")
                .doesNotContain("\"pearson\"")
                .contains("\"top\":[{\"a\":\"a\",\"b\":\"b\",\"spearman\":0.5,\"n\":3}]");
    }

    @Test
    void an_undefined_coefficient_of_a_top_pair_is_null_and_one_not_asked_for_is_left_out() throws Exception {
        assertThat(json(new Pair("a", "b", Double.NaN, 0.7, 4)))
                .isEqualTo("{\"a\":\"a\",\"b\":\"b\",\"pearson\":null,\"spearman\":0.7,\"n\":4}");
        assertThat(json(new Pair("a", "b", 0.7, null, 4)))
                .isEqualTo("{\"a\":\"a\",\"b\":\"b\",\"pearson\":0.7,\"n\":4}");
    }

    @Test
    void a_correlation_covers_a_workflow_or_a_campaign_and_carries_the_matrices_of_its_method() {
        assertThatThrownBy(() -> answer("wf", "c", Correlation.Method.BOTH, new Pair("a", "b", 1.0, 1.0, 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CorrelationAnswer(
                        "wf",
                        null,
                        null,
                        "any",
                        Correlation.Method.PEARSON,
                        0,
                        false,
                        List.of(),
                        null,
                        null,
                        List.of(),
                        List.of(),
                        List.of(),
                        null,
                        null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

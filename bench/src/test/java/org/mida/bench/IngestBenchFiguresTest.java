package org.mida.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.server.ingest.IngestMetrics;

/** The arithmetic of the ingest benchmark's figures: the paired ratios and the batch timeline. */
class IngestBenchFiguresTest {

    private static Map<String, Map<String, List<Object>>> figures(
            List<Object> e2eCpu, List<Object> rawCpu, List<Object> e2eRate, List<Object> rawRate) {
        var f = new LinkedHashMap<String, Map<String, List<Object>>>();
        f.put("e2e", Map.of("cpu_us_per_task_event", e2eCpu, "task_events_per_s", e2eRate));
        f.put("raw_embedded", Map.of("cpu_us_per_task_event", rawCpu, "task_events_per_s", rawRate));
        return f;
    }

    @Test
    void a_paired_ratio_divides_within_each_counted_round_not_the_medians() {
        // rounds 3 and 4 counted; each side's median pairs the e2e's slow round with the raw phase's fast one
        var f = figures(
                List.of(400.0, 300.0, 100.0, 200.0),
                List.of(100.0, 100.0, 90.0, 120.0),
                List.of(1000.0, 2000.0, 9000.0, 4500.0),
                List.of(5000.0, 5000.0, 10000.0, 5000.0));
        // per round raw/e2e: 0.9 and 0.6 -> 0.75; the medians' ratio would be 105 / 150 = 0.7
        assertThat(IngestBench.pairedMedian(f, "cpu_us_per_task_event", 2, true))
                .isEqualTo(0.75);
        // per round e2e/raw: 0.9 and 0.9 -> 0.9; the medians' 6750 / 7500 = 0.9 too
        assertThat(IngestBench.pairedMedian(f, "task_events_per_s", 2, false)).isEqualTo(0.9);
        // an odd count takes the middle one; no counted round gives NaN
        assertThat(IngestBench.pairedMedian(f, "cpu_us_per_task_event", 1, true))
                .isEqualTo(0.6);
        assertThat(IngestBench.pairedMedian(f, "cpu_us_per_task_event", 4, true))
                .isNaN();
    }

    @Test
    void the_timeline_lists_a_phases_batches_in_time_order_with_the_time_inside_them() {
        long from = 1_000_000_000L;
        var batches = List.of(
                // a batch that ended before the phase began is not the phase's
                new IngestMetrics.Batch(
                        from - 1,
                        5_000_000L,
                        7,
                        new long[IngestMetrics.phaseNames().size()]),
                new IngestMetrics.Batch(
                        from + 900_000_000L,
                        400_000_000L,
                        300,
                        new long[IngestMetrics.phaseNames().size()]),
                new IngestMetrics.Batch(
                        from + 450_000_000L,
                        400_000_000L,
                        200,
                        new long[IngestMetrics.phaseNames().size()]));
        var result = new LinkedHashMap<String, Object>();
        IngestBench.phases(result, "e2e", batches, from);
        assertThat(result.get("e2e_batch_timeline"))
                .isEqualTo(List.of(List.of(0.05, 400.0, 200), List.of(0.5, 400.0, 300)));
        assertThat(result.get("e2e_batches_busy_seconds")).isEqualTo(0.8);
    }
}

package org.mida.observers.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NvidiaSmiTest {

    @Test
    void parses_csv_without_header_or_units() {
        var gpus = NvidiaSmi.parse("0, NVIDIA A100-SXM4-40GB, 37, 12, 1024, 40960, 45, 88.50\n"
                + "1, NVIDIA A100-SXM4-40GB, 0, 0, 0, 40960, 30, [N/A]\n");
        assertThat(gpus).hasSize(2);
        assertThat(gpus.get(0))
                .containsEntry("index", 0L)
                .containsEntry("name", "NVIDIA A100-SXM4-40GB")
                .containsEntry("utilization_percent", 37L)
                .containsEntry("memory_total_mib", 40960L)
                .containsEntry("power_w", 88.5);
        assertThat(gpus.get(1)).doesNotContainKey("power_w");
    }

    @Test
    void odd_output_gives_no_gpus() {
        assertThat(NvidiaSmi.parse("NVIDIA-SMI has failed because it couldn't communicate with the driver"))
                .isEmpty();
        assertThat(NvidiaSmi.parse("")).isEmpty();
    }
}

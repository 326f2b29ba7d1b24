package org.mida.observers.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryTest {

    @Test
    @SuppressWarnings("unchecked")
    void snapshots_have_the_wire_shape_and_are_immutable() throws Exception {
        try (Telemetry t = Telemetry.start(50)) {
            long deadline = System.nanoTime() + 20_000_000_000L; // the first OSHI samples are slow on a busy box
            while (!t.latest().containsKey("cpu") && System.nanoTime() < deadline) Thread.sleep(20);
            Map<String, Object> s = t.latest();
            assertThat(s).containsKeys("cpu", "memory", "disk", "network", "process", "sampled_at");
            @SuppressWarnings("unchecked")
            Map<String, Object> cpu = (Map<String, Object>) s.get("cpu");
            assertThat(cpu).containsKeys("percent", "per_core");
            assertThat((List<?>) cpu.get("per_core"))
                    .hasSize(Runtime.getRuntime().availableProcessors());
            assertThat((Map<String, Object>) s.get("memory")).containsKeys("total", "available", "swap_total");
            assertThat((Map<String, Object>) s.get("process"))
                    .containsKeys("rss", "cpu_percent", "cpu_time_s", "threads", "open_files");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.put("x", 1))
                    .isInstanceOf(UnsupportedOperationException.class);
            // issue 15 (obs15c): one immutable map with its JSON text, kept by every event without a copy
            assertThat(s)
                    .isInstanceOf(org.mida.observers.emit.CachedJsonMap.class)
                    .isInstanceOf(org.mida.event.FrozenMap.class);
            var codec = org.mida.event.EventCodec.shared();
            assertThat(codec.parse(((org.mida.observers.emit.CachedJsonMap) s).json()))
                    .isEqualTo(codec.parse(codec.toJson(new java.util.LinkedHashMap<>(s))));
            assertThat(org.mida.event.TaskEvent.builder("t")
                            .telemetryAtStart(s)
                            .build()
                            .telemetryAtStart())
                    .isSameAs(s);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void the_first_snapshot_leaves_out_the_loads_it_cannot_know_yet() {
        // a load is a difference of two samples: the first one used to say the process was at 0 % CPU
        try (Telemetry t = Telemetry.start(600_000)) {
            Map<String, Object> first = t.latest();
            assertThat(first).containsKeys("memory", "process", "sampled_at").doesNotContainKey("cpu");
            assertThat((Map<String, Object>) first.get("process"))
                    .containsKeys("pid", "rss", "cpu_time_s")
                    .doesNotContainKey("cpu_percent");
        }
    }

    @Test
    void machine_info_names_the_host() {
        try (Telemetry t = Telemetry.start(1000)) {
            assertThat(t.machineInfo()).containsKeys("hostname", "os", "cpus", "memory", "java");
            assertThat(t.machineInfo()).isSameAs(t.machineInfo());
        }
    }

    @Test
    void latest_is_cheap() {
        Telemetry t = Telemetry.shared();
        long t0 = System.nanoTime();
        for (int i = 0; i < 1_000_000; i++) t.latest();
        assertThat((System.nanoTime() - t0) / 1_000_000.0).isLessThan(500); // < 0.5 µs each, generously
    }
}

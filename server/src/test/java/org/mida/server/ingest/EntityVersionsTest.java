package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EntityRef;
import org.mida.event.TaskEvent;
import org.mida.server.ingest.EntityVersions.Version;

/** The binding rules of entity versions, without a database. */
class EntityVersionsTest {
    static final String D = "file:///d.csv";

    static Version v(String label, Double at) {
        return new Version(EntityVersions.id(D, label), D, label, at, label);
    }

    static final List<Version> THREE = List.of(v("w1", 10.0), v("w2", 20.0), v("w3", 30.0));

    @Test
    void a_usage_binds_to_the_latest_version_generated_at_or_before_its_start() {
        assertThat(EntityVersions.bind(D, null, "r", 5.0, THREE))
                .as("before any write: the origin")
                .isNull();
        assertThat(EntityVersions.bind(D, null, "r", 10.0, THREE)).isEqualTo(D + "#version=w1");
        assertThat(EntityVersions.bind(D, null, "r", 25.0, THREE)).isEqualTo(D + "#version=w2");
        assertThat(EntityVersions.bind(D, null, "r", 99.0, THREE)).isEqualTo(D + "#version=w3");
        assertThat(EntityVersions.bind(D, null, "r", null, THREE))
                .as("no time: the latest")
                .isEqualTo(D + "#version=w3");
    }

    @Test
    void a_named_version_wins_and_a_task_never_used_its_own_generation() {
        assertThat(EntityVersions.bind(D, "w1", "r", 99.0, THREE)).isEqualTo(D + "#version=w1");
        assertThat(EntityVersions.bind(D, "v9", "r", 99.0, THREE)).isEqualTo(D + "#version=v9");
        assertThat(EntityVersions.bind(D, null, "w3", 30.0, THREE)).isEqualTo(D + "#version=w2");
    }

    @Test
    void versions_of_unknown_time_are_bound_only_when_no_timed_one_qualifies() {
        var untimed = List.of(v("w1", 10.0), v("u", null));
        assertThat(EntityVersions.bind(D, null, "r", 15.0, untimed)).isEqualTo(D + "#version=w1");
        assertThat(EntityVersions.bind(D, null, "r", 5.0, untimed)).isEqualTo(D + "#version=u");
        var named = List.of(new Version(EntityVersions.id(D, "x"), D, "x", null, null));
        assertThat(EntityVersions.bind(D, null, "r", 5.0, named))
                .as("a version only named by a usage is no generation")
                .isNull();
    }

    @Test
    void the_latest_version_is_by_time_then_label_and_timed_ones_beat_untimed_ones() {
        assertThat(EntityVersions.latest(List.of(v("w3", 30.0), v("w1", 10.0), v("w2", 20.0)))
                        .label())
                .isEqualTo("w3");
        assertThat(EntityVersions.latest(List.of(v("b", 10.0), v("a", 10.0))).label())
                .isEqualTo("b");
        assertThat(EntityVersions.latest(List.of(v("z", null), v("a", 1.0))).label())
                .isEqualTo("a");
        assertThat(EntityVersions.latest(List.of())).isNull();
    }

    @Test
    void labels_times_and_explicit_versions_come_from_the_reference_and_the_task() {
        var named = new EntityRef(D, null, "out", Map.of("version", 7));
        var plain = new EntityRef(D, null, "out", Map.of());
        assertThat(EntityVersions.explicit(named)).isEqualTo("7");
        assertThat(EntityVersions.explicit(new EntityRef(D, null, "out", Map.of("version", " "))))
                .isNull();
        assertThat(EntityVersions.label(named, "t1")).isEqualTo("7");
        assertThat(EntityVersions.label(plain, "t1")).isEqualTo("t1");
        TaskEvent t = TaskEvent.builder("t1")
                .submittedAt(1.0)
                .startedAt(2.0)
                .endedAt(3.0)
                .build();
        assertThat(EntityVersions.generatedAt(t)).isEqualTo(3.0);
        assertThat(EntityVersions.usedAt(t)).isEqualTo(2.0);
        TaskEvent submitted = TaskEvent.builder("t2").submittedAt(1.0).build();
        assertThat(EntityVersions.generatedAt(submitted)).isEqualTo(1.0);
        assertThat(EntityVersions.usedAt(submitted)).isEqualTo(1.0);
    }
}

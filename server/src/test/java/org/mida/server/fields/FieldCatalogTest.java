package org.mida.server.fields;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FieldCatalogTest {
    private static final List<String> NAMES = List.of(
            "generated.loss",
            "generated.lost_batches",
            "generated.accuracy",
            "used.lr",
            "telemetry_at_end.gpu.0.used",
            "status",
            "ended_at");

    @Test
    void close_matches_are_near_by_edit_distance_nearest_first() {
        assertThat(FieldCatalog.closeMatches("generated.los", NAMES, 5)).startsWith("generated.loss");
        assertThat(FieldCatalog.closeMatches("Generated.Loss", NAMES, 5)).containsExactly("generated.loss");
        assertThat(FieldCatalog.closeMatches("statu", NAMES, 5)).containsExactly("status");
    }

    @Test
    void a_last_segment_or_a_prefix_also_matches() {
        assertThat(FieldCatalog.closeMatches("loss", NAMES, 5)).containsExactly("generated.loss");
        assertThat(FieldCatalog.closeMatches("telemetry_at_end.gpu", NAMES, 5))
                .containsExactly("telemetry_at_end.gpu.0.used");
        assertThat(FieldCatalog.closeMatches("nothing_like_it", NAMES, 5)).isEmpty();
        assertThat(FieldCatalog.closeMatches("generated.loss", NAMES, 5)).doesNotContain("generated.loss");
    }

    @Test
    void distance_is_levenshtein_capped() {
        assertThat(FieldCatalog.distance("kitten", "sitting", 10)).isEqualTo(3);
        assertThat(FieldCatalog.distance("a", "abcdef", 3)).isEqualTo(3);
        assertThat(FieldCatalog.type("LIST<STRING NOT NULL> NOT NULL")).isEqualTo("list<string>");
    }
}

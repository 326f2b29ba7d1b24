package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;

class GraphValuesTest {
    private final EventCodec codec = EventCodec.shared();

    @Test
    void maps_flatten_to_dotted_paths_with_types_neo4j_can_store() {
        var used = new LinkedHashMap<String, Object>();
        used.put("lr", 0.1);
        used.put("epochs", 3);
        used.put("layers", List.of(64, 32));
        used.put("mixed_numbers", List.of(1, 2.5));
        used.put("mixed", List.of(1, "a"));
        used.put("optimizer", Map.of("name", "adam", "betas", List.of(0.9, 0.99)));
        used.put("data", Map.of("@id", "file:///x", "@type", "dataset"));
        used.put("shards", List.of(Map.of("@id", "s3://1"), Map.of("@id", "s3://2")));
        used.put("nothing", null);
        used.put("big", new BigInteger("123456789012345678901234567890"));
        var out = new HashMap<String, Object>();
        GraphValues.flatten("used", used, out, codec::toJson);

        assertThat(out)
                .containsEntry("used.lr", 0.1)
                .containsEntry("used.epochs", 3L)
                .containsEntry("used.layers", List.of(64L, 32L))
                .containsEntry("used.mixed_numbers", List.of(1.0, 2.5))
                .containsEntry("used.mixed", "[1,\"a\"]")
                .containsEntry("used.optimizer.name", "adam")
                .containsEntry("used.optimizer.betas", List.of(0.9, 0.99))
                .containsEntry("used.data", "file:///x")
                .containsEntry("used.shards", List.of("s3://1", "s3://2"))
                .containsEntry("used.big", "123456789012345678901234567890")
                .doesNotContainKey("used.nothing");
    }

    @Test
    void very_long_paths_are_left_to_the_document() {
        var out = new HashMap<String, Object>();
        GraphValues.flatten("used", Map.of("k".repeat(400), 1), out, codec::toJson);
        assertThat(out).isEmpty();
    }
}

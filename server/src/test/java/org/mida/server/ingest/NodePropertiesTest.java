package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

class NodePropertiesTest {
    private final NodeProperties properties = new NodeProperties(EventCodec.shared());

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
        properties.flatten("used", used, out);

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
        properties.flatten("used", Map.of("k".repeat(400), 1), out);
        assertThat(out).isEmpty();
    }

    @Test
    void ints_and_floats_in_one_list_are_all_doubles_whatever_their_java_types() {
        assertThat(properties.value(List.of(1, 2.5))).isEqualTo(List.of(1.0, 2.5));
        assertThat(properties.value(List.of(1L, 2.5))).isEqualTo(List.of(1.0, 2.5));
        assertThat(properties.value(List.of(2.5f, (short) 1))).isEqualTo(List.of(2.5, 1.0));
        assertThat(properties.value(List.of(1, 2L))).isEqualTo(List.of(1L, 2L));
        assertThat(properties.value(new BigDecimal("0.5"))).isEqualTo(0.5);
    }

    @Test
    void lists_neo4j_cannot_store_become_json_text() {
        assertThat(properties.value(List.of())).isEqualTo("[]");
        assertThat(properties.value(List.of(1, "a"))).isEqualTo("[1,\"a\"]");
        assertThat(properties.value(List.of(List.of(1)))).isEqualTo("[[1]]");
        assertThat(properties.value(Arrays.asList(1, null))).isEqualTo("[1,null]");
        assertThat(properties.value(Map.of("k", 1))).isEqualTo("{\"k\":1}");
        assertThat(properties.value(null)).isNull();
    }

    @Test
    void an_entity_gets_its_type_and_attributes_and_names_the_node_uses_itself_are_kept_apart() {
        var attributes = new LinkedHashMap<String, Object>();
        attributes.put("rows", 10);
        attributes.put("id", "other");
        attributes.put("type", "csv");
        attributes.put("_json", "{}");
        attributes.put("schema", Map.of("a", "int"));
        attributes.put("gone", null);

        assertThat(properties.entity("dataset", attributes))
                .containsExactly(
                        Map.entry("type", "dataset"),
                        Map.entry("rows", 10L),
                        Map.entry("attr.id", "other"),
                        Map.entry("attr.type", "csv"),
                        Map.entry("attr._json", "{}"),
                        Map.entry("schema", "{\"a\":\"int\"}"));
        assertThat(properties.entity(null, Map.of())).isEmpty();
    }

    @Test
    void a_task_gets_its_fields_flattened_maps_and_its_document() {
        var t = TaskEvent.builder("t1")
                .workflowId("wf")
                .status(Status.FINISHED)
                .startedAt(1.0)
                .endedAt(3.0)
                .used(Map.of("lr", 0.1, "data", Map.of("@id", "file:///x")))
                .dependencies(List.of("t0"))
                .build();

        assertThat(properties.task(t))
                .containsEntry("task_id", "t1")
                .containsEntry("workflow_id", "wf")
                .containsEntry("status", "FINISHED")
                .containsEntry("duration", 2.0)
                .containsEntry("used.lr", 0.1)
                .containsEntry("used.data", "file:///x")
                .containsEntry("dependencies", List.of("t0"))
                .containsEntry("_json", EventCodec.shared().encode(t))
                .doesNotContainKeys("campaign_id", "tags", "user");
    }
}

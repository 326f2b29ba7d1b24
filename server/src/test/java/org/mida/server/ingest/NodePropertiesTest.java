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
import org.mida.event.ObserverEvent;
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

    @Test
    void telemetry_custom_metadata_std_streams_and_extras_are_properties_too() throws Exception {
        var t = TaskEvent.builder("t1")
                .telemetryAtStart(Map.of("cpu", Map.of("percent_all", 3.5)))
                .telemetryAtEnd(Map.of("gpu", Map.of("0", Map.of("used", 4096))))
                .customMetadata(Map.of("mlflow.runName", "bold-fox"))
                .stdout("ok")
                .stderr(Map.of("lines", 2))
                .tags(List.of("gpu"))
                .build();
        var withExtras = (TaskEvent) EventCodec.shared()
                .decodeEvent(EventCodec.shared()
                        .parse("{\"type\":\"task\",\"task_id\":\"t2\",\"registered_at\":5,\"address\":{\"port\":1},"
                                + "\"_secret\":1,\"a.b\":2}"));

        assertThat(properties.task(t))
                .containsEntry("telemetry_at_start.cpu.percent_all", 3.5)
                .containsEntry("telemetry_at_end.gpu.0.used", 4096L)
                .containsEntry("custom_metadata.mlflow\\.runName", "bold-fox")
                .containsEntry("stdout", "ok")
                .containsEntry("stderr.lines", 2L)
                .containsEntry("tags", List.of("gpu"))
                .doesNotContainKey("_unindexed");
        assertThat(properties.task(withExtras))
                .containsEntry("registered_at", 5L)
                .containsEntry("address.port", 1L)
                .containsEntry("a\\.b", 2L)
                .containsEntry("_unindexed", List.of("_secret"))
                .doesNotContainKey("_secret");
    }

    @Test
    void keys_with_dots_are_escaped_so_they_never_collide_with_nested_keys() {
        var used = new LinkedHashMap<String, Object>();
        used.put("a.b", 1);
        used.put("a", Map.of("b", 2));
        used.put("c\\", 3);
        var out = new HashMap<String, Object>();
        properties.flatten("used", used, out);
        assertThat(out)
                .containsOnly(Map.entry("used.a\\.b", 1L), Map.entry("used.a.b", 2L), Map.entry("used.c\\\\", 3L));
    }

    @Test
    void long_std_streams_keep_their_head_and_tail() {
        String err = "start\n" + "x".repeat(50_000) + "\nCUDA out of memory";
        String stored = (String)
                properties.task(TaskEvent.builder("t").stderr(err).build()).get("stderr");
        assertThat(stored.length()).isLessThan(NodeProperties.MAX_TEXT + 200);
        assertThat(stored)
                .startsWith("start\n")
                .endsWith("\nCUDA out of memory")
                .contains("characters left out");
        assertThat(NodeProperties.bounded("short")).isEqualTo("short");
        // a surrogate pair at the cut stays whole
        String emoji = "a".repeat(NodeProperties.TEXT_HEAD - 1) + "😀" + "b".repeat(20_000);
        assertThat(NodeProperties.bounded(emoji)).contains("a").doesNotContain("\uD83D\n");
    }

    @Test
    void a_node_gets_at_most_its_bound_of_flattened_keys_the_others_listed_as_unindexed() {
        var bounded = new NodeProperties(EventCodec.shared(), 2, 100);
        var used = new LinkedHashMap<String, Object>();
        for (int i = 0; i < 150; i++) used.put("k" + i, i);
        Map<String, Object> p = bounded.task(TaskEvent.builder("t").used(used).build());
        assertThat(p).containsEntry("used.k0", 0L).containsEntry("used.k1", 1L).doesNotContainKey("used.k2");
        assertThat(p.get("_unindexed_count")).isEqualTo(148L);
        @SuppressWarnings("unchecked")
        List<String> unindexed = (List<String>) p.get("_unindexed");
        assertThat(unindexed).hasSize(NodeProperties.MAX_UNINDEXED_LISTED).startsWith("used.k2");
        // an admission refusing a key skips it; the node still takes the next ones while it has room
        Map<String, Object> q = bounded.task(TaskEvent.builder("t").used(used).build(), k -> !k.equals("used.k0"));
        assertThat(q).containsKeys("used.k1", "used.k2").doesNotContainKey("used.k0");
    }

    @Test
    void observer_counters_and_entity_attributes_get_the_same_bound_the_rest_kept_whole() throws Exception {
        var bounded = new NodeProperties(EventCodec.shared(), 2, 100);
        var counters = new LinkedHashMap<String, Object>();
        for (int i = 0; i < 150; i++) counters.put("c" + i, i);
        var report = (ObserverEvent) EventCodec.shared()
                .decodeEvent(EventCodec.shared()
                        .parse("{\"type\":\"observer\",\"observer_id\":\"o\",\"at\":1.0,\"counters\":"
                                + EventCodec.shared().toJson(counters) + "}"));
        Map<String, Object> o = bounded.observer(report, 2.0);
        assertThat(o).containsEntry("counters.c0", 0L).containsEntry("counters.c1", 1L);
        assertThat(o.keySet()).noneMatch(k -> k.equals("counters.c2"));
        assertThat(o.get("_unindexed_count")).isEqualTo(148L);
        assertThat((String) o.get("_json")).contains("\"c149\":149");

        var attributes = new LinkedHashMap<String, Object>();
        for (int i = 0; i < 150; i++) attributes.put("a" + i, i);
        attributes.put("version", "v2");
        attributes.put("_unindexed", "mine");
        Map<String, Object> e = bounded.entity("dataset", attributes);
        assertThat(e)
                .containsEntry("type", "dataset")
                .containsEntry("a0", 0L)
                .containsEntry("a1", 1L)
                .containsEntry("version", "v2")
                .doesNotContainKey("a2")
                .containsEntry("_unindexed_count", 149L);
        @SuppressWarnings("unchecked")
        Map<String, Object> rest =
                (Map<String, Object>) EventCodec.shared().parse((String) e.get(NodeProperties.ENTITY_REST));
        assertThat(rest).hasSize(149).containsEntry("a149", 149).containsEntry("_unindexed", "mine");
        assertThat(NodeProperties.entityKey("_unindexed")).isEqualTo("attr._unindexed");
        // under the bound nothing changes
        assertThat(bounded.entity("dataset", Map.of("a", 1)))
                .containsExactly(Map.entry("type", "dataset"), Map.entry("a", 1L));
    }
}

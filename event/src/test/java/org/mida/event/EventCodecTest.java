package org.mida.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private final EventCodec codec = EventCodec.shared();

    @Test
    void epoch_seconds_are_written_in_plain_notation_and_read_back_equal() throws Exception {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("started_at", 1.7145648005E9);
        m.put("small", 0.125);
        m.put("huge", 1.5E20);
        m.put("boxed", Double.valueOf(-2.5E8));
        String json = codec.mapper().writeValueAsString(m);
        assertThat(json)
                .isEqualTo("{\"started_at\":1714564800.5,\"small\":0.125,\"huge\":1.5E20,\"boxed\":-250000000}");
        var back = codec.mapper().readTree(json);
        assertThat(back.get("started_at").asDouble()).isEqualTo(1.7145648005E9);
        assertThat(back.get("boxed").asDouble()).isEqualTo(-2.5E8);
    }

    @Test
    void decodes_a_flowcept_task_with_entity_references_and_keeps_unknown_fields() {
        var d = codec.decode("""
                {"type":"task","task_id":"t1","workflow_id":"w","campaign_id":"c","activity_id":"fit",
                 "status":"FINISHED","started_at":1.5,"ended_at":3,
                 "used":{"lr":0.1,"data":{"@id":"file:///d.h5","@type":"dataset","rows":10},
                         "shards":[{"@id":"s3://b/1"},{"@id":"s3://b/2"}]},
                 "generated":{"model":{"@id":"model://m"}},
                 "dependencies":["t0"],"hostname":"h","registered_at":99,"data":{"x":1}}
                """);
        assertThat(d.rejections()).isEmpty();
        var t = (TaskEvent) d.events().get(0);
        assertThat(t.status()).isEqualTo(Status.FINISHED);
        assertThat(t.endedAt()).isEqualTo(3.0);
        assertThat(t.duration()).isEqualTo(1.5);
        assertThat(t.usedEntities())
                .extracting(EntityRef::id, EntityRef::role)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("file:///d.h5", "data"),
                        org.assertj.core.groups.Tuple.tuple("s3://b/1", "shards"),
                        org.assertj.core.groups.Tuple.tuple("s3://b/2", "shards"));
        assertThat(t.usedEntities().get(0).attributes()).containsEntry("rows", 10);
        assertThat(t.extras()).containsOnlyKeys("registered_at", "data");
        // round trip: what is encoded decodes to the same event
        var again = (TaskEvent) codec.decode(codec.encode(t)).events().get(0);
        assertThat(again).isEqualTo(t);
    }

    @Test
    void a_compact_end_telemetry_decodes_to_the_same_event_as_the_full_one() {
        String start = "{\"cpu\":{\"percent\":12.5,\"per_cpu\":[10.0,15.0]},\"memory\":{\"used\":1024}}";
        String head = "{\"type\":\"task\",\"task_id\":\"t1\",\"status\":\"FINISHED\",\"telemetry_at_start\":" + start;
        var compact = codec.decode(head + ",\"telemetry_at_end\":\"" + "=telemetry_at_start" + "\"}");
        var full = codec.decode(head + ",\"telemetry_at_end\":" + start + "}");
        assertThat(compact.rejections()).isEmpty();
        var t = (TaskEvent) compact.events().get(0);
        assertThat(t).isEqualTo(full.events().get(0));
        assertThat(t.telemetryAtEnd()).isEqualTo(t.telemetryAtStart()).containsKeys("cpu", "memory");
        // re-encoded (the stored document, a dead letter) in full, and that decodes to the same event again
        String encoded = codec.encode(t);
        assertThat(encoded)
                .doesNotContain("=telemetry_at_start")
                .isEqualTo(codec.encode(full.events().get(0)));
        assertThat(codec.decode(encoded).events()).containsExactly(t);
    }

    @Test
    void a_compact_end_telemetry_without_its_start_is_refused_with_the_reason() {
        var d = codec.decode("[{\"type\":\"task\",\"task_id\":\"a\",\"telemetry_at_end\":\"=telemetry_at_start\"},"
                + "{\"type\":\"task\",\"task_id\":\"b\",\"telemetry_at_start\":{\"x\":1},"
                + "\"telemetry_at_end\":\"=telemetry_at_end\"},{\"type\":\"task\",\"task_id\":\"c\"}]");
        assertThat(d.events()).extracting(Event::key).containsExactly("c");
        assertThat(d.rejections())
                .extracting(EventCodec.Rejection::reason)
                .containsExactly(
                        "[0] \"telemetry_at_end\" is \"=telemetry_at_start\" but the event has no"
                                + " \"telemetry_at_start\" object; send the end telemetry itself",
                        "[1] \"telemetry_at_end\" must be an object or \"=telemetry_at_start\", got the string"
                                + " \"=telemetry_at_end\"");
        assertThat(d.rejections().get(0).raw()).contains("=telemetry_at_start");
    }

    @Test
    void an_array_keeps_good_events_and_rejects_bad_ones_with_their_position() {
        var d = codec.decode("[{\"type\":\"task\",\"task_id\":\"a\"},{\"type\":\"task\",\"task_id\":5},"
                + "{\"type\":\"workflow\",\"workflow_id\":\"w\"},\"text\"]");
        assertThat(d.events()).extracting(Event::key).containsExactly("a", "w");
        assertThat(d.rejections())
                .extracting(EventCodec.Rejection::reason)
                .containsExactly(
                        "[1] \"task_id\" must be a string, got a number",
                        "[3] an event must be a JSON object, got a string");
        assertThat(d.rejections().get(0).raw()).isEqualTo("{\"type\":\"task\",\"task_id\":5}");
    }

    @Test
    void bad_input_is_rejected_with_a_reason_never_thrown() {
        for (String bad : List.of(
                "",
                "{",
                "null",
                "[]",
                "{\"type\":\"x\"}",
                "{\"type\":1,\"task_id\":\"t\"}",
                "{\"task_id\":\"t\",\"status\":\"done\"}",
                "{\"task_id\":\"t\",\"ended_at\":-1}",
                "{\"task_id\":\"t\",\"ended_at\":\"soon\"}",
                "{\"task_id\":\"t\",\"dependencies\":[1]}",
                "{\"task_id\":\"   \"}",
                "{\"task_id\":\"t\",\"used\":{\"a\":{\"@id\":\"\"}}}",
                "[".repeat(10_000) + "]".repeat(10_000),
                "{\"a\":".repeat(5000) + "1" + "}".repeat(5000))) {
            var d = codec.decode(bad);
            assertThat(d.events())
                    .as(bad.length() > 60 ? bad.substring(0, 60) : bad)
                    .isEmpty();
            assertThat(d.rejections())
                    .as(bad.length() > 60 ? bad.substring(0, 60) : bad)
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.reason()).isNotBlank());
        }
    }

    @Test
    void type_is_inferred_from_the_id_when_missing_and_iso_times_are_accepted() {
        var d = codec.decode("[{\"task_id\":\"t\",\"started_at\":\"2026-01-01T00:00:01.5Z\"},{\"workflow_id\":\"w\"}]");
        assertThat(d.events()).hasSize(2);
        assertThat(((TaskEvent) d.events().get(0)).startedAt()).isEqualTo(1767225601.5);
        assertThat(d.events().get(1)).isInstanceOf(WorkflowEvent.class);
    }

    @Test
    void encode_all_writes_an_array_the_decoder_reads_back() {
        var a = TaskEvent.builder("a")
                .status(Status.RUNNING)
                .used(Map.of("x", 1))
                .build();
        var w = WorkflowEvent.of("w", "c", "name");
        var d = codec.decode(codec.encodeAll(List.of(a, w)));
        assertThat(d.events()).containsExactly(a, w);
    }

    @Test
    void nan_and_infinities_are_kept_as_doubles_and_written_back_as_tokens_never_as_strings() {
        var d = codec.decode("""
                {"type":"task","task_id":"t","generated":{"loss":NaN,"hi":Infinity,"lo":-Infinity,"z":-0.0,
                 "deep":[[[{"x":NaN}]]]}}""");
        assertThat(d.rejections()).isEmpty();
        var g = ((TaskEvent) d.events().get(0)).generated();
        assertThat((Double) g.get("loss")).isNaN();
        assertThat(g.get("hi")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(g.get("lo")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Double.doubleToRawLongBits((Double) g.get("z"))).isEqualTo(Double.doubleToRawLongBits(-0.0));
        String wire = codec.encode(d.events().get(0));
        assertThat(wire).contains("\"loss\":NaN", "\"hi\":Infinity", "\"lo\":-Infinity", "\"z\":-0.0", "{\"x\":NaN}");
        var again = ((TaskEvent) codec.decode(wire).events().get(0)).generated();
        assertThat((Double) again.get("loss")).isNaN();
    }

    @Test
    void numbers_that_cannot_be_kept_reject_their_event_with_where_and_why() {
        var d = codec.decode("""
                [{"type":"task","task_id":"ok","used":{"x":1e308,"tiny":1e-400}},
                 {"type":"task","task_id":"over","used":{"a":{"b":[1, 1e400]}}},
                 {"type":"task","task_id":"big","custom_metadata":{"id":123456789012345678901234567890}},
                 {"type":"task","task_id":"inf","used":{"x":Infinity}},
                 {"type":"task","task_id":"neg","used":{"x":-1E+999}}]""");
        assertThat(d.events()).extracting(e -> ((TaskEvent) e).taskId()).containsExactly("ok", "inf");
        assertThat(d.rejections())
                .extracting(EventCodec.Rejection::reason)
                .satisfiesExactly(
                        r -> assertThat(r).startsWith("[1] ").contains("1E+400", "/used/a/b/1", "64-bit double"),
                        r -> assertThat(r).startsWith("[2] ").contains("/custom_metadata/id", "64 bits"),
                        r -> assertThat(r).startsWith("[4] ").contains("-1E+999"));
        assertThat(codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"used\":{\"n\":9223372036854775807}}")
                        .rejections())
                .isEmpty();
    }

    @Test
    void negative_durations_and_absurd_times_are_refused_with_a_reason() {
        assertThat(codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"started_at\":10,\"ended_at\":5}")
                        .rejections()
                        .get(0)
                        .reason())
                .contains("negative duration");
        for (String t : List.of("NaN", "-1", "253402300800", "1e300", "\"10000-01-01T00:00:00Z\""))
            assertThat(codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"ended_at\":" + t + "}")
                            .rejections())
                    .as(t)
                    .hasSize(1);
        assertThat(codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"started_at\":5,\"ended_at\":5}")
                        .events())
                .hasSize(1);
        // events from two clocks may merge into end < start: both kept, no duration
        var a = (TaskEvent) codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"started_at\":10}")
                .events()
                .get(0);
        var b = (TaskEvent) codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"ended_at\":9}")
                .events()
                .get(0);
        TaskEvent m = a.merge(b);
        assertThat(m.startedAt()).isEqualTo(10.0);
        assertThat(m.endedAt()).isEqualTo(9.0);
        assertThat(m.duration()).isNull();
    }

    private static List<String> ids(EventCodec.Decoded d) {
        return d.events().stream().map(Event::key).toList();
    }

    @Test
    void trailing_text_after_the_json_refuses_the_whole_entry_instead_of_dropping_it() {
        // before: the first array was kept and the second silently dropped, "{…} x" was accepted
        for (String entry : List.of(
                "[{\"type\":\"task\",\"task_id\":\"a\"}] [{\"type\":\"task\",\"task_id\":\"b\"}]",
                "{\"type\":\"task\",\"task_id\":\"a\"} x",
                "[{\"type\":\"task\",\"task_id\":\"a\"}]]",
                "{\"type\":\"task\",\"task_id\":\"a\"}}")) {
            var d = codec.decode(entry);
            assertThat(d.events()).as(entry).isEmpty();
            assertThat(d.rejections()).as(entry).singleElement().satisfies(r -> {
                assertThat(r.reason()).startsWith("not valid JSON");
                assertThat(r.raw()).isEqualTo(entry);
            });
        }
    }

    @Test
    void an_element_the_parser_refuses_is_refused_alone_and_its_neighbours_are_kept() {
        String deep = "[".repeat(300) + "]".repeat(300);
        var d = codec.decode("[{\"type\":\"task\",\"task_id\":\"a\"},"
                + "{\"type\":\"task\",\"task_id\":\"b\",\"used\":{\"\\udc00\":1}},"
                + "{\"type\":\"task\",\"task_id\":\"c\",\"used\":{\"x\":" + deep + "}},"
                + "{\"type\":\"task\",\"task_id\":\"d\",\"used\":{\"" + "k".repeat(60_000) + "\":1}},"
                + " {\"type\":\"task\",\"task_id\":\"e\",\"s\":\"],[{\\\"\"} ]");
        assertThat(ids(d)).containsExactly("a", "e");
        assertThat(d.rejections()).extracting(EventCodec.Rejection::index).containsExactly(1, 2, 3);
        assertThat(d.rejections()).allSatisfy(r -> assertThat(r.reason()).matches("\\[\\d] not valid JSON: .+"));
        assertThat(d.rejections().get(0).raw()).contains("\"task_id\":\"b\"");
    }

    @Test
    void an_array_that_cannot_be_told_apart_is_still_refused_whole() {
        for (String entry : List.of(
                "[{\"type\":\"task\",\"task_id\":\"a\"},{\"type\":\"task\",\"task_id\":\"b",
                "[{\"type\":\"task\",\"task_id\":\"a\"},,{\"used\":{\"\\udc00\":1}}]",
                "[{\"type\":\"task\",\"task_id\":\"a\"}}, {\"used\":{\"\\udc00\":1}}]",
                "[" + "[".repeat(300))) {
            var d = codec.decode(entry);
            assertThat(d.events()).as(entry).isEmpty();
            assertThat(d.rejections())
                    .as(entry)
                    .singleElement()
                    .satisfies(r -> assertThat(r.index()).isNull());
        }
    }

    @Test
    void what_the_graph_cannot_index_or_name_is_refused_at_the_edge() {
        // before: accepted, then refused by Neo4j at write time ("Property value is too large to index",
        // "'' is not a valid token name"): a 202 for POST and a "refused by the graph store" dead letter
        String emoji = "\ud83d\ude00".repeat(2048); // 4,096 characters, 16 KB in UTF-8
        for (String used : List.of(
                "{\"d\":{\"@id\":\"" + emoji + "\"}}",
                "{\"d\":{\"@id\":\"e\",\"\":1}}",
                "{\"d\":[{\"@id\":\"e\",\"a\\u0000b\":1}]}")) {
            var d = codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"used\":" + used + "}");
            assertThat(d.events()).as(used).isEmpty();
            assertThat(d.rejections().get(0).reason()).as(used).containsAnyOf("bytes in UTF-8", "attribute names");
        }
        var longActivity =
                codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"activity_id\":\"" + "a".repeat(1025) + "\"}");
        assertThat(longActivity.rejections().get(0).reason()).contains("\"activity_id\" is longer than 1024");
        // at the bounds: kept
        var ok = codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"activity_id\":\"" + "\u7530".repeat(1024)
                + "\",\"used\":{\"d\":{\"@id\":\"" + "\u7530".repeat(2048) + "\",\"a.b\":1,\"`\":2}}}");
        assertThat(ok.rejections()).isEmpty();
        assertThat(EntityRef.utf8Length("a\u00e9\u7530\ud83d\ude00\ud800")).isEqualTo(1 + 2 + 3 + 4 + 3);
    }

    @Test
    void a_refused_element_with_a_shared_start_telemetry_is_dead_lettered_with_the_snapshot_itself() throws Exception {
        var d = codec.decode(
                "[{\"type\":\"task\",\"task_id\":\"t1\",\"telemetry_at_start\":{\"cpu\":{\"percent\":7.5}}},"
                        + "{\"type\":\"task\",\"task_id\":\"t2\",\"status\":\"DONE\",\"telemetry_at_start\":\"=[0]\"}]");
        assertThat(d.events()).hasSize(1);
        assertThat(d.rejections()).hasSize(1);
        String raw = d.rejections().get(0).raw();
        assertThat(raw).doesNotContain("=[0]").contains("\"telemetry_at_start\":{\"cpu\":{\"percent\":7.5}}");
        // replayable alone: the same reason, nothing about a marker
        var alone = codec.decode(raw);
        assertThat(alone.rejections())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).startsWith("unknown \"status\""));
    }

    @Test
    void shared_start_telemetry_is_resolved_when_the_parser_refuses_the_entry_and_elements_are_parsed_alone() {
        String deep = "[".repeat(EventCodec.MAX_NESTING_DEPTH + 5) + "]".repeat(EventCodec.MAX_NESTING_DEPTH + 5);
        var d = codec.decode(
                "[{\"type\":\"task\",\"task_id\":\"t1\",\"telemetry_at_start\":{\"cpu\":{\"percent\":7.5}}},"
                        + "{\"type\":\"task\",\"task_id\":\"t2\",\"telemetry_at_start\":\"=[0]\"},"
                        + "{\"type\":\"task\",\"task_id\":\"t3\",\"telemetry_at_start\":{\"x\":" + deep + "}},"
                        + "{\"type\":\"task\",\"task_id\":\"t4\",\"telemetry_at_start\":\"=[2]\"}]");
        assertThat(d.events()).extracting(e -> ((TaskEvent) e).taskId()).containsExactly("t1", "t2");
        assertThat(((TaskEvent) d.events().get(1)).telemetryAtStart()).isEqualTo(Map.of("cpu", Map.of("percent", 7.5)));
        assertThat(d.rejections()).extracting(EventCodec.Rejection::index).containsExactly(2, 3);
        assertThat(d.rejections().get(1).reason())
                .isEqualTo("[3] \"telemetry_at_start\" is \"=[2]\", but element 2 is not valid JSON; send the"
                        + " snapshot itself");
    }

    @Test
    void the_shared_telemetry_marker_is_spelt_equals_bracket_index_bracket() {
        assertThat(EventCodec.sharedTelemetry(0)).isEqualTo("=[0]");
        assertThat(EventCodec.sharedTelemetry(412)).isEqualTo("=[412]");
        assertThat(EventCodec.sharedTelemetryIndex("=[412]")).isEqualTo(412);
        for (String notOne :
                List.of("=[]", "=[01]", "=[-1]", "=[1", "=1]", "=[1 ]", "=[1234567890]", "=telemetry_at_start"))
            assertThat(EventCodec.sharedTelemetryIndex(notOne)).as(notOne).isEqualTo(-1);
    }
}

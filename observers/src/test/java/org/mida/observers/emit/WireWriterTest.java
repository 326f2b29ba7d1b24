package org.mida.observers.emit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.observers.sdk.Ids;

/**
 * The emitter's direct writer must write what the codec writes: the same text, but for epoch-sized
 * doubles, whose digits may be the shorter ones of Jackson's Schubfach writer (the same double), and (by
 * default) an end telemetry that is the start's snapshot, written {@code "=telemetry_at_start"}, which the
 * codec decodes to the same event.
 */
class WireWriterTest {

    /** Without the compact end telemetry: the codec's own text. */
    private final WireWriter writer = new WireWriter(false);

    private final WireWriter compact = new WireWriter();
    private final EventCodec codec = EventCodec.shared();

    private void assertSameAsCodec(List<? extends Event> events) throws Exception {
        assertThat(writer.array(events)).isEqualTo(codec.encodeAll(events));
    }

    /** The same JSON values, keys in the same order (numbers compared as the doubles they read as). */
    @SuppressWarnings("unchecked")
    private void assertSameValuesAsCodec(List<? extends Event> events) throws Exception {
        var ours = (List<Map<String, Object>>) codec.parse(writer.array(events));
        var theirs = (List<Map<String, Object>>) codec.parse(codec.encodeAll(events));
        assertThat(ours).isEqualTo(theirs);
        for (int i = 0; i < ours.size(); i++)
            assertThat(new ArrayList<>(ours.get(i).keySet()))
                    .containsExactlyElementsOf(theirs.get(i).keySet());
    }

    @Test
    void a_task_event_with_every_field_is_written_as_the_codec_writes_it() throws Exception {
        var nested = new LinkedHashMap<String, Object>();
        nested.put("list", List.of(1, 2L, 3.5, "x", true));
        nested.put("null", null);
        nested.put("deep", Map.of("k", List.of(Map.of("a", 1e300))));
        var used = new LinkedHashMap<String, Object>();
        used.put("lr", 0.01);
        used.put("n", 42);
        used.put("big", 12_345_678_901L);
        used.put("epoch", 1_764_219_912.123456);
        used.put("data", Map.of("@id", "file:///d.csv", "@type", "dataset"));
        used.put("nested", nested);
        used.put("nan", Double.NaN);
        used.put("inf", Double.NEGATIVE_INFINITY);
        used.put("float", 1.5f);
        used.put("decimal", new BigDecimal("3.14159265358979323846"));
        used.put("bigint", new BigInteger("123456789012345678901234567890"));
        used.put("text", "quote \" backslash \\ newline \n tab \t unicode é ✓ \u0001 😀");
        var cpu = CachedJsonMap.of(Map.of("percent", 12.5, "per_core", List.of(10.0, 15.0)));
        var telemetry = new LinkedHashMap<String, Object>();
        telemetry.put("cpu", cpu);
        telemetry.put("memory", CachedJsonMap.of(Map.of("total", 1L << 34)));
        telemetry.put("sampled_at", 1_764_219_912.5);
        TaskEvent e = TaskEvent.builder("t-1")
                .workflowId("wf")
                .campaignId("c")
                .activityId("train")
                .status(Status.FINISHED)
                .submittedAt(1_764_219_912.0)
                .startedAt(1_764_219_912.000001)
                .endedAt(1e7)
                .used(used)
                .generated(Map.of("result", 0.25))
                .dependencies(List.of("a", "b"))
                .parentTaskId("p")
                .groupId("g")
                .subtype("s")
                .adapterId("java-sdk")
                .hostname("h")
                .nodeName("n")
                .loginName("l")
                .user("u")
                .telemetryAtStart(telemetry)
                .telemetryAtEnd(telemetry)
                .stdout(List.of("line 1", "line 2"))
                .stderr("boom")
                .customMetadata(Map.of("k", "v"))
                .tags(List.of("x", "y"))
                .build();
        assertSameValuesAsCodec(List.of(e));
    }

    @Test
    void sparse_events_of_every_type_are_written_as_the_codec_writes_them() throws Exception {
        var events = new ArrayList<Event>();
        events.add(TaskEvent.builder("only-id").build());
        events.add(TaskEvent.builder("extras")
                .status(Status.RUNNING)
                .extras(Map.of("status", "shadowed", "custom_field", Map.of(1, "non-string key")))
                .build());
        events.add(TaskEvent.builder("non-string-keys")
                .used(new LinkedHashMap<>(Map.of("m", Map.of(7, "seven"))))
                .build());
        events.add(new WorkflowEvent(
                "wf",
                "c",
                "name",
                null,
                "java-sdk",
                "u",
                null,
                Map.of("hostname", "h"),
                null,
                Map.of(),
                null,
                Map.of(),
                1_764_219_912.25,
                null,
                Status.RUNNING,
                null));
        events.add(new ObserverEvent(
                "obs-1",
                1_764_219_912.5,
                "n",
                "mlflow",
                "running",
                "h",
                "1",
                42L,
                null,
                null,
                5.0,
                null,
                null,
                null,
                Map.of("emitted", 3L),
                Map.of(),
                Map.of()));
        assertSameAsCodec(events);
        assertSameAsCodec(List.of());
    }

    @Test
    void a_snapshot_that_carries_its_own_text_is_written_as_that_text_and_as_the_codec_writes_it() throws Exception {
        var sections = new LinkedHashMap<String, Object>();
        sections.put("cpu", CachedJsonMap.of(Map.of("percent", 1.5)));
        sections.put("gpu", List.of(Map.of("index", 0)));
        sections.put("sampled_at", 1_764_219_912.5);
        CachedJsonMap snapshot = CachedJsonMap.of(sections);
        var events = new ArrayList<Event>();
        for (int i = 0; i < 3; i++)
            events.add(TaskEvent.builder("t" + i)
                    .telemetryAtStart(snapshot)
                    .telemetryAtEnd(i == 2 ? sections : snapshot)
                    .build());
        assertThat(((TaskEvent) events.get(0)).telemetryAtStart()).isSameAs(snapshot); // kept, not copied
        assertSameValuesAsCodec(events);
        assertThat(writer.array(events)).contains("\"telemetry_at_start\":" + snapshot.json());
    }

    @Test
    void events_sharing_a_telemetry_snapshot_and_events_with_a_new_one_each_get_their_own() throws Exception {
        var snapshot1 = new LinkedHashMap<String, Object>();
        snapshot1.put("cpu", CachedJsonMap.of(Map.of("percent", 1.0)));
        snapshot1.put("sampled_at", 1_764_219_912.5);
        var snapshot2 = new LinkedHashMap<String, Object>(snapshot1);
        snapshot2.put("cpu", CachedJsonMap.of(Map.of("percent", 2.0)));
        var mutable = new LinkedHashMap<String, Object>(Map.of("percent", 3.0));
        var snapshot3 = new LinkedHashMap<String, Object>(snapshot1);
        snapshot3.put("cpu", mutable);
        var events = new ArrayList<Event>();
        for (var snap : List.of(snapshot1, snapshot1, snapshot2, snapshot1, snapshot3))
            events.add(TaskEvent.builder("t" + events.size())
                    .telemetryAtStart(snap)
                    .telemetryAtEnd(snap)
                    .build());
        assertSameValuesAsCodec(events);
        assertThat(writer.array(events)).contains("\"percent\":2.0").contains("\"percent\":3.0");
        mutable.put("percent", 4.0); // a section that is not a cached one is written as it is now
        TaskEvent later = TaskEvent.builder("t5").telemetryAtStart(snapshot3).build();
        assertThat(writer.array(List.of(later))).contains("\"percent\":4.0");
    }

    @Test
    void an_end_telemetry_that_is_the_start_snapshot_is_written_compact_and_decodes_to_the_same_events()
            throws Exception {
        var cpu = CachedJsonMap.of(Map.of("percent", 1.0, "per_cpu", List.of(1.0, 2.0)));
        var shared = new LinkedHashMap<String, Object>(); // copied by each event: same keys, same sections
        shared.put("cpu", cpu);
        shared.put("sampled_at", 1_764_219_912.5);
        var equalButOther = new LinkedHashMap<String, Object>(shared);
        equalButOther.put("cpu", CachedJsonMap.of(Map.of("percent", 1.0, "per_cpu", List.of(1.0, 2.0))));
        var mutable = new LinkedHashMap<String, Object>(Map.of("percent", 3.0));
        var withMutable = new LinkedHashMap<String, Object>(shared);
        withMutable.put("cpu", mutable);
        CachedJsonMap snapshot = CachedJsonMap.of(shared);
        CachedJsonMap sameText = CachedJsonMap.of(shared);
        Map<String, Object>[][] pairs = new Map[][] {
            {snapshot, snapshot}, // compact: one object
            {shared, shared}, // compact: both copies hold the same keys and immutable sections
            {shared, equalButOther}, // equal values, other objects: in full
            {withMutable, withMutable}, // a section that may change: in full
            {snapshot, sameText}, // equal text, other snapshots: in full, never a guess
            {null, snapshot}, // no start: in full
            {snapshot, null},
            {Map.of(), snapshot},
        };
        var events = new ArrayList<Event>();
        for (var p : pairs)
            events.add(TaskEvent.builder("t" + events.size())
                    .status(Status.FINISHED)
                    .telemetryAtStart(p[0])
                    .telemetryAtEnd(p[1])
                    .build());

        String text = compact.array(events);
        var decoded = codec.decode(text);
        assertThat(decoded.rejections()).isEmpty();
        assertThat(decoded.events())
                .isEqualTo(codec.decode(writer.array(events)).events());
        assertThat(decoded.events()).isEqualTo(events);
        @SuppressWarnings("unchecked")
        var raw = (List<Map<String, Object>>) codec.parse(text);
        var compactOnes = new ArrayList<String>();
        for (var m : raw)
            if ("=telemetry_at_start".equals(m.get("telemetry_at_end"))) compactOnes.add((String) m.get("task_id"));
        assertThat(compactOnes).containsExactly("t0", "t1");
        assertThat(text.length()).isLessThan(writer.array(events).length());
        // a second entry with the same snapshots: the same decisions
        assertThat(codec.decode(compact.array(events)).events()).isEqualTo(events);
        mutable.put("percent", 4.0);
        TaskEvent later = TaskEvent.builder("t9")
                .telemetryAtStart(withMutable)
                .telemetryAtEnd(withMutable)
                .build();
        assertThat(compact.array(List.of(later))).contains("\"percent\":4.0").doesNotContain("=telemetry_at_start");
    }

    @Test
    void
            a_start_snapshot_already_written_in_full_in_the_entry_is_written_as_its_element_and_decodes_to_the_same_events()
                    throws Exception {
        var sections = new LinkedHashMap<String, Object>();
        sections.put("cpu", CachedJsonMap.of(Map.of("percent", 1.0)));
        sections.put("sampled_at", 1_764_219_912.5);
        CachedJsonMap sampled = CachedJsonMap.of(sections); // the sampler's snapshot: kept by every event
        var copied = new LinkedHashMap<String, Object>(sections); // copied by each event: same keys, same sections
        copied.put("memory", CachedJsonMap.of(Map.of("used", 1L << 34)));
        var mutable = new LinkedHashMap<String, Object>(sections);
        mutable.put("cpu", new LinkedHashMap<>(Map.of("percent", 3.0))); // may change: never shared
        var events = new ArrayList<Event>();
        events.add(TaskEvent.builder("t0")
                .status(Status.RUNNING)
                .telemetryAtStart(sampled)
                .build()); // [0] full
        events.add(WorkflowEvent.of("wf", null, null)); // [1]
        events.add(TaskEvent.builder("t2")
                .status(Status.FINISHED)
                .telemetryAtStart(sampled)
                .telemetryAtEnd(sampled)
                .build()); // =[0], end =telemetry_at_start
        events.add(TaskEvent.builder("t3").telemetryAtStart(copied).build()); // [3] full
        events.add(TaskEvent.builder("t4")
                .telemetryAtStart(copied)
                .telemetryAtEnd(copied)
                .build()); // =[3]
        events.add(TaskEvent.builder("t5").telemetryAtStart(sampled).build()); // =[0]
        events.add(TaskEvent.builder("t6").telemetryAtStart(mutable).build()); // full
        events.add(TaskEvent.builder("t7").telemetryAtStart(mutable).build()); // full: a section that may change
        events.add(TaskEvent.builder("t8")
                .telemetryAtStart(CachedJsonMap.of(sections))
                .build()); // equal, other: full

        String text = compact.array(events);
        var decoded = codec.decode(text);
        assertThat(decoded.rejections()).isEmpty();
        assertThat(decoded.events()).isEqualTo(events);
        @SuppressWarnings("unchecked")
        var raw = (List<Map<String, Object>>) codec.parse(text);
        assertThat(raw)
                .extracting(m -> m.get("telemetry_at_start") instanceof String s ? s : "full")
                .containsExactly("full", "full", "=[0]", "full", "=[3]", "=[0]", "full", "full", "full");
        assertThat(raw.get(1)).doesNotContainKey("telemetry_at_start"); // the workflow event counts as an element
        assertThat(raw.get(2).get("telemetry_at_end")).isEqualTo("=telemetry_at_start");
        assertThat(raw.get(4).get("telemetry_at_end")).isEqualTo("=telemetry_at_start");
        // off: the codec's own text
        assertThat(writer.array(events)).doesNotContain("\"=[");
        assertThat(text.length()).isLessThan(writer.array(events).length());
        // each entry stands alone: the next one writes the snapshot in full again
        String next = compact.array(events.subList(2, 3));
        assertThat(next).doesNotContain("\"=[");
        assertThat(codec.decode(next).events()).containsExactly(events.get(2));
    }

    @Test
    void ids_host_and_user_repeated_or_changing_from_event_to_event_are_escaped_as_the_codec_escapes_them()
            throws Exception {
        String odd = "wf \" \\ \n \u0001 é ✓ 😀 </script>";
        String[] workflows = {"wf-1", odd, odd, new String(odd), "wf-1", "wf-2"};
        var events = new ArrayList<Event>();
        for (int i = 0; i < workflows.length; i++)
            events.add(TaskEvent.builder("t" + i)
                    .workflowId(workflows[i])
                    .campaignId(i % 2 == 0 ? "c" : odd)
                    .activityId(i % 3 == 0 ? "inc" : "dou\"ble")
                    .adapterId("java-sdk")
                    .hostname(i < 3 ? "h\u00e9" : "h2")
                    .user(i == 4 ? null : "u\t")
                    .build());
        assertSameAsCodec(events);
        assertSameAsCodec(events.subList(2, 5)); // a new entry starts with what the last one ended with
        // runs of constant fields (obs19) with some of them absent, and values without surrogates that need escaping
        String quoted = "wf \" \\ \n \u0001 é ✓ </script>";
        var sparse = new ArrayList<Event>();
        for (int i = 0; i < 8; i++)
            sparse.add(TaskEvent.builder("s" + i)
                    .workflowId(i % 4 == 0 ? null : i % 4 == 1 ? quoted : "wf")
                    .campaignId(i % 2 == 0 ? "c" : null)
                    .activityId(i % 3 == 0 ? null : "inc")
                    .adapterId(i < 4 ? null : "java-sdk")
                    .hostname(i % 5 == 0 ? null : quoted)
                    .build());
        assertSameAsCodec(sparse);
        sparse.add(TaskEvent.builder("bare").build()); // no run field at all
        assertSameAsCodec(sparse);
    }

    @Test
    void a_snapshot_with_the_same_sections_under_other_keys_is_not_taken_for_the_last_one() throws Exception {
        var cpu = CachedJsonMap.of(Map.of("percent", 1.0));
        var memory = CachedJsonMap.of(Map.of("total", 2L));
        var a = new LinkedHashMap<String, Object>();
        a.put("cpu", cpu);
        a.put("memory", memory);
        var swapped = new LinkedHashMap<String, Object>();
        swapped.put("cpu", memory);
        swapped.put("memory", cpu);
        var renamed = new LinkedHashMap<String, Object>();
        renamed.put("cpu", cpu);
        renamed.put("mem", memory);
        var events = new ArrayList<Event>();
        for (var snap : List.of(a, swapped, a, renamed, a))
            events.add(TaskEvent.builder("t" + events.size())
                    .telemetryAtStart(snap)
                    .build());
        assertSameAsCodec(events);
    }

    @Test
    void epoch_sized_doubles_are_in_plain_notation_and_read_back_as_the_same_double() {
        var rnd = new Random(42);
        var samples = new ArrayList<Double>(List.of(1e7, -1e7, 9_999_999.999999998, 1e16 - 2, 1_764_219_912.0));
        for (int i = 0; i < 200_000; i++) {
            double mag = Math.pow(10, 7 + rnd.nextDouble() * 9);
            double d = rnd.nextBoolean() ? mag : Math.round(mag * 1e6) / 1e6;
            samples.add(rnd.nextInt(10) == 0 ? -d : d);
        }
        for (double d : samples) {
            double a = Math.abs(d);
            if (a < 1e7 || a >= 1e16) continue;
            String p = WireWriter.plain(d);
            assertThat(p).as("%s", d).matches("-?[0-9]+(\\.[0-9]+)?");
            assertThat(Double.parseDouble(p)).as(p).isEqualTo(d);
            assertThat(p.length())
                    .as(p)
                    .isLessThanOrEqualTo(BigDecimal.valueOf(d).toPlainString().length());
        }
    }

    @Test
    void epoch_digits_from_the_bits_are_the_shortest_and_read_back_as_the_same_double() {
        var rnd = new Random(7);
        var samples = new ArrayList<Double>(List.of(
                1e7,
                1e7 + 0.5,
                0x1p52 - 0.5,
                1_764_219_912.0,
                1_764_219_912.5,
                1_764_219_912.123456789,
                99_999_999.99));
        for (int i = 0; i < 300_000; i++) {
            long sec = 1_700_000_000L + rnd.nextInt(200_000_000);
            samples.add(sec + rnd.nextInt(1_000_000_000) / 1e9); // as Values.now() makes them
            samples.add(sec + rnd.nextInt(1_000) / 1e3);
            samples.add(sec + rnd.nextInt(1_000_000) / 1e6);
            samples.add(Math.pow(10, 7 + rnd.nextDouble() * 8.6) * (rnd.nextInt(10) == 0 ? -1 : 1));
        }
        var buf = new char[32];
        int fast = 0;
        for (double d : samples) {
            int len = WireWriter.plainDigits(d, buf);
            if (len < 0) continue;
            fast++;
            String p = new String(buf, 0, len);
            assertThat(p).as("%s", d).matches("-?[0-9]+(\\.[0-9]*[1-9])?");
            assertThat(Double.parseDouble(p)).as(p).isEqualTo(d);
            String schubfach = WireWriter.plainSchubfach(d);
            assertThat(p.length()).as("%s vs %s", p, schubfach).isLessThanOrEqualTo(schubfach.length());
            // same length: the same digits (the nearest decimal of the shortest length)
            if (p.length() == schubfach.length()) assertThat(p).isEqualTo(schubfach);
        }
        assertThat(fast).as("epoch times take the shortcut").isGreaterThan(samples.size() * 9 / 10);
        // the integer part's digits kept from time to time: the same text, in order and shuffled
        var cache = new WireWriter.IntegerDigits();
        var cached = new char[32];
        var sorted = new ArrayList<>(samples);
        sorted.sort(null);
        for (var list : List.of(sorted, samples))
            for (double d : list) {
                int len = WireWriter.plainDigits(d, buf);
                assertThat(WireWriter.plainDigits(d, cached, cache)).isEqualTo(len);
                if (len > 0) assertThat(new String(cached, 0, len)).isEqualTo(new String(buf, 0, len));
            }
    }

    @Test
    void task_ids_of_this_process_are_copied_and_others_escaped_as_the_codec_does() throws Exception {
        var events = new ArrayList<Event>();
        for (String id : List.of(
                Ids.next(),
                Ids.next() + "x",
                Ids.prefix() + "12\"",
                Ids.prefix() + "99999999999999999999",
                Ids.prefix(),
                "t\u00e9-1",
                "plain-7"))
            events.add(TaskEvent.builder(id).startedAt(1_764_219_912.25).build());
        assertSameAsCodec(events);
    }

    @Test
    void maps_walked_once_nest_grow_and_fall_back_for_other_keys_as_the_codec_writes_them() throws Exception {
        var wide = new LinkedHashMap<String, Object>();
        for (int i = 0; i < 100; i++)
            wide.put("k" + i, i % 3 == 0 ? Map.of("inner" + i, List.of(i, Map.of("x", i))) : i);
        var otherKeys = new LinkedHashMap<Object, Object>();
        otherKeys.put(1, "one");
        otherKeys.put("two", 2);
        var used = new LinkedHashMap<String, Object>();
        used.put("wide", wide);
        used.put("after", "x");
        @SuppressWarnings("unchecked")
        Map<String, Object> odd = (Map<String, Object>) (Map<?, ?>) Map.of("m", otherKeys);
        var events = new ArrayList<Event>();
        for (int r = 0; r < 3; r++) { // the scratch stack is reused from entry to entry
            events.add(TaskEvent.builder("wide-" + r)
                    .used(used)
                    .generated(Map.of("result", r))
                    .build());
            events.add(TaskEvent.builder("odd-" + r)
                    .used(odd)
                    .customMetadata(Map.of("a", Map.of("b", r)))
                    .build());
        }
        assertSameAsCodec(events);
        assertSameAsCodec(events);
    }
}

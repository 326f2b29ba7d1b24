package org.mida.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 15 (obs15c): an event keeps a map that cannot change instead of copying it per event. */
class FrozenMapTest {

    @Test
    void anEventKeepsAnImmutableMapAsItIsAndCopiesAMutableOne() {
        Map<String, Object> ofMap = Map.of("x", 1, "y", 2);
        Map<String, Object> one = Map.of("cpu", 1);
        var mutable = new LinkedHashMap<String, Object>(Map.of("lr", 0.1));
        TaskEvent e = TaskEvent.builder("t")
                .used(ofMap)
                .generated(mutable)
                .telemetryAtStart(one)
                .build();
        assertThat(e.used()).isSameAs(ofMap);
        assertThat(e.telemetryAtStart()).isSameAs(one);
        assertThat(e.generated()).isNotSameAs(mutable).isInstanceOf(FrozenMap.class);
        mutable.put("later", 2); // the caller's map changes: the event does not
        assertThat(e.generated()).containsOnlyKeys("lr");
        assertThatThrownBy(() -> e.generated().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> e.generated().entrySet().iterator().next().setValue(3))
                .isInstanceOf(UnsupportedOperationException.class);
        // an event made from an event's maps does not copy them again
        TaskEvent again = TaskEvent.builder("t2").generated(e.generated()).build();
        assertThat(again.generated()).isSameAs(e.generated());
    }

    @Test
    void aCopyKeepsTheOrderAndTheEqualityOfAnyMapAndTheWireTextIsUnchanged() {
        var ordered = new LinkedHashMap<String, Object>();
        for (String k : List.of("z", "a", "m", "b")) ordered.put(k, k.length());
        Map<String, Object> copy = FrozenMap.copyOf(ordered);
        assertThat(copy.keySet()).containsExactly("z", "a", "m", "b");
        assertThat(copy).isEqualTo(ordered).hasSameHashCodeAs(ordered);
        assertThat(FrozenMap.copyOf(copy)).isSameAs(copy);
        assertThat(FrozenMap.copyOf(null)).isEmpty();
        var codec = EventCodec.shared();
        TaskEvent e = TaskEvent.builder("t").used(ordered).build();
        assertThat(codec.encode(e)).contains("\"used\":{\"z\":1,\"a\":1,\"m\":1,\"b\":1}");
        assertThat(codec.decode(codec.encode(e)).events()).containsExactly(e);
    }
    /**
     * Issue 15 (obs18): events check their references without extracting them; a frozen copy of plain
     * values is checked once, one holding a map or a list every time (its contents may still change).
     */
    @Test
    void referencesAreCheckedAsExtractChecksThemAndAPlainFrozenCopyOnlyOnce() {
        // the same refusals as extract, for every kind of bad reference, at the top and in a list
        List<Map<String, Object>> bad = List.of(
                Map.of("m", Map.of("@id", 42)),
                Map.of("m", List.of(1, Map.of("@id", " "))),
                Map.of("m", Map.of("@id", "x", "@type", 3)),
                Map.of("m", Map.of("@id", "x".repeat(EntityRef.MAX_ID_LENGTH + 1))),
                Map.of("m", Map.of("@id", "x", "", 1)));
        for (Map<String, Object> m : bad) {
            String expected = catchMessage(() -> EntityRef.extract(m));
            assertThat(expected).isNotNull();
            assertThat(catchMessage(() -> EntityRef.validate(m))).isEqualTo(expected);
            assertThat(catchMessage(() -> TaskEvent.builder("t").used(m).build()))
                    .isEqualTo(expected);
            assertThat(catchMessage(() -> TaskEvent.builder("t")
                            .generated(FrozenMap.copyOf(new LinkedHashMap<>(m)))
                            .build()))
                    .isEqualTo(expected);
        }
        // a copy of plain values: checked once, then every event takes it as it is
        var plain = (FrozenMaps.Copy) FrozenMap.copyOf(new LinkedHashMap<>(Map.of("lr", 0.1, "n", 3)));
        assertThat(plain.plainValues).isFalse();
        TaskEvent.builder("t1").used(plain).build();
        assertThat(plain.plainValues).isTrue();
        assertThat(TaskEvent.builder("t2").used(plain).build().used()).isSameAs(plain);
        // a copy holding a list: its list may change (shallow freeze), so every event checks it again
        var refs = new java.util.ArrayList<Object>(List.of(Map.of("@id", "file:///a")));
        var withList = (FrozenMaps.Copy) FrozenMap.copyOf(new LinkedHashMap<>(Map.of("inputs", refs)));
        TaskEvent.builder("t3").used(withList).build();
        assertThat(withList.plainValues).isFalse();
        refs.add(Map.of("@id", 7));
        assertThatThrownBy(() -> TaskEvent.builder("t4").used(withList).build())
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("must be a string");
    }

    /**
     * Issue 15 (16th session): a decoded event's {@code used}/{@code generated} are the maps the codec parsed,
     * and the references its validation built are the ones every later ask gets (before, each ask, and each
     * merged event, built them again); a merge whose later event repeats the earlier's map keeps that map.
     * Maps a caller built and may still change are checked and extracted afresh, as before.
     */
    @Test
    void aDecodedEventKeepsItsReferencesAndAMergeThatAddsNothingKeepsItsMap() {
        var codec = EventCodec.shared();
        String used = "{\"lr\":0.1,\"in\":{\"@id\":\"file:///a\",\"@type\":\"dataset\",\"rows\":3},"
                + "\"more\":[{\"@id\":\"file:///b\"},2]}";
        var events = codec.decode("[{\"type\":\"task\",\"task_id\":\"t\",\"status\":\"RUNNING\",\"used\":" + used
                        + "},{\"type\":\"task\",\"task_id\":\"t\",\"status\":\"FINISHED\",\"used\":" + used
                        + ",\"generated\":{\"out\":{\"@id\":\"file:///c\"}}}]")
                .events();
        var running = (TaskEvent) events.get(0);
        var finished = (TaskEvent) events.get(1);
        List<EntityRef> refs = running.usedEntities();
        assertThat(refs)
                .extracting(EntityRef::id, EntityRef::role)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("file:///a", "in"),
                        org.assertj.core.groups.Tuple.tuple("file:///b", "more"));
        assertThat(refs.get(0).attributes()).containsExactly(Map.entry("rows", 3));
        assertThat(running.usedEntities()).isSameAs(refs);
        assertThatThrownBy(() -> refs.add(refs.get(0))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> refs.get(0).attributes().put("x", 1))
                .isInstanceOf(UnsupportedOperationException.class);
        // the merged event takes the RUNNING's map (the FINISHED's adds nothing) and so its references
        TaskEvent merged = running.merge(finished);
        assertThat(merged.used()).isSameAs(running.used());
        assertThat(merged.usedEntities()).isSameAs(refs);
        assertThat(merged.generatedEntities()).isSameAs(finished.generatedEntities());
        assertThat(merged.generatedEntities()).extracting(EntityRef::id).containsExactly("file:///c");
        // a later event that changes a value: merged as before, the later value wins
        var changed = (TaskEvent) codec.decode("{\"type\":\"task\",\"task_id\":\"t\",\"used\":{\"lr\":0.2}}")
                .events()
                .get(0);
        TaskEvent again = running.merge(changed);
        assertThat(again.used()).isNotSameAs(running.used()).containsEntry("lr", 0.2);
        assertThat(again.used().keySet()).containsExactly("lr", "in", "more");
        assertThat(again.usedEntities()).isEqualTo(refs);
        // a map the caller built: a new list each time, as before
        var mine = new LinkedHashMap<String, Object>(Map.of("in", Map.of("@id", "file:///a")));
        TaskEvent built = TaskEvent.builder("t2").used(mine).build();
        assertThat(built.usedEntities()).isNotSameAs(built.usedEntities()).isEqualTo(built.usedEntities());
        // decodeEvent of a caller's map does not adopt it
        var raw = new LinkedHashMap<String, Object>(Map.of("type", "task", "task_id", "t3", "used", mine));
        var fromMap = (TaskEvent) codec.decodeEvent(raw);
        mine.put("late", Map.of("@id", "file:///z"));
        assertThat(fromMap.usedEntities()).extracting(EntityRef::id).containsExactly("file:///a");
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
            return null;
        } catch (InvalidEventException e) {
            return e.getMessage();
        }
    }
}

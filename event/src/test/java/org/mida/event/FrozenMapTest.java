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

    private static String catchMessage(Runnable r) {
        try {
            r.run();
            return null;
        } catch (InvalidEventException e) {
            return e.getMessage();
        }
    }
}

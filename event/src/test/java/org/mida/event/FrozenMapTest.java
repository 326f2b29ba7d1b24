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
}

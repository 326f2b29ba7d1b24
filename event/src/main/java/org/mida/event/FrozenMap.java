package org.mida.event;

import java.util.Map;

/**
 * A map that never changes once built. An event keeps a {@code FrozenMap} it is given as it is, where
 * it copies any other map (issue 15: a telemetry snapshot or an observer's {@code used} map shared by
 * many events was copied into every one of them). Implementations promise that their entries never
 * change; like the events' own copies, the promise is shallow (a value that is itself a mutable
 * container is the caller's to leave alone, as before).
 *
 * <pre>{@code
 * Map<String, Object> used = FrozenMap.copyOf(Map.of("x", 1));   // kept by every event it goes into
 * }</pre>
 */
public interface FrozenMap extends Map<String, Object> {

    /**
     * {@code m} itself when it is already immutable (a {@code FrozenMap}, or a map of {@code Map.of} /
     * {@code Map.copyOf}), else an unmodifiable copy in {@code m}'s iteration order; empty for null.
     */
    static Map<String, Object> copyOf(Map<String, ?> m) {
        return FrozenMaps.copyOf(m);
    }
}

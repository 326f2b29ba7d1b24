package org.mida.observers.emit;

import com.fasterxml.jackson.core.io.SerializedString;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mida.event.EventCodec;
import org.mida.event.FrozenMap;

/**
 * An immutable map that keeps its own JSON text. The {@link Emitter} writes that text as it is
 * instead of serialising the map again, which matters for values attached to many events, such as
 * a telemetry snapshot shared by every task that starts within the same sampling period. Anywhere
 * else it is an ordinary read-only map, and a {@link FrozenMap}: an event keeps it without copying it.
 *
 * <pre>{@code
 * Map<String, Object> cpu = CachedJsonMap.of(Map.of("percent", 12.5));
 * }</pre>
 */
public final class CachedJsonMap extends AbstractMap<String, Object> implements FrozenMap {
    private final Map<String, Object> map;
    private final String json;
    /** The same text as a Jackson raw value: its UTF-8 bytes made once, on first use, then copied. */
    private final SerializedString text;

    private CachedJsonMap(Map<String, Object> map) {
        this.map = Collections.unmodifiableMap(new LinkedHashMap<>(map));
        this.json = EventCodec.shared().toJson(this.map);
        this.text = new SerializedString(json);
    }

    public static CachedJsonMap of(Map<String, ?> map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return new CachedJsonMap(m);
    }

    /** The JSON text of this map. */
    public String json() {
        return json;
    }

    /** {@link #json()} for a generator's {@code writeRawValue}: a UTF-8 generator copies its cached bytes. */
    SerializedString text() {
        return text;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return map.entrySet();
    }

    @Override
    public Object get(Object key) {
        return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(key);
    }

    @Override
    public int size() {
        return map.size();
    }
}

package org.mida.event;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/** {@link FrozenMap#copyOf}'s implementation. */
final class FrozenMaps {
    private FrozenMaps() {}

    /** The classes behind {@code Map.of}/{@code Map.copyOf}: immutable, so never copied. */
    private static final Class<?> MAP1 = Map.of("k", 1).getClass();

    private static final Class<?> MAPN = Map.of("k", 1, "l", 2).getClass();

    static Map<String, Object> copyOf(Map<String, ?> m) {
        if (m == null || m.isEmpty()) return Map.of();
        @SuppressWarnings("unchecked")
        Map<String, Object> same = (Map<String, Object>) m;
        if (m instanceof FrozenMap) return same;
        Class<?> c = m.getClass();
        if (c == MAP1 || c == MAPN) return same; // their iteration order is what a copy would keep
        return new Copy(m);
    }

    /** An insertion-ordered, unmodifiable copy. */
    static final class Copy extends AbstractMap<String, Object> implements FrozenMap {
        private final Map<String, Object> map;
        private final Map<String, Object> view;

        /**
         * Set by {@link EntityRef#validate} once it found no value that is a map or a list (then none can
         * hold a reference, whatever happens to the values); a race only checks twice.
         */
        boolean plainValues;

        Copy(Map<String, ?> m) {
            this.map = new LinkedHashMap<>(m);
            this.view = Collections.unmodifiableMap(map);
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return view.entrySet();
        }

        @Override
        public Set<String> keySet() {
            return view.keySet();
        }

        @Override
        public Collection<Object> values() {
            return view.values();
        }

        @Override
        public Object get(Object key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }

        /** The backing map, to be read only (no view, no iterator wrapper). */
        Map<String, Object> plain() {
            return map;
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super Object> action) {
            map.forEach(action);
        }
    }
}

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

    /**
     * {@code m} frozen as it is, for a caller that built it and hands it over with everything nested in it
     * (the codec: maps it decoded from JSON, which nothing else holds). Not a copy: the caller must not
     * change {@code m}, nor anything in it, afterwards. {@link EntityRef} keeps the references it finds in such
     * a map.
     */
    static Map<String, Object> adopt(Map<String, Object> m) {
        if (m == null || m.isEmpty()) return Map.of();
        if (m instanceof FrozenMap) return m;
        return new Copy(m instanceof LinkedHashMap<String, Object> l ? l : new LinkedHashMap<>(m), true);
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

        /**
         * True for a map {@link #adopt}ed from the codec: no one else holds its values (maps and lists nested
         * in them included), so what is found in them stays true and {@link #refs} may be kept.
         */
        final boolean owned;

        /**
         * The references {@link EntityRef#validate} or {@link EntityRef#extract} found in an {@link #owned}
         * map, unmodifiable; null until one ran (a race only finds them twice).
         */
        java.util.List<EntityRef> refs;

        Copy(Map<String, ?> m) {
            this(new LinkedHashMap<>(m), false);
        }

        private Copy(LinkedHashMap<String, Object> map, boolean owned) {
            this.map = map;
            this.view = Collections.unmodifiableMap(map);
            this.owned = owned;
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

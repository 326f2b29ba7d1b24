package org.mida.event;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A data artifact named in {@code used} or {@code generated}: a value that is an object with an
 * {@code "@id"}. The same id seen in two tasks is one entity, which is how lineage crosses tasks and
 * workflows.
 *
 * @param id the artifact's identity (often a URI such as {@code file:///data/scan_17.h5})
 * @param type the optional {@code "@type"} (dataset, model, file, …)
 * @param role the key under which the task named it
 * @param attributes the other fields of the reference, as sent
 */
public record EntityRef(String id, String type, String role, Map<String, Object> attributes) {

    public static final int MAX_ID_LENGTH = 4096;

    /**
     * Events check their references with {@link #validate} (issue 15, obs18); {@code
     * -Dmida.event.validateRefs=extract} goes back to {@link #extract}, to A/B the two.
     */
    static final boolean VALIDATE_WITHOUT_LISTS = !"extract".equals(System.getProperty("mida.event.validateRefs"));

    /**
     * The most bytes an id may take in UTF-8: the graph's unique index holds keys of about 8 KB, and a
     * version's id adds its label ({@code <id>#version=<label>}). 4,096 emoji are 16 KB.
     */
    public static final int MAX_ID_BYTES = 6 * 1024;

    public EntityRef {
        if (id == null || id.isBlank()) throw new InvalidEventException("entity \"@id\" must be a non-empty string");
        if (id.length() > MAX_ID_LENGTH)
            throw new InvalidEventException("entity \"@id\" is longer than " + MAX_ID_LENGTH + " characters");
        // at most 3 UTF-8 bytes per char (a surrogate pair: 4 for 2): only a long id can take too many
        if (id.length() * 3 > MAX_ID_BYTES && utf8Length(id) > MAX_ID_BYTES)
            throw new InvalidEventException("entity \"@id\" takes more than " + MAX_ID_BYTES
                    + " bytes in UTF-8 (the graph indexes ids of about 8 KB at most)");
        attributes = attributes == null ? Map.of() : attributes;
        for (String name : attributes.keySet())
            if (name.isEmpty() || name.indexOf('\0') >= 0)
                throw new InvalidEventException("entity attribute names must not be empty or hold a NUL character,"
                        + " got \"" + EventCodec.abbreviate(name.replace("\0", "\\u0000")) + "\" (the graph's property"
                        + " names cannot)");
    }

    /** The length of {@code s} in UTF-8, without encoding it (a lone surrogate counts as the 3 bytes of U+FFFD). */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /** True when {@code value} is an object carrying an {@code "@id"}. */
    public static boolean isReference(Object value) {
        return value instanceof Map<?, ?> m && m.containsKey("@id");
    }

    /**
     * Finds the references in a {@code used}/{@code generated} map: top-level values and the elements
     * of top-level lists.
     */
    public static List<EntityRef> extract(Map<String, Object> map) {
        if (map == null || map.isEmpty()) return List.of();
        // a decoded event's map keeps what its validation found: the same references, and a batch asks each
        // event for them several times (issue 15, 16th session)
        if (map instanceof FrozenMaps.Copy c && c.owned) {
            if (c.refs == null) c.refs = collect(c.plain());
            return c.refs;
        }
        return collect(map);
    }

    /** The references of {@code map}, unmodifiable. */
    private static List<EntityRef> collect(Map<String, Object> map) {
        List<EntityRef> out = null;
        for (var e : map.entrySet()) {
            Object v = e.getValue();
            if (isReference(v)) {
                if (out == null) out = new java.util.ArrayList<>(4);
                out.add(of(e.getKey(), (Map<?, ?>) v));
            } else if (v instanceof List<?> list) {
                for (Object item : list)
                    if (isReference(item)) {
                        if (out == null) out = new java.util.ArrayList<>(4);
                        out.add(of(e.getKey(), (Map<?, ?>) item));
                    }
            }
        }
        return out == null ? List.of() : java.util.Collections.unmodifiableList(out);
    }

    /**
     * Checks an event's {@code used} and {@code generated} references at its edge: {@link #validate} each, or
     * {@link #extract} each with {@code -Dmida.event.validateRefs=extract} (the path before obs18).
     */
    static void checkEvent(Map<String, Object> used, Map<String, Object> generated) {
        if (VALIDATE_WITHOUT_LISTS) {
            validate(used);
            validate(generated);
        } else {
            extract(used);
            extract(generated);
        }
    }

    /**
     * Checks the references of a {@code used}/{@code generated} map as {@link #extract} does (the same
     * exceptions), without building the list (issue 15, obs18: every event's constructor checked its maps
     * by extracting them, an {@code ArrayList} and an iterator per map per event). A frozen copy whose
     * values are all plain (no map, no list: nothing there can become a reference) is checked once.
     */
    public static void validate(Map<String, Object> map) {
        if (map == null || map.isEmpty()) return;
        if (map instanceof FrozenMaps.Copy c) {
            if (c.plainValues) return;
            if (c.owned) {
                // nothing but the event holds its values: the references built to check them are kept for
                // extract (which builds them, once)
                extract(c);
                return;
            }
            if (check(c.plain())) c.plainValues = true;
            return;
        }
        check(map);
    }

    /** Checks the references of {@code map}; true when no value is a map or a list. */
    private static boolean check(Map<String, Object> map) {
        boolean plain = true;
        for (var e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m) {
                plain = false;
                if (m.containsKey("@id")) of(e.getKey(), m);
            } else if (v instanceof List<?> list) {
                plain = false;
                for (Object item : list) if (isReference(item)) of(e.getKey(), (Map<?, ?>) item);
            }
        }
        return plain;
    }

    private static EntityRef of(String role, Map<?, ?> m) {
        if (!(m.get("@id") instanceof String id))
            throw new InvalidEventException("entity \"@id\" under \"" + role + "\" must be a string");
        Object t = m.get("@type");
        if (t != null && !(t instanceof String))
            throw new InvalidEventException("entity \"@type\" under \"" + role + "\" must be a string");
        Map<String, Object> attrs = Map.of();
        if (m.size() > (t != null ? 2 : 1)) {
            var copy = new LinkedHashMap<String, Object>();
            for (var a : m.entrySet()) {
                String k = String.valueOf(a.getKey());
                if (!k.equals("@id") && !k.equals("@type")) copy.put(k, a.getValue());
            }
            // shared by every caller of a frozen map's references: read-only
            attrs = java.util.Collections.unmodifiableMap(copy);
        }
        return new EntityRef(id, (String) t, role, attrs);
    }
}

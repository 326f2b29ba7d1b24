package org.mida.server.badinput;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON text by hand, so the corpus can say exactly what goes on the wire: {@link Raw} tokens are
 * written as they are ({@code NaN}, {@code 1e400}, {@code 18446744073709551616}, {@code -0.0}), lone
 * surrogates as {@code \}{@code uXXXX} escapes (they would not survive UTF-8 otherwise), duplicate keys
 * through {@link #obj(Object...)}.
 */
final class JsonText {
    private JsonText() {}

    /** A token written verbatim. */
    record Raw(String text) {}

    /** Key/value pairs in order, duplicates kept: {@code obj("a", 1, "a", 2)} is {@code {"a":1,"a":2}}. */
    record Obj(List<Object> pairs) {}

    static Raw raw(String text) {
        return new Raw(text);
    }

    static Obj obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) throw new IllegalArgumentException("keys and values in pairs");
        return new Obj(List.of(keysAndValues));
    }

    /** A map that keeps its order and can be changed (put / remove) before it is written. */
    static Map<String, Object> map(Object... keysAndValues) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    static List<Object> list(Object... values) {
        return new ArrayList<>(java.util.Arrays.asList(values));
    }

    static String write(Object v) {
        var sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    static void write(StringBuilder sb, Object v) {
        if (v == null) sb.append("null");
        else if (v instanceof Raw r) sb.append(r.text());
        else if (v instanceof String s) string(sb, s);
        else if (v instanceof Number || v instanceof Boolean) sb.append(v);
        else if (v instanceof Obj o) {
            sb.append('{');
            for (int i = 0; i < o.pairs().size(); i += 2) {
                if (i > 0) sb.append(',');
                string(sb, (String) o.pairs().get(i));
                sb.append(':');
                write(sb, o.pairs().get(i + 1));
            }
            sb.append('}');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(',');
                write(sb, l.get(i));
            }
            sb.append(']');
        } else throw new IllegalArgumentException("cannot write " + v.getClass());
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') sb.append("\\\"");
            else if (c == '\\') sb.append("\\\\");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\u%04x", (int) c));
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        sb.append('"');
    }
}

package org.mida.server.columnar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * One task property as a column: per row a type tag and 8 bytes (a long, a double's bits, a dictionary
 * code of a string, or a boolean as 0/1). A value of any other type (a list: {@code tags}, {@code
 * dependencies}) is kept as an object and marks the column {@link #hasOther}: the DSL does not answer from
 * such a column. Strings are dictionary-encoded per column (codes are never reused: a value a row no
 * longer holds stays in the dictionary until the next full load). Not thread-safe: {@link TaskTable}
 * guards it.
 */
final class Column {
    static final byte MISSING = 0, LONG = 1, DOUBLE = 2, STRING = 3, BOOL = 4, OTHER = 5;

    final String name;
    byte[] tags;
    long[] bits;
    private Object[] others;
    final List<String> dict = new ArrayList<>();
    private final HashMap<String, Integer> codes = new HashMap<>();
    /** How many rows hold a value of each tag (MISSING not counted). */
    final int[] counts = new int[6];
    /** Doubles among the values that are NaN. */
    int nans;

    private long dictChars;

    Column(String name, int capacity) {
        this.name = name;
        tags = new byte[capacity];
        bits = new long[capacity];
    }

    void ensure(int capacity) {
        if (capacity <= tags.length) return;
        int n = Math.max(capacity, tags.length + (tags.length >> 1) + 16);
        tags = Arrays.copyOf(tags, n);
        bits = Arrays.copyOf(bits, n);
        if (others != null) others = Arrays.copyOf(others, n);
    }

    boolean hasOther() {
        return counts[OTHER] > 0;
    }

    /** Sets row's value (null: missing); the value as the driver gives it. */
    void set(int row, Object v) {
        clear(row);
        if (v == null) return;
        byte t;
        long b;
        if (v instanceof Long l) {
            t = LONG;
            b = l;
        } else if (v instanceof Integer i) {
            t = LONG;
            b = i;
        } else if (v instanceof Double d) {
            t = DOUBLE;
            b = Double.doubleToRawLongBits(d);
            if (d.isNaN()) nans++;
        } else if (v instanceof Float f) {
            t = DOUBLE;
            b = Double.doubleToRawLongBits(f.doubleValue());
            if (f.isNaN()) nans++;
        } else if (v instanceof String s) {
            t = STRING;
            b = code(s);
        } else if (v instanceof Boolean x) {
            t = BOOL;
            b = x ? 1 : 0;
        } else {
            t = OTHER;
            b = 0;
            if (others == null) others = new Object[tags.length];
            others[row] = v;
        }
        tags[row] = t;
        bits[row] = b;
        counts[t]++;
    }

    private void clear(int row) {
        byte t = tags[row];
        if (t == MISSING) return;
        counts[t]--;
        if (t == DOUBLE && Double.isNaN(Double.longBitsToDouble(bits[row]))) nans--;
        if (t == OTHER) others[row] = null;
        tags[row] = MISSING;
        bits[row] = 0;
    }

    /** The string's code, added to the dictionary when new. */
    int intern(String s) {
        return code(s);
    }

    private int code(String s) {
        Integer c = codes.get(s);
        if (c != null) return c;
        int n = dict.size();
        dict.add(s);
        codes.put(s, n);
        dictChars += s.length();
        return n;
    }

    /** The code of a string in this column's dictionary, or -1 when no row ever held it. */
    int codeOf(String s) {
        Integer c = codes.get(s);
        return c == null ? -1 : c;
    }

    /** The row's value as a Java object (Long, Double, String, Boolean, or the list), null when missing. */
    Object value(int row) {
        return switch (tags[row]) {
            case LONG -> bits[row];
            case DOUBLE -> Double.longBitsToDouble(bits[row]);
            case STRING -> dict.get((int) bits[row]);
            case BOOL -> bits[row] != 0;
            case OTHER -> others[row];
            default -> null;
        };
    }

    /** About the bytes this column takes on the heap. */
    long bytes() {
        long b = 64L + tags.length * 9L;
        if (others != null) b += others.length * 4L;
        // a String (header, array, chars as Latin-1 bytes) and its dictionary entries (list slot, map node)
        b += dict.size() * (24L + 16 + 4 + 48) + dictChars;
        return b;
    }
}

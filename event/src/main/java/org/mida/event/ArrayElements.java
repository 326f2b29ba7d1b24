package org.mida.event;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells the elements of a top-level JSON array apart without parsing them: strings (with their escapes)
 * are skipped, brackets and braces counted. Used only when the parser refused an array entry, so that
 * one bad element (a lone surrogate in a key, nesting past the limit) is refused alone. Thread-safe.
 */
final class ArrayElements {
    private ArrayElements() {}

    /**
     * The text of each element, or null when {@code json} is not an array whose elements can be told
     * apart: not an array, unterminated, unbalanced, an empty element, or anything but white space after
     * the closing bracket.
     */
    static List<String> split(String json) {
        if (json == null) return null;
        int len = json.length();
        int i = skipSpace(json, 0);
        if (i >= len || json.charAt(i) != '[') return null;
        i = skipSpace(json, i + 1);
        var out = new ArrayList<String>();
        if (i < len && json.charAt(i) == ']') return trailingSpaceOnly(json, i + 1) ? out : null;
        int start = i, depth = 0;
        boolean inString = false;
        for (; i < len; i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '[', '{' -> depth++;
                case '}' -> {
                    if (--depth < 0) return null;
                }
                case ']' -> {
                    if (depth == 0) {
                        if (!add(out, json, start, i)) return null;
                        return trailingSpaceOnly(json, i + 1) ? out : null;
                    }
                    depth--;
                }
                case ',' -> {
                    if (depth == 0) {
                        if (!add(out, json, start, i)) return null;
                        start = i + 1;
                    }
                }
                default -> {}
            }
        }
        return null; // unterminated
    }

    private static boolean add(List<String> out, String json, int from, int to) {
        String element = json.substring(from, to).strip();
        if (element.isEmpty()) return false;
        out.add(element);
        return true;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && isSpace(s.charAt(i))) i++;
        return i;
    }

    private static boolean trailingSpaceOnly(String s, int i) {
        return skipSpace(s, i) == s.length();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
}

package org.mida.server.query;

import java.util.Locale;

/**
 * A light lexical look at Cypher text (strings, backtick names and comments are skipped): whether it holds
 * more than one statement, and its first keyword. The real checks are on the plan ({@link ReadOnlyGuard});
 * this refuses what the plan cannot show.
 */
final class StatementText {
    private StatementText() {}

    /** True when a {@code ;} outside strings, names and comments is followed by anything but blanks/comments. */
    static boolean severalStatements(String q) {
        boolean sawSeparator = false;
        int i = 0, n = q.length();
        while (i < n) {
            char c = q.charAt(i);
            int skip = skipNonCode(q, i);
            if (skip > i) {
                if (sawSeparator && isQuoted(c)) return true;
                i = skip;
                continue;
            }
            if (c == ';') sawSeparator = true;
            else if (!Character.isWhitespace(c) && sawSeparator) return true;
            i++;
        }
        return false;
    }

    /** The first word of the text outside comments, upper-cased ("" when none). */
    static String firstKeyword(String q) {
        int i = 0, n = q.length();
        while (i < n) {
            int skip = skipNonCode(q, i);
            if (skip > i && !isQuoted(q.charAt(i))) {
                i = skip;
                continue;
            }
            if (Character.isWhitespace(q.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && Character.isLetter(q.charAt(i))) i++;
            return q.substring(start, i).toUpperCase(Locale.ROOT);
        }
        return "";
    }

    private static boolean isQuoted(char c) {
        return c == '\'' || c == '"' || c == '`';
    }

    /** The index after a string, backtick name or comment starting at i; i itself when none starts there. */
    private static int skipNonCode(String q, int i) {
        int n = q.length();
        char c = q.charAt(i);
        if (c == '\'' || c == '"') {
            int j = i + 1;
            while (j < n) {
                char d = q.charAt(j);
                if (d == '\\') j += 2;
                else if (d == c) return j + 1;
                else j++;
            }
            return n;
        }
        if (c == '`') {
            int j = i + 1;
            while (j < n) {
                if (q.charAt(j) == '`') {
                    if (j + 1 < n && q.charAt(j + 1) == '`') j += 2;
                    else return j + 1;
                } else j++;
            }
            return n;
        }
        if (c == '/' && i + 1 < n && q.charAt(i + 1) == '/') {
            int j = q.indexOf('\n', i);
            return j < 0 ? n : j + 1;
        }
        if (c == '/' && i + 1 < n && q.charAt(i + 1) == '*') {
            int j = q.indexOf("*/", i + 2);
            return j < 0 ? n : j + 2;
        }
        return i;
    }
}

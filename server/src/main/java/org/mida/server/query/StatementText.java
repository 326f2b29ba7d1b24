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

    /**
     * Where the statement proper starts after its {@code CYPHER} preamble ({@code CYPHER 5}, {@code CYPHER 25
     * runtime=slotted}, several of them, comments between), and its first keyword there, upper-cased:
     * {@code EXPLAIN} for {@code "CYPHER 5 explain MATCH …"}.
     */
    record Statement(int start, String keyword) {}

    static Statement statement(String q) {
        int i = skipBlanks(q, 0);
        while (true) {
            String word = wordAt(q, i);
            if (!word.equalsIgnoreCase("CYPHER")) return new Statement(i, word.toUpperCase(Locale.ROOT));
            i = skipBlanks(q, i + word.length());
            // options: a version (5, 25) or name=value pairs
            while (i < q.length()) {
                int j = i;
                while (j < q.length()
                        && (Character.isLetterOrDigit(q.charAt(j)) || q.charAt(j) == '_' || q.charAt(j) == '.')) j++;
                if (j == i) break;
                int k = skipBlanks(q, j);
                boolean version = q.substring(i, j).chars().allMatch(c -> Character.isDigit(c) || c == '.');
                if (k < q.length() && q.charAt(k) == '=') {
                    k = skipBlanks(q, k + 1);
                    int v = k;
                    while (v < q.length() && (Character.isLetterOrDigit(q.charAt(v)) || q.charAt(v) == '_')) v++;
                    i = skipBlanks(q, v);
                } else if (version) i = k;
                else break;
            }
        }
    }

    /** The letters at i ("" when none). */
    private static String wordAt(String q, int i) {
        int j = i;
        while (j < q.length() && Character.isLetter(q.charAt(j))) j++;
        return q.substring(i, j);
    }

    /** The index of the first character at or after i that is not blank nor in a comment. */
    static int skipBlanks(String q, int i) {
        while (i < q.length()) {
            char c = q.charAt(i);
            if (Character.isWhitespace(c)) i++;
            else if (c == '/' && skipNonCode(q, i) > i) i = skipNonCode(q, i);
            else break;
        }
        return i;
    }

    /**
     * The operands of {@code =~} outside strings, names and comments, in order: where each starts and ends,
     * and whether it is a string literal, a parameter or something else (an expression).
     */
    record RegexOperand(int start, int end, Kind kind) {
        enum Kind {
            LITERAL,
            PARAMETER,
            OTHER
        }
    }

    static java.util.List<RegexOperand> regexOperands(String q) {
        var out = new java.util.ArrayList<RegexOperand>();
        int i = 0, n = q.length();
        while (i < n) {
            int skip = skipNonCode(q, i);
            if (skip > i) {
                i = skip;
                continue;
            }
            if (q.startsWith("=~", i)) {
                int s = skipBlanks(q, i + 2);
                int e;
                RegexOperand.Kind kind;
                if (s < n && (q.charAt(s) == '\'' || q.charAt(s) == '"')) {
                    e = skipNonCode(q, s);
                    kind = RegexOperand.Kind.LITERAL;
                } else if (s < n && q.charAt(s) == '$') {
                    e = s + 1;
                    if (e < n && q.charAt(e) == '`') e = skipNonCode(q, e);
                    else while (e < n && (Character.isLetterOrDigit(q.charAt(e)) || q.charAt(e) == '_')) e++;
                    kind = e > s + 1 ? RegexOperand.Kind.PARAMETER : RegexOperand.Kind.OTHER;
                } else {
                    e = s;
                    kind = RegexOperand.Kind.OTHER;
                }
                // 'a' + x, $p.key, $p[0]: computed, not a literal or a parameter as given
                int after = skipBlanks(q, e);
                if (kind != RegexOperand.Kind.OTHER && after < n && "+.[(".indexOf(q.charAt(after)) >= 0)
                    kind = RegexOperand.Kind.OTHER;
                out.add(new RegexOperand(s, e, kind));
                i = Math.max(e, i + 2);
                continue;
            }
            i++;
        }
        return out;
    }

    private static boolean isQuoted(char c) {
        return c == '\'' || c == '"' || c == '`';
    }

    /** The index after a string, backtick name or comment starting at i; i itself when none starts there. */
    static int skipNonCode(String q, int i) {
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

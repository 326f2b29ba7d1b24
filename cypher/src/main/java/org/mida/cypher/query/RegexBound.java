package org.mida.cypher.query;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Decides whether a regular expression may be evaluated by a backtracking engine on stored values
 * (Neo4j's {@code =~} uses {@code java.util.regex}, which a transaction timeout does not interrupt: one
 * match over one value runs to its end). A pattern is accepted when its worst-case matching time is
 * <b>linear</b> in the length of the value (times the pattern's length), which the transaction timeout
 * then bounds, since Neo4j checks it between values.
 *
 * <p>The check reads the pattern's structure (no matching, no time limit needed):
 *
 * <ul>
 *   <li>refused outright: backreferences ({@code \1}, {@code \k<name>}), lookaround ({@code (?=…)},
 *       {@code (?<!…)}, …), the comments flag {@code (?x)}, patterns longer than {@link #MAX_LENGTH};
 *   <li><b>exponential</b>: a repeated group ({@code *}, {@code +}, {@code {n,m}} with at most more than 1)
 *       that holds a quantifier of variable count ({@code (.*.){20}}, {@code (a+)+}) or alternatives that
 *       can start with the same character ({@code (a|ab)*}, {@code (\w|\d)+});
 *   <li><b>polynomial</b>: the engine backtracks into a variable quantifier when it can also match the
 *       start of what follows it ({@code .*} before {@code error}), and every such <em>ambiguous</em>
 *       quantifier multiplies the cost of all that follows by the value's length; a pattern is refused
 *       when that cost is more than linear: an ambiguous quantifier followed by another scanning one
 *       ({@code .*a.*b}, {@code a*a*b}, {@code .*oom.*x}). A final {@code .*} (nothing but anchors after
 *       it) costs nothing: it either reaches the end or fails at once. Atomic groups {@code (?>…)} and
 *       possessive quantifiers ({@code .*+}) are never backtracked into, so {@code (?>.*?error).*line.*}
 *       (the first "error", then "line" after it: the same matches as {@code .*error.*line.*}) is linear.
 * </ul>
 *
 * So {@code ^train-.*}, {@code .*oom.*}, {@code (?i)cuda out of memory}, {@code \w+@\w+}, {@code
 * [^/]+/[^/]+\.h5} pass. Character sets are compared conservatively (Unicode classes count as any
 * character), so a pattern may be refused that is in fact safe; the refusal's text says how to rewrite it.
 *
 * <p>A trailing {@code .*} without {@code (?s)} stops at a line break; over a value whose line after a match
 * holds a line break, the final scan is repeated per candidate position, which costs the square of the length
 * of that one line (the DSL always adds {@code (?s)}, where this cannot happen).
 *
 * <pre>{@code
 * String why = RegexBound.problem("(.*.){20}#");   // "nested quantifier: ..."
 * RegexBound.problem("^train-.*");                 // null: accepted
 * }</pre>
 */
public final class RegexBound {
    /** The longest pattern accepted (the DSL's 1,000 characters and its flags). */
    public static final int MAX_LENGTH = 1_024;

    /** The largest count of a counted repetition ({@code a{1,1000}}). */
    public static final int MAX_COUNT = 1_000;

    private RegexBound() {}

    /**
     * What to evaluate for a pattern: {@code pattern} is the one to hand the engine (the pattern given, or
     * the same matches written so that they take linear time, see {@link #firstOccurrences}), {@code
     * problem} is null when it is accepted, else why not and how to write it, for a user.
     */
    public record Checked(String pattern, String problem) {
        public boolean accepted() {
            return problem == null;
        }
    }

    /** Checks a pattern (and rewrites the {@code .*word.*} shape first, see {@link #firstOccurrences}). */
    public static Checked check(String pattern) {
        if (pattern.length() > MAX_LENGTH)
            return new Checked(pattern, "the pattern is longer than " + MAX_LENGTH + " characters");
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return new Checked(
                    pattern, "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
        } catch (RuntimeException | StackOverflowError e) {
            return new Checked(pattern, "not a valid regular expression: " + e);
        }
        String linear = firstOccurrences(pattern);
        return new Checked(linear, structure(linear));
    }

    /** Null when the pattern is accepted; otherwise why not and how to write it, for a user. */
    public static String problem(String pattern) {
        return check(pattern).problem();
    }

    /** Whether {@link #check} accepts the pattern. */
    public static boolean bounded(String pattern) {
        return problem(pattern) == null;
    }

    private static String structure(String pattern) {
        try {
            Node root = new Parser(pattern).parse();
            root.checkNesting();
            int cost = root.cost(Chars.NONE, true);
            if (cost > 1)
                return "this pattern can take time that grows with the square (or more) of a value's length:"
                        + " a quantifier such as .* or \\w+ that can also match what follows it (here "
                        + root.firstAmbiguous(Chars.NONE, true)
                        + ") is followed by more pattern that scans; keep one such quantifier per pattern"
                        + " (a final (?s).* is free; without (?s) '.' stops at line ends and the final .* scans"
                        + " to one), use a class that cannot match what follows ([^,]* before a ','), or an"
                        + " atomic group that stops at the first occurrence: (?>.*?error).*line finds what"
                        + " .*error.*line finds";
            return null;
        } catch (Refused e) {
            return e.getMessage();
        } catch (RuntimeException e) {
            return "this pattern could not be checked for a time bound (" + e + "); simplify it";
        }
    }

    private static final Pattern FLAGS = Pattern.compile("\\(\\?[idmsuU-]+\\)");
    private static final Pattern WORDS =
            Pattern.compile("(?:[^\\\\.\\[\\]{}()*+?^$|\\n\\r\\u0085\\u2028\\u2029]|\\\\[^\\p{Alnum}\\s<])+");

    /**
     * The pattern {@code .*w1.*w2….*} (words, or escaped symbols, between {@code .*}s; flags and anchors
     * around it) written as {@code (?>.*?w1)(?>.*?w2)….*}: each atomic group finds the first occurrence of
     * its word and never backtracks, so the match takes linear time where {@code .*w1.*w2.*} can take the
     * square of the length of a value's first line (without {@code (?s)} the last {@code .*} scans up to a
     * line end, once per occurrence of the word). Same matches: a match that uses a later occurrence of a
     * word also works from its first one, the {@code .*} after it taking up the text in between (it lies on
     * the same line, or {@code (?s)} is on). Any other pattern is returned as it is.
     */
    static String firstOccurrences(String pattern) {
        int i = 0;
        var out = new StringBuilder();
        var flags = FLAGS.matcher(pattern);
        while (flags.find(i) && flags.start() == i) {
            out.append(flags.group());
            i = flags.end();
        }
        if (pattern.startsWith("^", i)) {
            out.append('^');
            i++;
        }
        int words = 0;
        var word = WORDS.matcher(pattern);
        while (pattern.startsWith(".*", i) && !pattern.startsWith(".*?", i) && !pattern.startsWith(".*+", i)) {
            int w = i + 2;
            if (!word.find(w) || word.start() != w) break;
            out.append("(?>.*?").append(word.group()).append(')');
            words++;
            i = word.end();
        }
        if (words == 0 || !pattern.startsWith(".*", i)) return pattern;
        String rest = pattern.substring(i + 2);
        if (!(rest.isEmpty() || rest.equals("$"))) return pattern;
        return out.append(".*").append(rest).toString();
    }

    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // character sets: sorted, disjoint, inclusive code point ranges

    private record Chars(int[] ranges) {
        static final Chars NONE = new Chars(new int[0]);
        static final Chars ALL = new Chars(new int[] {0, Character.MAX_CODE_POINT});
        static final Chars DIGIT = of('0', '9');
        static final Chars WORD = of('a', 'z').union(of('A', 'Z')).union(DIGIT).union(of('_', '_'));
        static final Chars SPACE = of('\t', '\r').union(of(' ', ' '));
        static final Chars LINE_ENDS = of('\n', '\r').union(of(0x85, 0x85)).union(of(0x2028, 0x2029));

        static Chars of(int lo, int hi) {
            return new Chars(new int[] {Math.min(lo, hi), Math.max(lo, hi)});
        }

        static Chars one(int c) {
            return of(c, c);
        }

        boolean isEmpty() {
            return ranges.length == 0;
        }

        Chars union(Chars o) {
            if (o.isEmpty()) return this;
            if (isEmpty()) return o;
            var all = new ArrayList<int[]>();
            for (int i = 0; i < ranges.length; i += 2) all.add(new int[] {ranges[i], ranges[i + 1]});
            for (int i = 0; i < o.ranges.length; i += 2) all.add(new int[] {o.ranges[i], o.ranges[i + 1]});
            all.sort((a, b) -> Integer.compare(a[0], b[0]));
            var out = new ArrayList<int[]>();
            for (int[] r : all) {
                if (!out.isEmpty() && r[0] <= out.get(out.size() - 1)[1] + 1)
                    out.get(out.size() - 1)[1] = Math.max(out.get(out.size() - 1)[1], r[1]);
                else out.add(r.clone());
            }
            int[] rs = new int[out.size() * 2];
            for (int i = 0; i < out.size(); i++) {
                rs[2 * i] = out.get(i)[0];
                rs[2 * i + 1] = out.get(i)[1];
            }
            return new Chars(rs);
        }

        Chars complement() {
            var out = new ArrayList<Integer>();
            int next = 0;
            for (int i = 0; i < ranges.length; i += 2) {
                if (ranges[i] > next) {
                    out.add(next);
                    out.add(ranges[i] - 1);
                }
                next = ranges[i + 1] + 1;
            }
            if (next <= Character.MAX_CODE_POINT) {
                out.add(next);
                out.add(Character.MAX_CODE_POINT);
            }
            return new Chars(out.stream().mapToInt(Integer::intValue).toArray());
        }

        boolean intersects(Chars o) {
            int i = 0, j = 0;
            while (i < ranges.length && j < o.ranges.length) {
                if (ranges[i + 1] < o.ranges[j]) i += 2;
                else if (o.ranges[j + 1] < ranges[i]) j += 2;
                else return true;
            }
            return false;
        }

        /** This set plus the other cases of its letters (ranges of up to 512 code points are expanded). */
        Chars caseless() {
            Chars out = this;
            for (int i = 0; i < ranges.length; i += 2) {
                if (ranges[i + 1] - ranges[i] > 512) continue;
                for (int c = ranges[i]; c <= ranges[i + 1]; c++) {
                    int u = Character.toUpperCase(c), l = Character.toLowerCase(c), t = Character.toTitleCase(c);
                    if (u != c) out = out.union(one(u));
                    if (l != c) out = out.union(one(l));
                    if (t != c) out = out.union(one(t));
                }
            }
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Chars c && java.util.Arrays.equals(ranges, c.ranges);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(ranges);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the pattern's structure

    private abstract static class Node {
        /** The characters a match of this node can start with. */
        abstract Chars first();

        /** Whether this node can match the empty string. */
        abstract boolean nullable();

        /**
         * Whether this node holds a quantifier of variable count (so repeating it is ambiguous). The
         * defaults below are those of a leaf (one character or a zero-width assertion).
         */
        boolean variable() {
            return false;
        }

        /** Refuses repetitions of variable or ambiguous content (exponential backtracking). */
        void checkNesting() {}

        /**
         * The degree of the worst-case time of matching this node then something starting with {@code
         * follow}, as a power of the value's length: 0 constant, 1 linear, 2 quadratic. {@code atEnd}: only
         * the end of the pattern (and zero-width anchors) follows.
         */
        int cost(Chars follow, boolean atEnd) {
            return 0;
        }

        /** How many ambiguous quantifiers a failing continuation backtracks through (adds to the degree). */
        int ambiguity(Chars follow, boolean atEnd) {
            return 0;
        }

        /** The text of the first ambiguous quantifier, for messages; "" when none. */
        String firstAmbiguous(Chars follow, boolean atEnd) {
            return "";
        }
    }

    /** One character of a set (a literal, a class, '.'). */
    private static final class Atom extends Node {
        final Chars chars;

        Atom(Chars chars) {
            this.chars = chars;
        }

        Chars first() {
            return chars;
        }

        boolean nullable() {
            return false;
        }
    }

    /** A zero-width assertion ({@code ^ $ \b \A \z …}) or an empty group. */
    private static final class Anchor extends Node {
        Chars first() {
            return Chars.NONE;
        }

        boolean nullable() {
            return true;
        }
    }

    private static final class Seq extends Node {
        final List<Node> items;

        Seq(List<Node> items) {
            this.items = items;
        }

        Chars first() {
            Chars c = Chars.NONE;
            for (Node n : items) {
                c = c.union(n.first());
                if (!n.nullable()) break;
            }
            return c;
        }

        boolean nullable() {
            return items.stream().allMatch(Node::nullable);
        }

        boolean variable() {
            return items.stream().anyMatch(Node::variable);
        }

        void checkNesting() {
            items.forEach(Node::checkNesting);
        }

        /** What may follow item i: the start of the items after it, and the outer follow if they may be empty. */
        private Chars followOf(int i, Chars follow) {
            Chars c = Chars.NONE;
            for (int j = i + 1; j < items.size(); j++) {
                c = c.union(items.get(j).first());
                if (!items.get(j).nullable()) return c;
            }
            return c.union(follow);
        }

        private boolean endsAfter(int i, boolean atEnd) {
            if (!atEnd) return false;
            for (int j = i + 1; j < items.size(); j++) if (!(items.get(j) instanceof Anchor)) return false;
            return true;
        }

        int cost(Chars follow, boolean atEnd) {
            int running = 0, worst = 0;
            for (int i = 0; i < items.size(); i++) {
                Node n = items.get(i);
                Chars f = followOf(i, follow);
                boolean end = endsAfter(i, atEnd);
                worst = Math.max(worst, running + n.cost(f, end));
                running += n.ambiguity(f, end);
            }
            return Math.max(worst, running);
        }

        int ambiguity(Chars follow, boolean atEnd) {
            int a = 0;
            for (int i = 0; i < items.size(); i++)
                a += items.get(i).ambiguity(followOf(i, follow), endsAfter(i, atEnd));
            return a;
        }

        @Override
        String firstAmbiguous(Chars follow, boolean atEnd) {
            for (int i = 0; i < items.size(); i++) {
                String s = items.get(i).firstAmbiguous(followOf(i, follow), endsAfter(i, atEnd));
                if (!s.isEmpty()) return s;
            }
            return "";
        }
    }

    private static final class Alt extends Node {
        final List<Node> branches;

        Alt(List<Node> branches) {
            this.branches = branches;
        }

        Chars first() {
            Chars c = Chars.NONE;
            for (Node n : branches) c = c.union(n.first());
            return c;
        }

        boolean nullable() {
            return branches.stream().anyMatch(Node::nullable);
        }

        boolean variable() {
            // alternatives of different lengths or overlapping starts make a repetition of them ambiguous
            return branches.stream().anyMatch(Node::variable) || overlapping();
        }

        boolean overlapping() {
            for (int i = 0; i < branches.size(); i++)
                for (int j = i + 1; j < branches.size(); j++) {
                    Node a = branches.get(i), b = branches.get(j);
                    if (a.nullable() || b.nullable() || a.first().intersects(b.first())) return true;
                }
            return false;
        }

        void checkNesting() {
            branches.forEach(Node::checkNesting);
        }

        int cost(Chars follow, boolean atEnd) {
            int c = 0;
            for (Node n : branches) c = Math.max(c, n.cost(follow, atEnd));
            return c;
        }

        int ambiguity(Chars follow, boolean atEnd) {
            int a = 0;
            for (Node n : branches) a = Math.max(a, n.ambiguity(follow, atEnd));
            return a;
        }

        @Override
        String firstAmbiguous(Chars follow, boolean atEnd) {
            for (Node n : branches) {
                String s = n.firstAmbiguous(follow, atEnd);
                if (!s.isEmpty()) return s;
            }
            return "";
        }
    }

    /** An atomic group {@code (?>…)}: matched once, never backtracked into. */
    private static final class Atomic extends Node {
        final Node body;

        Atomic(Node body) {
            this.body = body;
        }

        Chars first() {
            return body.first();
        }

        boolean nullable() {
            return body.nullable();
        }

        boolean variable() {
            return body.variable();
        }

        void checkNesting() {
            body.checkNesting();
        }

        int cost(Chars follow, boolean atEnd) {
            return body.cost(Chars.NONE, false);
        }

        // an atomic group never backtracks into its body: no ambiguity (the default)
    }

    private static final class Repeat extends Node {
        final Node body;
        final int min;
        /** -1: unbounded. */
        final int max;

        final boolean possessive;
        final String text;

        Repeat(Node body, int min, int max, boolean possessive, String text) {
            this.body = body;
            this.min = min;
            this.max = max;
            this.possessive = possessive;
            this.text = text;
        }

        boolean varies() {
            return max != min;
        }

        Chars first() {
            return max == 0 ? Chars.NONE : body.first();
        }

        boolean nullable() {
            return min == 0 || body.nullable();
        }

        boolean variable() {
            return varies() || body.variable();
        }

        void checkNesting() {
            if ((max < 0 || max > 1) && body.variable())
                throw new Refused("nested quantifier: '" + text + "' repeats a part that can itself match in"
                        + " several ways (a quantifier inside a repeated group, or alternatives that start"
                        + " alike), which a backtracking engine tries in exponentially many combinations;"
                        + " write the repeated part with a fixed length or distinct alternatives, e.g."
                        + " (ab)+ or (foo|bar)*, or drop the outer quantifier");
            if (max < 0 && !(body instanceof Atom))
                throw new Refused("'" + text + "' repeats a group without a bound: java.util.regex goes one call"
                        + " deeper per repetition, which overflows its stack on a long value; give the group a"
                        + " count such as {0," + MAX_COUNT + "}, or repeat single characters or classes ([ab]*)");
            body.checkNesting();
        }

        /** Whether backtracking into this quantifier can retry what follows at many positions. */
        private boolean ambiguous(Chars follow, boolean atEnd) {
            if (!varies() || possessive) return false;
            if (atEnd) return false; // only the end follows: a shorter match fails at once
            return body.first().intersects(follow);
        }

        int cost(Chars follow, boolean atEnd) {
            int inner = body.cost(body.first().union(follow), false);
            if (!varies()) return inner;
            // a final (?s).* reaches the end at once: no scan to pay for (without (?s) it scans to a line end)
            if (atEnd && body instanceof Atom a && a.chars.equals(Chars.ALL)) return inner;
            return Math.max(1, inner);
        }

        int ambiguity(Chars follow, boolean atEnd) {
            return (ambiguous(follow, atEnd) ? 1 : 0)
                    + body.ambiguity(body.first().union(follow), atEnd && max == 1);
        }

        @Override
        String firstAmbiguous(Chars follow, boolean atEnd) {
            if (ambiguous(follow, atEnd)) return "'" + text + "'";
            return body.firstAmbiguous(body.first().union(follow), atEnd && max == 1);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // a parser of java.util.regex syntax (the pattern already compiled, so it is well formed)

    private static final class Parser {
        private final String p;
        private int i;
        private boolean caseless;
        private boolean dotAll;

        Parser(String p) {
            this.p = p;
        }

        Node parse() {
            Node n = alternation();
            if (i < p.length()) throw new Refused("unbalanced ')' at index " + i);
            return n;
        }

        private Node alternation() {
            var branches = new ArrayList<Node>();
            branches.add(sequence());
            while (i < p.length() && p.charAt(i) == '|') {
                i++;
                branches.add(sequence());
            }
            return branches.size() == 1 ? branches.get(0) : new Alt(branches);
        }

        private Node sequence() {
            var items = new ArrayList<Node>();
            while (i < p.length() && p.charAt(i) != '|' && p.charAt(i) != ')') {
                int start = i;
                Node atom = atom();
                if (atom == null) continue; // a flag group such as (?i)
                items.add(quantified(atom, start));
            }
            return items.size() == 1 ? items.get(0) : new Seq(items);
        }

        private Node quantified(Node atom, int start) {
            while (i < p.length()) {
                char c = p.charAt(i);
                int min, max;
                if (c == '*') {
                    min = 0;
                    max = -1;
                    i++;
                } else if (c == '+') {
                    min = 1;
                    max = -1;
                    i++;
                } else if (c == '?') {
                    min = 0;
                    max = 1;
                    i++;
                } else if (c == '{') {
                    int close = p.indexOf('}', i);
                    String[] parts = p.substring(i + 1, close).split(",", -1);
                    min = count(parts[0]);
                    max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : count(parts[1]);
                    i = close + 1;
                } else break;
                boolean possessive = false;
                if (i < p.length() && p.charAt(i) == '?') i++;
                else if (i < p.length() && p.charAt(i) == '+') {
                    possessive = true;
                    i++;
                }
                atom = new Repeat(atom, min, max, possessive, p.substring(start, i));
            }
            return atom;
        }

        private static int count(String s) {
            long v = Long.parseLong(s.strip());
            if (v > MAX_COUNT) throw new Refused("a counted repetition {" + s + "} is larger than " + MAX_COUNT);
            return (int) v;
        }

        /** One atom; null for an inline flag group that matches nothing. */
        private Node atom() {
            char c = p.charAt(i);
            switch (c) {
                case '(' -> {
                    return group();
                }
                case '[' -> {
                    return new Atom(charClass());
                }
                case '.' -> {
                    i++;
                    return new Atom(dotAll ? Chars.ALL : Chars.LINE_ENDS.complement());
                }
                case '^', '$' -> {
                    i++;
                    return new Anchor();
                }
                case '\\' -> {
                    return escape();
                }
                default -> {
                    int cp = p.codePointAt(i);
                    i += Character.charCount(cp);
                    return new Atom(literal(cp));
                }
            }
        }

        private Chars literal(int cp) {
            Chars c = Chars.one(cp);
            return caseless ? c.caseless() : c;
        }

        private Node group() {
            i++; // (
            boolean outerDotAll = dotAll;
            boolean atomic = false;
            if (p.startsWith("?", i)) {
                if (p.startsWith("?=", i) || p.startsWith("?!", i) || p.startsWith("?<=", i) || p.startsWith("?<!", i))
                    throw new Refused("lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported"
                            + " here: they can make matching take exponential time; match the text itself instead");
                if (p.startsWith("?>", i)) {
                    atomic = true;
                    i += 2;
                } else if (p.startsWith("?:", i)) i += 2;
                else if (p.startsWith("?<", i)) i = p.indexOf('>', i) + 1; // named group
                else {
                    // inline flags: (?idmsuxU-idmsuxU) or (?flags:X)
                    int j = i + 1;
                    boolean on = true;
                    while (j < p.length() && p.charAt(j) != ')' && p.charAt(j) != ':') {
                        char f = p.charAt(j);
                        if (f == '-') on = false;
                        else if (f == 'x' && on)
                            throw new Refused("the comments flag (?x) is not supported here; write the pattern"
                                    + " without blanks and comments");
                        else if (f == 'i') caseless = on || caseless; // conservative: once caseless, stays
                        else if (f == 's') dotAll = on;
                        j++;
                    }
                    if (p.charAt(j) == ')') {
                        i = j + 1;
                        return null;
                    }
                    i = j + 1;
                }
            }
            Node body = alternation();
            dotAll = outerDotAll;
            i++; // )
            return atomic ? new Atomic(body) : body instanceof Alt || body instanceof Seq ? body : wrap(body);
        }

        /** A group of one node stays that node (a Seq of one, so quantifier texts name the group). */
        private static Node wrap(Node n) {
            return new Seq(List.of(n));
        }

        private Node escape() {
            i++; // backslash
            char c = p.charAt(i++);
            switch (c) {
                case 'd':
                    return new Atom(Chars.DIGIT);
                case 'D':
                    return new Atom(Chars.DIGIT.complement());
                case 'w':
                    return new Atom(Chars.WORD);
                case 'W':
                    return new Atom(Chars.WORD.complement());
                case 's':
                    return new Atom(Chars.SPACE);
                case 'S':
                    return new Atom(Chars.SPACE.complement());
                case 'h', 'H', 'v', 'V', 'R', 'X':
                    return new Atom(Chars.ALL);
                case 'p', 'P': {
                    skipProperty();
                    return new Atom(Chars.ALL);
                }
                case 'N': {
                    i = p.indexOf('}', i) + 1;
                    return new Atom(Chars.ALL);
                }
                case 'b':
                    if (p.startsWith("{g}", i)) i += 3;
                    return new Anchor();
                case 'B', 'A', 'G', 'Z', 'z':
                    return new Anchor();
                case 'k':
                    throw backreference();
                case 'Q': {
                    int end = p.indexOf("\\E", i);
                    String quoted = end < 0 ? p.substring(i) : p.substring(i, end);
                    i = end < 0 ? p.length() : end + 2;
                    var items = new ArrayList<Node>();
                    quoted.codePoints().forEach(cp -> items.add(new Atom(literal(cp))));
                    if (items.isEmpty()) return new Anchor();
                    return items.size() == 1 ? items.get(0) : new Seq(items);
                }
                default: {
                    if (c >= '1' && c <= '9') throw backreference();
                    i--;
                    return new Atom(literal(escapedChar()));
                }
            }
        }

        private static Refused backreference() {
            return new Refused("backreferences (\\1, \\k<name>) are not supported here: they can make matching"
                    + " take exponential time");
        }

        private void skipProperty() {
            if (i < p.length() && p.charAt(i) == '{') i = p.indexOf('}', i) + 1;
            else i++;
        }

        /** The code point of an escape whose backslash is consumed, at i (t n r f a e 0 x u c or a symbol). */
        private int escapedChar() {
            char c = p.charAt(i++);
            switch (c) {
                case 't':
                    return '\t';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 'f':
                    return '\f';
                case 'a':
                    return 7;
                case 'e':
                    return 27;
                case '0': {
                    int v = 0, n = 0;
                    while (i < p.length()
                            && n < 3
                            && p.charAt(i) >= '0'
                            && p.charAt(i) <= '7'
                            && v * 8 + (p.charAt(i) - '0') <= 0377) {
                        v = v * 8 + (p.charAt(i++) - '0');
                        n++;
                    }
                    return v;
                }
                case 'x': {
                    if (p.charAt(i) == '{') {
                        int close = p.indexOf('}', i);
                        int v = Integer.parseInt(p.substring(i + 1, close), 16);
                        i = close + 1;
                        return v;
                    }
                    int v = Integer.parseInt(p.substring(i, i + 2), 16);
                    i += 2;
                    return v;
                }
                case 'u': {
                    int v = Integer.parseInt(p.substring(i, i + 4), 16);
                    i += 4;
                    return v;
                }
                case 'c':
                    return p.charAt(i++) ^ 64;
                default:
                    return c;
            }
        }

        /** A class {@code [...]}, conservatively: its union (an intersection or a nested class: any char). */
        private Chars charClass() {
            i++; // [
            boolean negated = false;
            if (i < p.length() && p.charAt(i) == '^') {
                negated = true;
                i++;
            }
            Chars set = Chars.NONE;
            boolean exact = true;
            boolean firstItem = true;
            while (i < p.length() && (p.charAt(i) != ']' || firstItem)) {
                firstItem = false;
                char c = p.charAt(i);
                if (c == '[') {
                    Chars inner = charClass();
                    set = set.union(inner);
                    exact = false;
                    continue;
                }
                if (c == '&' && p.startsWith("&&", i)) {
                    i += 2;
                    exact = false;
                    continue;
                }
                Chars item;
                int lo;
                if (c == '\\') {
                    char e = p.charAt(i + 1);
                    switch (e) {
                        case 'd' -> item = Chars.DIGIT;
                        case 'D' -> item = Chars.DIGIT.complement();
                        case 'w' -> item = Chars.WORD;
                        case 'W' -> item = Chars.WORD.complement();
                        case 's' -> item = Chars.SPACE;
                        case 'S' -> item = Chars.SPACE.complement();
                        case 'h', 'H', 'v', 'V' -> item = Chars.ALL;
                        case 'p', 'P', 'N' -> item = null;
                        case 'Q' -> item = null;
                        default -> item = Chars.NONE;
                    }
                    if (item == null) {
                        i += 2;
                        if (e == 'Q') {
                            int end = p.indexOf("\\E", i);
                            String quoted = end < 0 ? p.substring(i) : p.substring(i, end);
                            i = end < 0 ? p.length() : end + 2;
                            for (int cp : quoted.codePoints().toArray()) set = set.union(Chars.one(cp));
                        } else {
                            if (e == 'N') i = p.indexOf('}', i) + 1;
                            else skipProperty();
                            set = Chars.ALL;
                            exact = false;
                        }
                        continue;
                    }
                    if (item != Chars.NONE) {
                        i += 2;
                        set = set.union(item);
                        continue;
                    }
                    i++;
                    lo = escapedChar();
                } else {
                    lo = p.codePointAt(i);
                    i += Character.charCount(lo);
                }
                int hi = lo;
                if (i + 1 < p.length() && p.charAt(i) == '-' && p.charAt(i + 1) != ']') {
                    i++;
                    if (p.charAt(i) == '\\') {
                        i++;
                        hi = escapedChar();
                    } else {
                        hi = p.codePointAt(i);
                        i += Character.charCount(hi);
                    }
                }
                set = set.union(Chars.of(lo, hi));
            }
            i++; // ]
            if (caseless) set = set.caseless();
            if (negated) return exact ? set.complement() : Chars.ALL;
            return set;
        }
    }
}

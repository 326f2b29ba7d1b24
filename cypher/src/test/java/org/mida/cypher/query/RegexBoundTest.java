package org.mida.cypher.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegexBoundTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "^train-.*",
                ".*oom.*",
                "(?s).*oom.*",
                "(?i)cuda out of memory",
                "(?s)(?i).*cuda out of memory.*",
                "\\w+@\\w+",
                "[^/]+/[^/]+\\.h5",
                "file:///data/scan_\\d+\\.h5",
                ".*\\.h5",
                "(foo|bar){0,1000}baz",
                "(ab){1,50}c",
                "resnet-(18|34|50)",
                "(?s)(?>.*?error).*line.*",
                "(?>.*?a).*b",
                ".*+x.*",
                "a{3}b{2,5}",
                "[]a]+",
                "\\Q(.*.){20}\\E",
                "(?<name>[a-z]+)-\\d{1,4}",
                "\\p{L}+",
                "[a-z&&[^aeiou]]+",
                "",
                "ERROR|WARN",
                "(?s)^Traceback.*",
                ".*error.*line.*",
                "(?i).*cuda.*out of memory.*$"
            })
    void ordinary_patterns_are_accepted(String re) {
        assertThat(RegexBound.problem(re)).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "(.*.){20}#",
                "(a+)+b",
                "(a*)*b",
                "(a|aa)+b",
                "(\\w|\\d)+!",
                "(x+x+)+y",
                "(.*a){12}",
                "(?s).*a.*b",
                "a*a*b",
                ".*oom.*x",
                "\\d+\\d+x",
                ".*error.*line",
                "(a)\\1",
                "(?<n>a)\\k<n>",
                "a(?=b)",
                "a(?!b)",
                "(?<=a)b",
                "(?<!a)b",
                "(?x) a b",
                "a{1,100000}",
                "(ab)+c",
                "(foo|bar)*"
            })
    void patterns_that_backtrack_more_than_linearly_are_refused_with_a_reason(String re) {
        String why = RegexBound.problem(re);
        assertThat(why).as(re).isNotNull().hasSizeGreaterThan(30);
    }

    @Test
    void the_dot_star_word_shape_is_rewritten_to_first_occurrences_with_the_same_matches() {
        assertThat(RegexBound.check(".*oom.*").pattern()).isEqualTo("(?>.*?oom).*");
        assertThat(RegexBound.check("(?s)(?i)^.*error.*line 4\\..*$").pattern())
                .isEqualTo("(?s)(?i)^(?>.*?error)(?>.*?line 4\\.).*$");
        assertThat(RegexBound.check("^train-.*").pattern()).isEqualTo("^train-.*");
        assertThat(RegexBound.check(".*a.*b").pattern()).isEqualTo(".*a.*b");
        var random = new java.util.Random(7);
        List<String> patterns = List.of(".*ab.*", ".*a.*b.*", ".*aa.*aa.*", "(?s).*ab.*ba.*", "^.*b.*a.*$", ".*a\\..*");
        for (String re : patterns) {
            Pattern original = Pattern.compile(re),
                    linear = Pattern.compile(RegexBound.check(re).pattern());
            for (int k = 0; k < 20_000; k++) {
                var sb = new StringBuilder();
                int len = random.nextInt(9);
                for (int c = 0; c < len; c++) sb.append("ab.\n".charAt(random.nextInt(4)));
                String v = sb.toString();
                assertThat(linear.matcher(v).matches())
                        .as(re + " on " + v)
                        .isEqualTo(original.matcher(v).matches());
            }
        }
    }

    @Test
    void an_overlong_or_invalid_pattern_is_refused() {
        assertThat(RegexBound.problem("a".repeat(RegexBound.MAX_LENGTH + 1))).contains("longer than");
        assertThat(RegexBound.problem("(a")).startsWith("not a valid regular expression");
    }

    @Test
    void the_refusals_say_how_to_write_it() {
        assertThat(RegexBound.problem("(.*.){20}#"))
                .contains("nested quantifier")
                .contains("'(.*.){20}'");
        assertThat(RegexBound.problem(".*error.*line")).contains("'.*'").contains("(?>.*?error).*line");
        assertThat(RegexBound.problem("(a)\\1")).contains("backreference");
        assertThat(RegexBound.problem("a(?=b)")).contains("lookahead");
    }

    /**
     * The measurement behind the rule: every accepted pattern, run by java.util.regex (as Neo4j's =~
     * does) over hostile values of 200,000 characters built from the pattern's own characters, answers in
     * well under a second; the refused ".*a.*b" takes seconds on a tenth of that.
     */
    @Test
    void accepted_patterns_run_in_linear_time_on_hostile_values() {
        List<String> accepted = List.of(
                "(?s).*oom.*",
                ".*oom.*",
                "(?s)^train-.*",
                "(?s)\\w+@\\w+",
                "(?s)[^/]+/[^/]+\\.h5",
                "(?s).*\\.h5",
                "(?s)(?>.*?error).*line.*",
                "(?s)(?i).*cuda out of memory.*");
        int n = 200_000;
        List<String> values = List.of(
                "a".repeat(n),
                "oom".repeat(n / 3),
                "oom".repeat(n / 3) + "\n",
                "train-" + "x".repeat(n),
                "a@".repeat(n / 2),
                "a/".repeat(n / 2),
                ".h".repeat(n / 2),
                "foo".repeat(n / 3) + "bar",
                "error".repeat(n / 5),
                "errorline".repeat(n / 9) + "\n",
                "cuda out of memor".repeat(n / 17));
        for (String re : accepted) {
            assertThat(RegexBound.problem(re)).as(re).isNull();
            Pattern p = Pattern.compile(RegexBound.check(re).pattern());
            for (String v : values) {
                long t0 = System.nanoTime();
                p.matcher(v).matches();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms)
                        .as(re + " over " + v.substring(0, 12) + "… (" + v.length() + " chars)")
                        .isLessThan(1_000);
            }
        }
        // what the rule refuses: quadratic, seconds on 20,000 characters already
        Pattern quadratic = Pattern.compile("(?s).*a.*b");
        long t0 = System.nanoTime();
        quadratic.matcher("a".repeat(20_000)).matches();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThan(100);
    }
}

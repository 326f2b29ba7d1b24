package org.mida.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementTextTest {

    @Test
    void a_second_statement_is_found_outside_strings_names_and_comments() {
        assertThat(StatementText.severalStatements("MATCH (n) RETURN n; MATCH (m) DETACH DELETE m"))
                .isTrue();
        assertThat(StatementText.severalStatements("RETURN 1;'x'")).isTrue();
        assertThat(StatementText.severalStatements("RETURN 1;\n/* c */ RETURN 2"))
                .isTrue();
        assertThat(StatementText.severalStatements("MATCH (n) RETURN n;")).isFalse();
        assertThat(StatementText.severalStatements("MATCH (n) RETURN n ; // done\n  /* bye */ "))
                .isFalse();
        assertThat(StatementText.severalStatements("RETURN 'a;b' AS `c;d`, \"e\\\";f\" // ; DELETE\n"))
                .isFalse();
        assertThat(StatementText.severalStatements("RETURN 'it\\'s; fine' AS x"))
                .isFalse();
        assertThat(StatementText.severalStatements("RETURN 1 AS `a``;b`")).isFalse();
        assertThat(StatementText.severalStatements("RETURN 1 /* ; RETURN 2 */")).isFalse();
        assertThat(StatementText.severalStatements("RETURN 'unterminated; RETURN 2"))
                .isFalse();
    }

    @Test
    void the_first_keyword_skips_comments_and_blanks() {
        assertThat(StatementText.firstKeyword("  // note\n /* x */ explain MATCH (n) RETURN n"))
                .isEqualTo("EXPLAIN");
        assertThat(StatementText.firstKeyword("PROFILE RETURN 1")).isEqualTo("PROFILE");
        assertThat(StatementText.firstKeyword("MATCH (n) RETURN n")).isEqualTo("MATCH");
        assertThat(StatementText.firstKeyword("'x'")).isEmpty();
        assertThat(StatementText.firstKeyword("")).isEmpty();
    }
}

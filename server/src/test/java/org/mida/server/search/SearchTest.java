package org.mida.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Lucene query a search text becomes: tokens only, escaped, bounded. */
class SearchTest {
    @Test
    void text_becomes_exact_prefix_and_fuzzy_clauses_over_its_tokens() {
        assertThat(Search.lucene("scan-07")).isEqualTo("(scan^4 OR scan*^2 OR scan~1) AND (07^4 OR 07*^2)");
        assertThat(Search.lucene("Train_Model")).isEqualTo("(train_model^4 OR train_model*^2 OR train_model~1)");
        assertThat(Search.lucene("scan.h5.")).isEqualTo("(scan.h5^4 OR scan.h5*^2 OR scan.h5~1)");
    }

    @Test
    void lucene_syntax_never_reaches_the_query() {
        assertThat(Search.lucene("*")).isNull();
        assertThat(Search.lucene("\" OR *:* ")).isEqualTo("(or^4 OR or*^2)");
        assertThat(Search.lucene("a AND (b")).isEqualTo("(a^4 OR a*^2) AND (and^4 OR and*^2) AND (b^4 OR b*^2)");
        assertThat(Search.lucene("x ".repeat(20)).split(" AND ")).hasSize(Search.MAX_TOKENS);
        assertThat(Search.lucene("y".repeat(100)))
                .contains("y".repeat(Search.MAX_TOKEN_LENGTH) + "^4")
                .doesNotContain("y".repeat(65));
        assertThat(Search.escape("a+b:c*d\\")).isEqualTo("a\\+b\\:c\\*d\\\\");
    }

    @Test
    void which_field_matched_follows_the_index_rules() {
        assertThat(Search.matches("brave-otter-42", "bravo otter")).isTrue();
        assertThat(Search.matches("task:train/17", "train_mod")).isFalse();
        assertThat(Search.matches("train_model", "train_mod")).isTrue();
        assertThat(Search.matches(null, "x")).isFalse();
        assertThat(Search.oneEdit("scan", "scna")).isFalse(); // a transposition is two edits here
        assertThat(Search.oneEdit("brave", "bravo")).isTrue();
        assertThat(Search.oneEdit("train", "trains")).isTrue();
    }
}

package org.mida.cypher.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueryCompilerTest {
    private final QueryCompiler compiler = new QueryCompiler(10_000);

    /** A map keeping insertion order, from alternating keys and values. */
    private static Map<String, Object> m(Object... kv) {
        var out = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) out.put((String) kv[i], kv[i + 1]);
        return out;
    }

    private CompiledQuery filter(Map<String, Object> f) {
        return compiler.compile(m("filter", f));
    }

    private List<QueryException.Problem> problems(Object body) {
        QueryException e = catchThrowableOfType(QueryException.class, () -> compiler.compile(body));
        assertThat(e).as("expected the compiler to refuse the query").isNotNull();
        return e.problems();
    }

    /** The sort key that puts missing values and NaN last. */
    private static String last(String e) {
        return "CASE WHEN " + e + " IS NULL OR " + e + " <> " + e + " OR " + e + " IN ['NaN', 'nan'] THEN 1 ELSE 0 END";
    }

    private String pointer(Object body) {
        List<QueryException.Problem> p = problems(body);
        assertThat(p).hasSize(1);
        return p.get(0).pointer();
    }

    @Test
    void listing_1_compiles_to_a_grouped_parameterized_query() {
        CompiledQuery q = compiler.compile(m(
                "projection", List.of("used.layers", "generated.loss"),
                "aggregation", List.of(List.of("min", "generated.loss")),
                "filter", m("campaign_id", "my_campaign_1"),
                "sort", List.of(List.of("ended_at", "descending")),
                "limit", 100));
        assertThat(q.cypher()).isEqualTo("""
                MATCH (n:Task)
                WHERE n.`campaign_id` = $p0
                WITH n.`used.layers` AS g0, min(n.`generated.loss`) AS a0, max(n.`ended_at`) AS s0
                ORDER BY %s, s0 DESC
                SKIP $offset LIMIT $limit
                RETURN g0 AS c0, a0 AS c1""".formatted(last("s0")));
        assertThat(q.params()).containsEntry("p0", "my_campaign_1").containsEntry("limit", 100L);
        assertThat(q.params()).containsEntry("offset", 0L);
        assertThat(q.columns()).containsExactly("used.layers", "min(generated.loss)");
    }

    @Test
    void projection_without_aggregation_keys_rows_by_the_names_given() {
        CompiledQuery q = compiler.compile(m(
                "projection", List.of("task_id", "used.optimizer.lr"),
                "sort", List.of(List.of("ended_at", "ascending"), List.of("task_id", -1)),
                "offset", 5));
        assertThat(q.cypher()).isEqualTo("""
                MATCH (n:Task)
                WHERE n._json IS NOT NULL
                WITH n
                ORDER BY %s, n.`ended_at` ASC, %s, n.`task_id` DESC
                SKIP $offset LIMIT $limit
                RETURN n.`task_id` AS c0, n.`used.optimizer.lr` AS c1""".formatted(last("n.`ended_at`"), last("n.`task_id`")));
        assertThat(q.columns()).containsExactly("task_id", "used.optimizer.lr");
        assertThat(q.params()).containsEntry("offset", 5L).containsEntry("limit", 100L);
    }

    @Test
    void no_projection_gives_the_default_columns_and_workflows_have_their_own() {
        assertThat(compiler.compile(Map.of()).columns()).isEqualTo(QueryCompiler.TASK_DEFAULT);
        CompiledQuery w = compiler.compile(m("from", "workflows", "filter", m("campaign_id", "c")));
        assertThat(w.columns()).isEqualTo(QueryCompiler.WORKFLOW_DEFAULT).doesNotContain("_json");
        assertThat(w.cypher()).startsWith("MATCH (n:Workflow)\nWHERE n.`campaign_id` = $p0\n");
    }

    @Test
    void placeholders_are_left_out_by_the_filter_or_by_an_explicit_condition() {
        String placeholderCheck = "n._json IS NOT NULL";
        assertThat(filter(m("campaign_id", "c")).cypher()).doesNotContain(placeholderCheck);
        assertThat(filter(m("x", m("$gt", 1))).cypher()).doesNotContain(placeholderCheck);
        assertThat(filter(m("x", m("$exists", true))).cypher()).doesNotContain(placeholderCheck);
        assertThat(filter(m("x", m("$in", List.of(1)))).cypher()).doesNotContain(placeholderCheck);
        assertThat(filter(m("task_id", "t")).cypher()).contains(placeholderCheck);
        assertThat(filter(m("x", null)).cypher()).contains(placeholderCheck);
        assertThat(filter(m("x", m("$ne", 1))).cypher()).contains(placeholderCheck);
        assertThat(filter(m("x", m("$exists", false))).cypher()).contains(placeholderCheck);
        assertThat(filter(m("x", m("$in", java.util.Arrays.asList(1, null)))).cypher())
                .contains(placeholderCheck);
        assertThat(filter(m("$or", List.of(m("x", 1)))).cypher()).contains(placeholderCheck);
        assertThat(compiler.compile(Map.of()).cypher()).contains(placeholderCheck);
    }

    @Test
    void every_operator_compiles_to_its_condition() {
        assertThat(filter(m("status", "FINISHED")).cypher()).contains("n.`status` = $p0");
        assertThat(filter(m("status", null)).cypher()).contains("n.`status` IS NULL");
        assertThat(filter(m("x", m("$gt", 1))).cypher()).contains("n.`x` > $p0");
        assertThat(filter(m("x", m("$gte", 1.5))).cypher()).contains("n.`x` >= $p0");
        assertThat(filter(m("x", m("$lt", "b"))).cypher()).contains("n.`x` < $p0");
        assertThat(filter(m("x", m("$lte", true))).cypher()).contains("n.`x` <= $p0");
        assertThat(filter(m("x", m("$ne", 3))).cypher()).contains("(n.`x` IS NULL OR n.`x` <> $p0)");
        assertThat(filter(m("x", m("$ne", null))).cypher()).contains("n.`x` IS NOT NULL");
        assertThat(filter(m("x", m("$in", List.of(1, 2)))).cypher()).contains("n.`x` IN $p0");
        assertThat(filter(m("x", m("$nin", List.of("a")))).cypher()).contains("NOT coalesce(n.`x` IN $p0, false)");
        assertThat(filter(m("x", m("$exists", true))).cypher()).contains("n.`x` IS NOT NULL");
        assertThat(filter(m("x", m("$exists", false))).cypher()).contains("n.`x` IS NULL");
        assertThat(filter(m("x", m("$regex", "re.*"))).cypher()).contains("n.`x` =~ $p0");
        CompiledQuery range = filter(m("generated.loss", m("$gte", 0.1, "$lt", 0.5)));
        assertThat(range.cypher()).contains("n.`generated.loss` >= $p0 AND n.`generated.loss` < $p1");
        assertThat(range.params()).containsEntry("p0", 0.1).containsEntry("p1", 0.5);
    }

    @Test
    void in_and_nin_treat_null_like_a_missing_field_and_an_empty_list_is_allowed() {
        CompiledQuery in = filter(m("x", m("$in", java.util.Arrays.asList("a", null))));
        assertThat(in.cypher()).contains("(n.`x` IS NULL OR n.`x` IN $p0)");
        assertThat(in.params().get("p0")).isEqualTo(List.of("a"));
        CompiledQuery nin = filter(m("x", m("$nin", java.util.Arrays.asList(null, 1))));
        assertThat(nin.cypher()).contains("(n.`x` IS NOT NULL AND NOT coalesce(n.`x` IN $p0, false))");
        assertThat(nin.params().get("p0")).isEqualTo(List.of(1L));
        CompiledQuery empty = filter(m("x", m("$in", List.of())));
        assertThat(empty.cypher()).contains("n.`x` IN $p0");
        assertThat(empty.params().get("p0")).isEqualTo(List.of());
    }

    @Test
    void and_or_nest_and_combine_with_fields() {
        CompiledQuery q = filter(m(
                "campaign_id",
                "c",
                "$or",
                List.of(m("status", "ERROR"), m("$and", List.of(m("x", m("$gt", 1)), m("y", 2)))),
                "$and",
                List.of(Map.of())));
        assertThat(q.cypher())
                .contains("n.`campaign_id` = $p0 AND ((n.`status` = $p1) OR (((n.`x` > $p2) AND (n.`y` = $p3))))"
                        + " AND (true)");
        assertThat(q.params())
                .containsEntry("p0", "c")
                .containsEntry("p1", "ERROR")
                .containsEntry("p2", 1L)
                .containsEntry("p3", 2L);
    }

    @Test
    void aggregations_with_group_by_and_count_star() {
        CompiledQuery q = compiler.compile(m(
                "aggregation",
                List.of(List.of("count", "*"), List.of("AVG", "duration"), List.of("sum", "generated.n")),
                "group_by",
                List.of("hostname", "status"),
                "sort",
                List.of(List.of("count(*)", "descending"), List.of("hostname", "asc"))));
        assertThat(q.cypher())
                .contains("WITH n.`hostname` AS g0, n.`status` AS g1, count(*) AS a0, avg(n.`duration`) AS a1,"
                        + " sum(n.`generated.n`) AS a2\n")
                .contains("ORDER BY " + last("a0") + ", a0 DESC, " + last("g0") + ", g0 ASC\n")
                .endsWith("RETURN g0 AS c0, g1 AS c1, a0 AS c2, a1 AS c3, a2 AS c4");
        assertThat(q.columns()).containsExactly("hostname", "status", "count(*)", "avg(duration)", "sum(generated.n)");
        assertThat(q.columns()).containsExactly("hostname", "status", "count(*)", "avg(duration)", "sum(generated.n)");
        CompiledQuery distinct = compiler.compile(m("group_by", List.of("hostname")));
        assertThat(distinct.cypher()).contains("WITH DISTINCT n.`hostname` AS g0\n");
    }

    @Test
    void values_are_always_parameters_never_text() {
        List<String> hostile = List.of(
                "x' OR 1=1 //",
                "\" }) MATCH (n) DETACH DELETE n //",
                "`) DETACH DELETE n //",
                "}; MATCH (n) DETACH DELETE n",
                "\\u0060 MATCH (n) DETACH DELETE n",
                "ünï😀 $p0 ${x}");
        for (String h : hostile) {
            CompiledQuery q = filter(m(
                    "task_id",
                    h,
                    "x",
                    m("$in", List.of(h), "$ne", h, "$gt", h, "$regex", java.util.regex.Pattern.quote(h))));
            assertThat(q.cypher()).doesNotContain(h).doesNotContain("DELETE").doesNotContain("'");
            assertThat(q.params().values()).contains(h, List.of(h));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"used..x", ".x", "x.", "", "a\\u0060b", "used.a\\b", "a\\", "a\nb", "a\u0000b"})
    void names_that_are_not_field_names_are_refused_everywhere_with_their_pointer(String key) {
        JsonPointer filter = JsonPointer.empty().appendProperty("filter");
        assertThat(pointer(m("filter", m(key, 1))))
                .isEqualTo(filter.appendProperty(key).toString());
        assertThat(pointer(m("filter", m("$or", List.of(m("ok", 1), m(key, m("$gt", 1)))))))
                .isEqualTo(filter.appendProperty("$or")
                        .appendIndex(1)
                        .appendProperty(key)
                        .toString());
        assertThat(pointer(m("projection", List.of("ok", key)))).isEqualTo("/projection/1");
        assertThat(pointer(m("group_by", List.of(key)))).isEqualTo("/group_by/0");
        assertThat(pointer(m("aggregation", List.of(List.of("max", key))))).isEqualTo("/aggregation/0/1");
        assertThat(pointer(m("sort", List.of(List.of(key, "ascending"))))).isEqualTo("/sort/0/0");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a`b",
                "used.x` = 1 OR true //",
                "x}) MATCH (n) DETACH DELETE n //",
                "MATCH (n) DETACH DELETE n",
                "a'b",
                "a\"b",
                "a//b",
                "a/*b*/",
                "a b",
                "a\u0060b",
                "a\uFF40b",
                "a$b",
                "a;b",
                "used.a\\.b",
                "used.a\\\\b",
                "custom_metadata.mlflow\\.runName"
            })
    void keys_with_any_other_character_are_fields_read_through_a_parameter_never_written_into_the_cypher(String key) {
        for (Object body : List.of(
                m("filter", m(key, 1)),
                m("filter", m("$or", List.of(m("ok", 1), m(key, m("$gt", 1))))),
                m("projection", List.of("ok", key)),
                m("group_by", List.of(key)),
                m("aggregation", List.of(List.of("max", key))),
                m("sort", List.of(List.of(key, "ascending"))))) {
            CompiledQuery q = compiler.compile(body);
            assertThat(q.cypher()).doesNotContain(key).contains("n[$f0]");
            assertThat(q.params()).containsEntry("f0", key);
            assertThat(q.fields()).extracting(CompiledQuery.FieldUse::name).contains(key);
        }
    }

    @Test
    void pointers_escape_tilde_and_slash_as_rfc_6901_says() {
        assertThat(pointer(m("filter", m("a/b~c.", 1)))).isEqualTo("/filter/a~1b~0c.");
        assertThat(pointer(m("filter", m("$or", List.of(m("ok", 1), m("~/.", m("$gt", 1)))))))
                .isEqualTo("/filter/$or/1/~0~1.");
        assertThat(pointer(m("filter", m("x", m("$in", List.of("a", List.of(1)))))))
                .isEqualTo("/filter/x/$in/1");
        assertThat(pointer(m("filter", m("x", m("a/b", 1))))).isEqualTo("/filter/x/a~1b");
        assertThat(pointer(m("x/y", 1))).isEqualTo("/x~1y");
        assertThat(pointer(m("", 1))).isEqualTo("/");
        assertThat(pointer(List.of())).isEmpty();
    }

    @Test
    void explain_is_carried_by_the_compiled_query() {
        assertThat(compiler.compile(m("explain", true)).explain()).isTrue();
        assertThat(compiler.compile(m("explain", false)).explain()).isFalse();
        assertThat(compiler.compile(m()).explain()).isFalse();
    }

    @Test
    void unicode_letters_are_valid_field_names_and_stay_quoted() {
        CompiledQuery q = filter(m("used.größe", 1, "generated.损失", m("$lt", 1)));
        assertThat(q.cypher()).contains("n.`used.größe` = $p0 AND n.`generated.损失` < $p1");
        assertThat(Fields.valid("used.a-b_c.0")).isTrue();
        assertThat(Fields.valid("x".repeat(Fields.MAX_LENGTH + 1))).isFalse();
    }

    @Test
    void unknown_operators_and_keys_are_refused_with_their_pointer() {
        assertThat(pointer(m("filter", m("x", m("$where", "1"))))).isEqualTo("/filter/x/$where");
        assertThat(pointer(m("filter", m("$nor", List.of())))).isEqualTo("/filter/$nor");
        assertThat(pointer(m("filter", m("$gt", 1)))).isEqualTo("/filter/$gt");
        assertThat(pointer(m("filter", m("x", m("a", 1))))).isEqualTo("/filter/x/a");
        assertThat(pointer(m("filter", m("x", m("$gt", 1, "b/c~", 1))))).isEqualTo("/filter/x/b~1c~0");
        assertThat(pointer(m("projecton", List.of("x")))).isEqualTo("/projecton");
        assertThat(pointer(m("from", "entities"))).isEqualTo("/from");
        assertThat(pointer(m("aggregation", List.of(List.of("median", "x"))))).isEqualTo("/aggregation/0/0");
        assertThat(pointer(m("aggregation", List.of(List.of("min", "*"))))).isEqualTo("/aggregation/0/1");
        assertThat(pointer(m("aggregation", List.of("min")))).isEqualTo("/aggregation/0");
        assertThat(pointer(m("sort", List.of(List.of("x", "up"))))).isEqualTo("/sort/0/1");
        assertThat(pointer(m("sort", List.of("ok", "a..b")))).isEqualTo("/sort/1");
        assertThat(compiler.compile(m("sort", List.of("ended_at"))).cypher())
                .contains("ORDER BY " + last("n.`ended_at`") + ", n.`ended_at` ASC");
        assertThat(pointer(m("limit", 10_001))).isEqualTo("/limit");
        assertThat(pointer(m("limit", -1))).isEqualTo("/limit");
        assertThat(pointer(m("limit", "10"))).isEqualTo("/limit");
        assertThat(pointer(m("offset", 1.5))).isEqualTo("/offset");
        assertThat(pointer(m("explain", "yes"))).isEqualTo("/explain");
        assertThat(pointer(m("projection", List.of("a", "a")))).isEqualTo("/projection/1");
        assertThat(pointer(m("projection", "a"))).isEqualTo("/projection");
        assertThat(pointer(List.of())).isEqualTo("");
    }

    @Test
    void bad_operator_arguments_are_refused() {
        assertThat(pointer(m("filter", m("x", m("$in", "a"))))).isEqualTo("/filter/x/$in");
        assertThat(pointer(m("filter", m("x", m("$in", List.of(1, Map.of())))))).isEqualTo("/filter/x/$in/1");
        assertThat(pointer(m("filter", m("x", m("$exists", 1))))).isEqualTo("/filter/x/$exists");
        assertThat(pointer(m("filter", m("x", m("$gt", List.of(1)))))).isEqualTo("/filter/x/$gt");
        assertThat(pointer(m("filter", m("x", m("$regex", "(unclosed"))))).isEqualTo("/filter/x/$regex");
        assertThat(pointer(m("filter", m("x", m("$regex", "a".repeat(1001)))))).isEqualTo("/filter/x/$regex");
        assertThat(pointer(m("filter", m("x", m())))).isEqualTo("/filter/x");
        assertThat(pointer(m("filter", m("$and", List.of())))).isEqualTo("/filter/$and");
        assertThat(pointer(m("filter", m("$or", List.of("x"))))).isEqualTo("/filter/$or/0");
        assertThat(pointer(m("filter", m("x", List.of(1, List.of(2)))))).isEqualTo("/filter/x/1");
        assertThat(pointer(m("filter", m("x", new java.math.BigInteger("1" + "0".repeat(30))))))
                .isEqualTo("/filter/x");
        assertThat(pointer(m("filter", "x"))).isEqualTo("/filter");
        assertThat(filter(m("x", m("$regex", "a".repeat(1000)))).params()).hasSize(3);
    }

    @Test
    void every_problem_is_reported_at_once() {
        List<QueryException.Problem> p =
                problems(m("filter", m("a.", 1, "b", m("$nope", 1)), "projection", List.of("c..d"), "limit", 0.5));
        assertThat(p)
                .extracting(QueryException.Problem::pointer)
                .containsExactlyInAnyOrder("/filter/a.", "/filter/b/$nope", "/projection/0", "/limit");
    }

    @Test
    void deep_nesting_is_refused_without_exhausting_the_stack() {
        Object f = m("x", 1);
        for (int i = 0; i < 50_000; i++) f = m("$and", List.of(f));
        Object deep = f;
        List<QueryException.Problem> p = problems(m("filter", deep));
        assertThat(p).hasSize(1);
        assertThat(p.get(0).detail()).contains("deeper");
        Object ok = m("x", 1);
        for (int i = 0; i < QueryCompiler.MAX_FILTER_DEPTH; i++) ok = m("$or", List.of(ok));
        assertThat(compiler.compile(m("filter", ok)).params()).containsEntry("p0", 1L);
    }

    @Test
    void too_many_values_are_refused_once() {
        var many = new ArrayList<Object>();
        for (int i = 0; i <= QueryCompiler.MAX_VALUES; i++) many.add(m("x", i));
        List<QueryException.Problem> p = problems(m("filter", m("$or", many)));
        assertThat(p).hasSize(1);
        assertThat(p.get(0).detail()).contains("at most");
    }

    @Test
    void a_sort_in_a_grouped_query_may_name_keys_aggregates_or_member_fields() {
        CompiledQuery q = compiler.compile(m(
                "aggregation", List.of(List.of("max", "generated.acc")),
                "group_by", List.of("used.layers"),
                "sort", List.of(List.of("max(generated.acc)", "desc"), List.of("started_at", "asc"))));
        assertThat(q.cypher())
                .contains("min(n.`started_at`) AS s0")
                .contains("ORDER BY " + last("a0") + ", a0 DESC, " + last("s0") + ", s0 ASC");
        assertThat(pointer(m("sort", List.of(List.of("max(generated.acc)", "desc")))))
                .isEqualTo("/sort/0/0");
        assertThatThrownBy(() -> new QueryCompiler(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void regex_matches_across_lines_so_a_word_in_a_multi_line_stderr_is_found() {
        CompiledQuery q = filter(m("stderr", m("$regex", ".*out of memory.*")));
        assertThat(q.cypher()).contains("n.`stderr` =~ $p0");
        // the same matches, in the linear form RegexBound gives the .*word.* shape
        assertThat(q.params()).containsEntry("p0", "(?s)(?>.*?out of memory).*");
    }

    @Test
    void a_regex_that_backtracks_without_bound_is_refused_with_why_and_how() {
        var e = catchThrowableOfType(QueryException.class, () -> filter(m("name", m("$regex", "(.*.){20}#"))));
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0).pointer()).isEqualTo("/filter/name/$regex");
        assertThat(e.problems().get(0).detail()).contains("nested quantifier");
        assertThat(filter(m("name", m("$regex", "^train-.*"))).params()).containsEntry("p0", "(?s)^train-.*");
        assertThat(filter(m("name", m("$regex", "(?i)cuda out of memory"))).params())
                .containsEntry("p0", "(?s)(?i)cuda out of memory");
    }

    @Test
    void a_single_value_on_a_list_field_is_looked_up_among_its_elements() {
        assertThat(filter(m("tags", "gpu")).cypher()).contains("coalesce($p0 IN n.`tags`, false)");
        assertThat(filter(m("tags", List.of("a", "b"))).cypher()).contains("n.`tags` = $p0");
        assertThat(filter(m("tags", m("$in", List.of("a")))).cypher())
                .contains("any(x IN coalesce(n.`tags`, []) WHERE x IN $p0)");
        assertThat(filter(m("tags", m("$ne", "a"))).cypher()).contains("NOT coalesce($p0 IN n.`tags`, false)");
        assertThat(filter(m("dependencies", m("$regex", "t.*"))).cypher())
                .contains("any(x IN coalesce(n.`dependencies`, []) WHERE x =~ $p0)");
    }

    @Test
    void the_compiled_query_names_its_fields_with_pointers_and_the_campaigns_it_is_restricted_to() {
        CompiledQuery q = compiler.compile(m(
                "projection", List.of("used.lr"),
                "filter", m("campaign_id", m("$in", List.of("c1", "c2")), "generated.loss", m("$lt", 1)),
                "sort", List.of(List.of("ended_at", "desc"))));
        assertThat(q.fields())
                .containsExactlyInAnyOrder(
                        new CompiledQuery.FieldUse("used.lr", "/projection/0"),
                        new CompiledQuery.FieldUse("campaign_id", "/filter/campaign_id"),
                        new CompiledQuery.FieldUse("generated.loss", "/filter/generated.loss"),
                        new CompiledQuery.FieldUse("ended_at", "/sort/0/0"));
        assertThat(q.campaigns()).containsExactly("c1", "c2");
        assertThat(q.from()).isEqualTo("tasks");
        assertThat(filter(m("campaign_id", "c1")).campaigns()).containsExactly("c1");
        // a campaign inside $or does not restrict the whole query
        assertThat(filter(m("$or", List.of(m("campaign_id", "c1"), m("x", 1)))).campaigns())
                .isEmpty();
    }

    @Test
    void escaped_names_follow_one_rule_shared_with_the_ingest() {
        assertThat(Fields.escape("a.b")).isEqualTo("a\\.b");
        assertThat(Fields.escape("a\\b")).isEqualTo("a\\\\b");
        assertThat(Fields.path("used", "mlflow.runName")).isEqualTo("used.mlflow\\.runName");
        assertThat(Fields.segments("used.a\\.b.c")).containsExactly("used", "a.b", "c");
        assertThat(Fields.valid("used.a\\.b")).isTrue();
        assertThat(Fields.simple("used.a\\.b")).isFalse();
        assertThat(Fields.simple("used.a_b-c.0")).isTrue();
    }
}

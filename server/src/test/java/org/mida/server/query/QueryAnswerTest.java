package org.mida.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.cypher.query.QueryCompiler;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;

/** The JSON of the query answers, as the server's mapper writes them, and the Cypher body's checks. */
class QueryAnswerTest {
    private static final ObjectMapper MAPPER = EventCodec.shared().mapper();

    private static String json(Object o) throws Exception {
        return MAPPER.writeValueAsString(o);
    }

    private static List<Map<String, Object>> rows() {
        var row = new LinkedHashMap<String, Object>();
        row.put("task_id", "a");
        row.put("generated.loss", null);
        return List.of(row);
    }

    @Test
    void a_query_answer_is_rows_and_count_and_keeps_null_values_in_rows() throws Exception {
        var q = new QueryCompiler(10).compile(Map.of("projection", List.of("task_id", "generated.loss")));
        assertThat(json(QueryAnswer.of(rows(), q)))
                .isEqualTo("{\"rows\":[{\"task_id\":\"a\",\"generated.loss\":null}],\"count\":1}");
    }

    @Test
    void with_explain_the_answer_adds_the_cypher_and_its_params() throws Exception {
        var body = new LinkedHashMap<String, Object>();
        body.put("filter", Map.of("campaign_id", "c"));
        body.put("limit", 5);
        body.put("explain", true);
        var q = new QueryCompiler(10).compile(body);
        var tree = MAPPER.readTree(json(QueryAnswer.of(List.of(), q)));
        assertThat(tree.fieldNames()).toIterable().containsExactly("rows", "count", "cypher", "params");
        assertThat(tree.get("count").asInt()).isZero();
        assertThat(tree.get("cypher").asText()).isEqualTo(q.cypher());
        assertThat(tree.get("params").toString()).isEqualTo("{\"p0\":\"c\",\"offset\":0,\"limit\":5}");
    }

    @Test
    void count_must_be_the_number_of_rows() {
        assertThatThrownBy(() -> new QueryAnswer(rows(), 2, null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_cypher_answer_is_columns_rows_and_truncated() throws Exception {
        assertThat(json(new CypherAnswer(List.of("task_id", "generated.loss"), rows(), false)))
                .isEqualTo("{\"columns\":[\"task_id\",\"generated.loss\"],"
                        + "\"rows\":[{\"task_id\":\"a\",\"generated.loss\":null}],\"truncated\":false}");
        assertThat(json(new CypherAnswer(List.of(), List.of(), true)))
                .isEqualTo("{\"columns\":[],\"rows\":[],\"truncated\":true}");
    }

    @Test
    void a_cypher_body_gives_its_query_and_params_as_driver_values() {
        var params = new LinkedHashMap<String, Object>();
        params.put("n", new java.math.BigInteger("12"));
        params.put("x", null);
        CypherRequest r = CypherRequest.of(Map.of("query", "RETURN $n", "params", params));
        assertThat(r.query()).isEqualTo("RETURN $n");
        assertThat(r.params()).containsEntry("n", 12L).containsEntry("x", null);
        assertThat(CypherRequest.of(Map.of("query", "RETURN 1")).params()).isEmpty();
    }

    @Test
    void a_wrong_cypher_body_is_an_invalid_query_naming_every_wrong_part() {
        var body = new LinkedHashMap<String, Object>();
        body.put("a/b", 1);
        body.put("query", " ");
        body.put("params", List.of(1));
        ApiException e = catchThrowableOfType(ApiException.class, () -> CypherRequest.of(body));
        assertThat(e.type()).isEqualTo(ProblemType.INVALID_QUERY);
        var pointers = new ArrayList<String>();
        for (Problem.Error err : e.errors()) pointers.add(err.pointer());
        assertThat(pointers).containsExactly("/a~1b", "/query", "/params");
        assertThat(catchThrowableOfType(
                                ApiException.class,
                                () -> CypherRequest.of(Map.of("query", "x".repeat(CypherRequest.MAX_QUERY_LENGTH + 1))))
                        .errors())
                .extracting(Problem.Error::pointer)
                .containsExactly("/query");
        assertThat(catchThrowableOfType(ApiException.class, () -> CypherRequest.of(List.of()))
                        .type())
                .isEqualTo(ProblemType.INVALID_REQUEST);
        ApiException tooBig = catchThrowableOfType(
                ApiException.class,
                () -> CypherRequest.of(Map.of(
                        "query",
                        "RETURN 1",
                        "params",
                        Map.of("n", List.of(new java.math.BigInteger("1" + "0".repeat(30)))))));
        assertThat(tooBig.errors()).extracting(Problem.Error::pointer).containsExactly("/params/n/0");
    }
}

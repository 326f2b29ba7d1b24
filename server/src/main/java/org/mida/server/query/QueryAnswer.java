package org.mida.server.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.mida.cypher.query.CompiledQuery;

/**
 * The answer of {@code POST /api/query}: the rows (keyed by the column names the query asked for, a
 * missing value as null), how many there are, and with {@code "explain": true} the Cypher that ran and
 * its parameters (absent otherwise).
 */
record QueryAnswer(
        List<Map<String, Object>> rows,
        int count,
        @JsonInclude(JsonInclude.Include.NON_NULL) String cypher,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> params) {

    QueryAnswer {
        rows = List.copyOf(rows);
        if (count != rows.size()) throw new IllegalArgumentException("count must be the number of rows");
        if ((cypher == null) != (params == null)) throw new IllegalArgumentException("cypher and params go together");
    }

    static QueryAnswer of(List<Map<String, Object>> rows, CompiledQuery q) {
        return q.explain()
                ? new QueryAnswer(rows, rows.size(), q.cypher(), q.params())
                : new QueryAnswer(rows, rows.size(), null, null);
    }
}

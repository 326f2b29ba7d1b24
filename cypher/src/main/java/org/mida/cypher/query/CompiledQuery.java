package org.mida.cypher.query;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A query compiled from the JSON DSL: Cypher text whose every value is a parameter ({@code $p0},
 * {@code $p1}, …, {@code $offset}, {@code $limit}), the parameters, the answer's column names in order
 * (the row keys: projected field names as given, {@code "min(generated.loss)"} for aggregates), and
 * whether the request asked to see the Cypher and its parameters ({@code "explain": true}).
 */
public record CompiledQuery(String cypher, Map<String, Object> params, List<String> columns, boolean explain) {
    public CompiledQuery {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        columns = List.copyOf(columns);
    }
}

package org.mida.cypher.query;

import java.util.List;
import java.util.Map;

/**
 * A query compiled from the JSON DSL: Cypher text whose every value is a parameter ({@code $p0},
 * {@code $p1}, …, {@code $offset}, {@code $limit}), the parameters, and the answer's column names in order
 * (the row keys: projected field names as given, {@code "min(generated.loss)"} for aggregates).
 */
public record CompiledQuery(String cypher, Map<String, Object> params, List<String> columns) {
    public CompiledQuery {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        columns = List.copyOf(columns);
    }
}

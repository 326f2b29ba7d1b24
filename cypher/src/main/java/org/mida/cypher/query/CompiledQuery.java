package org.mida.cypher.query;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A query compiled from the JSON DSL: Cypher text whose every value is a parameter ({@code $p0},
 * {@code $p1}, …, {@code $offset}, {@code $limit}; field names that are not {@link Fields#simple} as
 * {@code $f0}, …), the parameters, the answer's column names in order (the row keys: projected field names
 * as given, {@code "min(generated.loss)"} for aggregates; the Cypher returns them as {@code c0}, {@code c1},
 * … in this order), and whether the request asked to see the Cypher and its parameters ({@code "explain":
 * true}). {@code from} is {@code "tasks"} or {@code "workflows"}; {@code fields} names every field the
 * query reads, with the JSON Pointer of where; {@code campaigns} are those a top-level {@code campaign_id}
 * condition restricts it to (empty: any), so a server can check the fields against what those campaigns
 * hold.
 */
public record CompiledQuery(
        String cypher,
        Map<String, Object> params,
        List<String> columns,
        boolean explain,
        String from,
        List<FieldUse> fields,
        List<String> campaigns) {

    /** A field the query names, and the RFC 6901 pointer into the request where it does. */
    public record FieldUse(String name, String pointer) {}

    public CompiledQuery {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        columns = List.copyOf(columns);
        fields = List.copyOf(fields);
        campaigns = List.copyOf(campaigns);
    }

    /** The Cypher name of the i-th column ({@code c0}, {@code c1}, …). */
    public static String alias(int i) {
        return "c" + i;
    }
}

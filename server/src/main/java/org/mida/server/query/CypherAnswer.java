package org.mida.server.query;

import java.util.List;
import java.util.Map;

/**
 * The answer of {@code POST /api/cypher}: the result's column names, its rows as column → value (values
 * as {@link CypherValues} writes them), and whether rows were left unread at the row cap.
 */
record CypherAnswer(List<String> columns, List<Map<String, Object>> rows, boolean truncated) {
    CypherAnswer {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }
}

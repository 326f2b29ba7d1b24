package org.mida.server.query;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import org.mida.server.http.ApiException;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;

/**
 * The body of {@code POST /api/cypher}: {@code {"query": "…", "params": {…}}}, params optional.
 *
 * @param params driver parameter values (numbers as long or double); may hold nulls
 */
record CypherRequest(String query, Map<String, Object> params) {
    static final int MAX_QUERY_LENGTH = 100_000;
    private static final Set<String> KEYS = Set.of("query", "params");

    CypherRequest {
        if (query == null || query.isBlank()) throw new IllegalArgumentException("a query is required");
        params = params == null ? Map.of() : params;
    }

    static CypherRequest of(Object body) {
        return of(body, MAX_QUERY_LENGTH);
    }

    /** The request in a parsed JSON body, or a 400 problem naming every wrong part. */
    static CypherRequest of(Object body, int maxQueryLength) {
        if (!(body instanceof Map<?, ?> m))
            throw ApiException.badRequest("the body must be a JSON object {\"query\": …}");
        var errors = new ArrayList<Problem.Error>();
        for (Object k : m.keySet())
            if (!KEYS.contains(k))
                errors.add(Problem.Error.at(
                        JsonPointers.of(String.valueOf(k)), "unknown key; the body has 'query' and 'params'"));
        Object q = m.get("query");
        if (!(q instanceof String s) || s.isBlank())
            errors.add(Problem.Error.at("/query", "a Cypher query string is required"));
        else if (s.length() > maxQueryLength)
            errors.add(Problem.Error.at(
                    "/query",
                    "the query is " + s.length() + " characters long, more than the " + maxQueryLength
                            + " allowed (MIDA_CYPHER_MAX_QUERY_CHARS); pass long values as \"params\""));
        Object p = m.get("params");
        if (p != null && !(p instanceof Map))
            errors.add(Problem.Error.at("/params", "params must be a JSON object of name: value"));
        if (!errors.isEmpty())
            throw new ApiException(
                    ProblemType.INVALID_QUERY,
                    "the request is not valid: " + errors.get(0).detail(),
                    errors);
        @SuppressWarnings("unchecked")
        Map<String, Object> params = p == null ? Map.of() : (Map<String, Object>) RequestBodies.parameter(p, "/params");
        return new CypherRequest((String) q, params);
    }
}

package org.mida.server.query;

import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;

/**
 * What a failed user read becomes: a timeout is 503, a query Neo4j refuses is 400 with its message;
 * anything else stays as it is (an unreachable database is the 503 that {@code Problems} gives).
 */
final class ReadErrors {
    private ReadErrors() {}

    static boolean timedOut(Neo4jException e) {
        String code = e.code() == null ? "" : e.code();
        return code.contains("TransactionTimedOut") || code.contains("Transaction.Terminated");
    }

    static RuntimeException of(Neo4jException e, long timeoutMs) {
        if (timedOut(e))
            return new ApiException(
                    ProblemType.QUERY_TIMEOUT,
                    "the query ran longer than the limit of " + timeoutMs
                            + " ms (MIDA_CYPHER_TIMEOUT_MS) and was stopped; narrow it with a filter or a LIMIT");
        if (e instanceof ClientException)
            return new ApiException(ProblemType.INVALID_QUERY, "Neo4j refused the query: " + e.getMessage());
        return e;
    }
}

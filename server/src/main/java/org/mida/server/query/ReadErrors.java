package org.mida.server.query;

import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;

/**
 * What a failed user read becomes: a timeout is 503, a query past the transaction memory limit 422, a
 * query Neo4j refuses is 400 with its message;
 * anything else stays as it is (an unreachable database is the 503 that {@code Problems} gives).
 */
final class ReadErrors {
    private ReadErrors() {}

    static boolean timedOut(Neo4jException e) {
        String code = e.code() == null ? "" : e.code();
        return code.contains("TransactionTimedOut") || code.contains("Transaction.Terminated");
    }

    /**
     * The transaction went past its own memory limit ({@code db.memory.transaction.max}): the query's
     * doing. Neo4j 5.26 reports it over Bolt as {@code Neo.TransientError.General.TransactionMemoryLimit}
     * (older versions: {@code Neo.ClientError.General.TransactionOutOfMemoryError}); the message names
     * the setting.
     */
    static boolean outOfMemory(Neo4jException e) {
        String code = e.code() == null ? "" : e.code();
        String message = e.getMessage() == null ? "" : e.getMessage();
        return code.endsWith(".TransactionMemoryLimit")
                || code.endsWith(".TransactionOutOfMemoryError")
                || message.contains("db.memory.transaction.max");
    }

    /** Every transaction together went past the global pool ({@code dbms.memory.transaction.total.max}). */
    static boolean poolExhausted(Neo4jException e) {
        String code = e.code() == null ? "" : e.code();
        return code.endsWith(".MemoryPoolOutOfMemoryError");
    }

    /**
     * Neo4j stopped the query for one of its own limits: the transaction's memory, the memory of all
     * transactions together, or the time limit. Neo4j reports the memory limits as transient errors, but
     * running the same query again costs the same and, for the per-transaction limit, ends the same way;
     * a full pool is answered "retry later" for the client to decide. Other transient errors (a leader
     * switch, a lost connection) are worth the driver's retry.
     */
    static boolean refusedForLimits(Neo4jException e) {
        return outOfMemory(e) || poolExhausted(e) || timedOut(e);
    }

    static RuntimeException of(Neo4jException e, long timeoutMs) {
        if (timedOut(e))
            return new ApiException(
                    ProblemType.QUERY_TIMEOUT,
                    "the query ran longer than the limit of " + timeoutMs
                            + " ms (MIDA_CYPHER_TIMEOUT_MS) and was stopped; narrow it with a filter or a LIMIT");
        if (outOfMemory(e))
            return new ApiException(
                    ProblemType.QUERY_MEMORY,
                    "the query needed more memory than one transaction may use and was stopped (Neo4j: "
                            + e.getMessage()
                            + "); the embedded Neo4j's limit is MIDA_NEO4J_TX_MAX_MEMORY. Aggregate less at once:"
                            + " filter first, LIMIT before collect(), fewer DISTINCT or ORDER BY rows");
        if (poolExhausted(e))
            return new ApiException(
                    ProblemType.UNAVAILABLE,
                    "Neo4j's memory for transactions is used up by other work right now (" + e.getMessage()
                            + "); retry later");
        if (e instanceof ClientException)
            return new ApiException(ProblemType.INVALID_QUERY, "Neo4j refused the query: " + e.getMessage());
        return e;
    }
}

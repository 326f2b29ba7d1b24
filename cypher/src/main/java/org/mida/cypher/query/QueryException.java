package org.mida.cypher.query;

import java.util.List;

/** A query the compiler refuses: every problem found, each with the JSON Pointer of the offending part. */
public final class QueryException extends RuntimeException {

    /** One problem: where in the request body (RFC 6901 pointer) and what is wrong there. */
    public record Problem(String pointer, String detail) {}

    private final List<Problem> problems;

    public QueryException(List<Problem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String summary(List<Problem> problems) {
        if (problems.size() == 1)
            return problems.get(0).pointer() + ": " + problems.get(0).detail();
        return problems.size() + " problems in the query, first "
                + problems.get(0).pointer() + ": " + problems.get(0).detail();
    }
}

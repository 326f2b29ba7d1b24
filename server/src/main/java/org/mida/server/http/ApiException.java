package org.mida.server.http;

import java.util.List;
import java.util.Objects;

/**
 * The one error type handlers and services throw; the single exception mapper in {@code App} turns it
 * into a {@link Problem}. {@code detail} says what was wrong in words a user can act on; {@code errors}
 * optionally lists each wrong part.
 *
 * <pre>{@code
 * throw ApiException.notFound("no workflow '" + id + "'");
 * throw new ApiException(ProblemType.INVALID_QUERY, "the query is not valid", List.of(Problem.Error.at("/limit", "too large")));
 * }</pre>
 */
public final class ApiException extends RuntimeException {
    private final ProblemType type;
    private final List<Problem.Error> errors;

    public ApiException(ProblemType type, String detail) {
        this(type, detail, List.of());
    }

    public ApiException(ProblemType type, String detail, List<Problem.Error> errors) {
        super(detail);
        this.type = Objects.requireNonNull(type, "type");
        this.errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail);
    }

    /** A wrong query parameter: 400 with {@code errors: [{parameter, detail}]}. */
    public static ApiException badParameter(String name, String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail, List.of(Problem.Error.parameter(name, detail)));
    }

    /** A wrong part of the JSON body: 400 with {@code errors: [{pointer, detail}]}. */
    public static ApiException badBody(String pointer, String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail, List.of(Problem.Error.at(pointer, detail)));
    }

    public static ApiException notFound(String detail) {
        return new ApiException(ProblemType.NOT_FOUND, detail);
    }

    public ProblemType type() {
        return type;
    }

    public int status() {
        return type.status();
    }

    public List<Problem.Error> errors() {
        return errors;
    }
}

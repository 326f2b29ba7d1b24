package org.mida.server.http;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every kind of error the API answers, each with its own RFC 9457 {@code type} URI
 * ({@code /problems/<slug>}, resolved against the server; {@code GET} on it describes the kind), one
 * title and one HTTP status. Handlers throw {@link ApiException} with one of these; nothing else picks a
 * title or a status.
 */
public enum ProblemType {
    INVALID_REQUEST(
            "invalid-request",
            400,
            "Invalid Request",
            "A query parameter or the request body is missing, malformed or out of range; 'errors' names each"
                    + " part (a JSON pointer into the body, or the query parameter)."),
    INVALID_EVENTS(
            "invalid-events",
            400,
            "Invalid Events",
            "Events sent to the API break the wire format; none of the request was accepted. 'errors' lists"
                    + " every reason."),
    INVALID_QUERY(
            "invalid-query",
            400,
            "Invalid Query",
            "A query DSL document or a Cypher statement that cannot run; 'errors' points at each wrong part."),
    UNAUTHORIZED(
            "unauthorized",
            401,
            "Unauthorized",
            "The server has MIDA_API_TOKEN set: writes and /api/cypher (and every /api read when"
                    + " MIDA_API_TOKEN_READS is on) need 'Authorization: Bearer <token>'."),
    CROSS_ORIGIN(
            "cross-origin",
            403,
            "Cross-Origin Request Refused",
            "A write came from a page of another origin (its Origin or Sec-Fetch-Site header says so): a web"
                    + " page must not post to MIDA on the visitor's behalf. List trusted origins in"
                    + " MIDA_ALLOWED_ORIGINS."),
    HOST_NOT_ALLOWED(
            "host-not-allowed",
            421,
            "Host Not Allowed",
            "The request's Host header names a host this server does not answer for (DNS rebinding guard);"
                    + " add the name to MIDA_ALLOWED_HOSTS."),
    READ_ONLY(
            "read-only",
            403,
            "Read-Only Violation",
            "/api/cypher runs reads only: writes, schema and admin commands, LOAD CSV and procedures outside a"
                    + " small read-only list are refused before anything runs."),
    NOT_FOUND("not-found", 404, "Not Found", "No task, workflow, entity, campaign or endpoint by that name."),
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method Not Allowed", "The path exists but not for this method."),
    CONTENT_TOO_LARGE("content-too-large", 413, "Content Too Large", "The request body is larger than allowed."),
    UNSUPPORTED_MEDIA_TYPE(
            "unsupported-media-type",
            415,
            "Unsupported Media Type",
            "The request body's encoding or content type is not one the endpoint reads."),
    ANSWER_TOO_LARGE(
            "answer-too-large",
            422,
            "Answer Too Large",
            "The answer would be larger than MIDA_CYPHER_MAX_BYTES; return fewer rows (LIMIT), fewer columns or"
                    + " shorter values (left(x, 1000), size(x))."),
    QUERY_MEMORY(
            "query-memory",
            422,
            "Query Uses Too Much Memory",
            "The query needed more memory than one transaction may use (Neo4j's db.memory.transaction.max; the"
                    + " embedded Neo4j's is MIDA_NEO4J_TX_MAX_MEMORY) and was stopped; aggregate less at once"
                    + " (filter, LIMIT before collect, fewer DISTINCT or ORDER BY rows)."),
    INTERNAL("internal", 500, "Internal Server Error", "The server failed; the server log has the stack trace."),
    QUERY_TIMEOUT(
            "query-timeout",
            503,
            "Query Timed Out",
            "The query ran past MIDA_CYPHER_TIMEOUT_MS and was stopped; narrow it with a filter or a LIMIT."),
    UNAVAILABLE(
            "unavailable",
            503,
            "Service Unavailable",
            "A backend (Neo4j or Redis) cannot be reached right now; retry later.");

    /** Where the type URIs live, relative to the server. */
    public static final String BASE = "/problems/";

    private final String slug;
    private final int status;
    private final String title;
    private final String description;

    ProblemType(String slug, int status, String title, String description) {
        this.slug = slug;
        this.status = status;
        this.title = title;
        this.description = description;
    }

    public String slug() {
        return slug;
    }

    /** The {@code type} member: {@code /problems/<slug>}. */
    public String uri() {
        return BASE + slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String description() {
        return description;
    }

    public static Optional<ProblemType> bySlug(String slug) {
        return Arrays.stream(values()).filter(t -> t.slug.equals(slug)).findFirst();
    }

    /** The type a bare HTTP status maps to (Javalin's own errors). */
    public static ProblemType forStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHORIZED;
            case 403 -> READ_ONLY;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 413 -> CONTENT_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 503 -> UNAVAILABLE;
            default -> status >= 500 ? INTERNAL : INVALID_REQUEST;
        };
    }
}

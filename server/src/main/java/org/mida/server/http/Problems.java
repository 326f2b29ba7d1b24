package org.mida.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.validation.ValidationException;
import java.util.ArrayList;
import java.util.List;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The one place where exceptions become RFC 9457 answers ({@link Problem}, {@code application/problem+json}):
 * {@link ApiException}, Javalin's validation and HTTP errors, an unreachable backend (503) and anything
 * else (500). 5xx are logged once with the stack, 4xx at debug. {@link #register} installs the mappers
 * and {@code GET /problems/{slug}}, which describes each {@link ProblemType}.
 */
public final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    public static final String CONTENT_TYPE = "application/problem+json";
    /** Seconds a client should wait before retrying a 503 (the {@code Retry-After} header). */
    public static final int RETRY_AFTER_S = 5;

    private final ObjectMapper mapper;

    public Problems(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Installs every exception and error mapper, and the type descriptions, on the app being configured. */
    public void register(JavalinConfig c) {
        c.routes.get("/problems/{slug}", this::describe);
        c.routes.exception(ApiException.class, this::api);
        c.routes.exception(ValidationException.class, this::validation);
        c.routes.exception(HttpResponseException.class, this::http);
        c.routes.exception(Exception.class, this::unexpected);
        c.routes.error(404, this::notFound);
        c.routes.error(405, this::methodNotAllowed);
    }

    void api(ApiException e, Context ctx) {
        send(ctx, e.type(), e.getMessage(), e.errors());
        LOG.debug("{} {} -> {} {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
    }

    void validation(ValidationException e, Context ctx) {
        var errors = new ArrayList<Problem.Error>();
        for (var field : e.getErrors().entrySet())
            for (var err : field.getValue()) errors.add(Problem.Error.parameter(field.getKey(), err.getMessage()));
        String detail = errors.isEmpty() ? "invalid request" : errors.get(0).detail();
        send(ctx, ProblemType.INVALID_REQUEST, detail, errors);
        LOG.debug("{} {} -> 400 {}", ctx.method(), ctx.path(), detail);
    }

    void http(HttpResponseException e, Context ctx) {
        send(ctx, ProblemType.forStatus(e.getStatus()), e.getMessage(), List.of());
    }

    void unexpected(Exception e, Context ctx) {
        if (unavailable(e)) {
            LOG.warn("{} {} -> 503: backend unavailable ({})", ctx.method(), ctx.path(), e.getMessage());
            send(
                    ctx,
                    ProblemType.UNAVAILABLE,
                    "a backend is unavailable right now (" + e.getMessage() + ")",
                    List.of());
            return;
        }
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        send(
                ctx,
                ProblemType.INTERNAL,
                "the server failed to answer this request (" + e.getClass().getSimpleName() + "); see the server log",
                List.of());
    }

    void notFound(Context ctx) {
        String ct = ctx.res().getContentType();
        if (ct != null && ct.startsWith(CONTENT_TYPE)) return;
        send(ctx, ProblemType.NOT_FOUND, "no endpoint at " + ctx.method() + " " + ctx.path(), List.of());
    }

    void methodNotAllowed(Context ctx) {
        send(ctx, ProblemType.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path(), List.of());
    }

    /** GET /problems/{slug}: what the problem type means, as JSON. */
    void describe(Context ctx) {
        ProblemType t = ProblemType.bySlug(ctx.pathParam("slug"))
                .orElseThrow(() -> ApiException.notFound("no problem type '" + ctx.pathParam("slug") + "'"));
        writeBody(ctx, 200, "application/json", new TypeDescription(t.uri(), t.title(), t.status(), t.description()));
    }

    /** What {@code GET /problems/{slug}} answers. */
    record TypeDescription(String type, String title, int status, String description) {}

    private static boolean unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ServiceUnavailableException
                    || t instanceof SessionExpiredException
                    || t instanceof org.neo4j.driver.exceptions.TransientException
                    || t instanceof JedisConnectionException) return true;
            // Redis refusing writes for now: out of memory (maxmemory + noeviction), loading its data, …
            if (t instanceof redis.clients.jedis.exceptions.JedisDataException
                    && t.getMessage() != null
                    && t.getMessage().matches("(?s)(OOM|LOADING|BUSY|MISCONF|MASTERDOWN|TRYAGAIN)\\b.*")) return true;
        }
        return false;
    }

    private void send(Context ctx, ProblemType type, String detail, List<Problem.Error> errors) {
        if (type.status() == 503) ctx.header("Retry-After", String.valueOf(RETRY_AFTER_S));
        writeBody(ctx, type.status(), CONTENT_TYPE, Problem.of(type, detail, ctx.path(), errors));
    }

    private void writeBody(Context ctx, int status, String contentType, Object body) {
        try {
            ctx.status(status).contentType(contentType).result(mapper.writeValueAsBytes(body));
        } catch (Exception e) {
            ctx.status(status).contentType(contentType).result("{\"status\":" + status + "}");
        }
    }
}

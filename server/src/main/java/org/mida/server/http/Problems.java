package org.mida.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps every error to RFC 9457 problem details; 5xx are logged once with the stack, 4xx at debug. */
public final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    public static final String CONTENT_TYPE = "application/problem+json";

    private final ObjectMapper mapper;

    public Problems(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void api(ApiException e, Context ctx) {
        var extra = new LinkedHashMap<String, Object>();
        if (!e.errors().isEmpty()) extra.put("errors", e.errors());
        send(ctx, e.status(), e.title(), e.getMessage(), extra);
        LOG.debug("{} {} -> {} {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
    }

    public void http(HttpResponseException e, Context ctx) {
        String title = io.javalin.http.HttpStatus.forStatus(e.getStatus()).getMessage();
        send(ctx, e.getStatus(), title, e.getMessage(), Map.of());
    }

    public void unexpected(Exception e, Context ctx) {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        send(
                ctx,
                500,
                "Internal Server Error",
                "the server failed to answer this request (" + e.getClass().getSimpleName() + "); see the server log",
                Map.of());
    }

    public void notFound(Context ctx) {
        if (ctx.res().getContentType() != null && ctx.res().getContentType().startsWith(CONTENT_TYPE)) return;
        send(ctx, 404, "Not Found", "no endpoint at " + ctx.method() + " " + ctx.path(), Map.of());
    }

    public void methodNotAllowed(Context ctx) {
        send(ctx, 405, "Method Not Allowed", ctx.method() + " is not allowed on " + ctx.path(), Map.of());
    }

    public void send(Context ctx, int status, String title, String detail, Map<String, Object> extra) {
        var body = new LinkedHashMap<String, Object>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", ctx.path());
        body.putAll(extra);
        try {
            ctx.status(status).contentType(CONTENT_TYPE).result(mapper.writeValueAsBytes(body));
        } catch (Exception e) {
            ctx.status(status).contentType(CONTENT_TYPE).result("{\"status\":" + status + "}");
        }
    }
}

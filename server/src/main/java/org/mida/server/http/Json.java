package org.mida.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

/**
 * Writes JSON answers and reads query parameters through Javalin's validators; a wrong parameter becomes
 * a 400 problem naming it ({@link Problems} maps the {@code ValidationException}).
 */
public final class Json {
    private final ObjectMapper mapper;

    public Json(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(mapper.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise answer", e);
        }
    }

    public void ok(Context ctx, Object body) {
        send(ctx, 200, body);
    }

    /** A whole-number query parameter within [min, max], or the default when absent or blank. */
    public static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return dflt;
        String rule = "query parameter '" + name + "' must be a whole number from " + min + " to " + max + ", got '"
                + raw + "'";
        String valid = ctx.queryParamAsClass(name, String.class)
                .check(
                        s -> {
                            Integer i = parseInt(s);
                            return i != null && i >= min && i <= max;
                        },
                        rule)
                .get();
        return parseInt(valid);
    }

    /** A required, non-empty query parameter. */
    public static String required(Context ctx, String name) {
        return ctx.queryParamAsClass(name, String.class)
                .check(s -> s != null && !s.isEmpty(), "query parameter '" + name + "' is required")
                .getOrThrow(errors -> ApiException.badParameter(name, "query parameter '" + name + "' is required"));
    }

    private static Integer parseInt(String s) {
        try {
            return Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

package org.mida.server.http;

import java.util.List;
import java.util.Map;

/**
 * The one error type handlers throw; {@link Problems} turns it into an RFC 9457
 * {@code application/problem+json} answer. {@code detail} says what was wrong in words a user can act
 * on; {@code errors} optionally lists several problems (each with a {@code pointer} and a {@code detail}).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final List<Map<String, Object>> errors;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public ApiException(int status, String title, String detail, List<Map<String, Object>> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = errors;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not Found", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<Map<String, Object>> errors() {
        return errors;
    }
}

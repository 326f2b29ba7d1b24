package org.mida.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives itself, before a request reaches Javalin (an ambiguous or badly encoded path,
 * a Host that is not a host, headers over the size limit, a body framed two ways), as RFC 9457 {@code
 * application/problem+json} like every other MIDA error, instead of Jetty's HTML page.
 *
 * <pre>{@code
 * server.setErrorHandler(new JettyErrors(mapper));
 * }</pre>
 */
public final class JettyErrors extends ErrorHandler {
    private final ObjectMapper mapper;

    public JettyErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(body(code, message, path)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        return ByteBuffer.wrap(body(status, reason, null));
    }

    private byte[] body(int code, String message, String path) {
        ProblemType type = ProblemType.forStatus(code);
        String title = type.status() == code ? type.title() : HttpStatus.getMessage(code);
        String why = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        String detail = "the HTTP server refused the request before MIDA read it: " + why
                + (code == 431 ? " (request headers may hold 16 KiB in all)" : "")
                + (code == 414 ? " (the request line may hold 16 KiB)" : "");
        try {
            return mapper.writeValueAsBytes(new Problem(type.uri(), title, code, detail, path, List.of()));
        } catch (Exception e) {
            return ("{\"status\":" + code + ",\"detail\":\"the HTTP server refused the request\"}").getBytes();
        }
    }
}

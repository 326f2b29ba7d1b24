package org.mida.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.mida.event.EventCodec;

/**
 * The HTTP side of a running server as the fault and soak benchmarks use it: POST /api/events, GET
 * /api/health and read-only Cypher with the API token. A status of -1 means no HTTP answer (connection
 * refused, reset or timed out).
 */
final class MidaClient {
    static final ObjectMapper JSON = EventCodec.shared().mapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    final String base;
    final String token;

    MidaClient(int port, String token) {
        this.base = "http://127.0.0.1:" + port;
        this.token = token;
    }

    /** POST /api/events with {@code body}; the HTTP status, or -1 when no answer came. */
    int postEvents(String body) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(base + "/api/events"))
                                    .timeout(Duration.ofSeconds(30))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** GET /api/health: status code (-1 when no answer) and the parsed body (null when none). */
    record Health(int code, JsonNode body) {
        boolean ok() {
            return code == 200
                    && body != null
                    && "ok".equals(body.path("status").asText());
        }

        long pending() {
            return body == null || !body.path("pending").isNumber()
                    ? -1
                    : body.path("pending").asLong();
        }

        long ingested() {
            return body == null ? -1 : body.path("ingested").asLong(-1);
        }

        long tasks() {
            return body == null || !body.path("tasks").isNumber()
                    ? -1
                    : body.path("tasks").asLong();
        }

        long deadLetters() {
            return body == null || !body.path("dead_letters").isNumber()
                    ? -1
                    : body.path("dead_letters").asLong();
        }
    }

    Health health() {
        try {
            var r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/health"))
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = JSON.readTree(r.body());
            } catch (IOException notJson) {
                body = null;
            }
            return new Health(r.statusCode(), body);
        } catch (IOException e) {
            return new Health(-1, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health(-1, null);
        }
    }

    /** GET {@code path} as text ("" when no answer). */
    String get(String path) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(20))
                                    .header("Authorization", "Bearer " + token)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Read-only Cypher through POST /api/cypher; the rows, or an exception naming the answer. */
    List<Map<String, Object>> cypher(String query, Map<String, Object> params)
            throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("query", query, "params", params));
        var r = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/api/cypher"))
                        .timeout(Duration.ofMinutes(3))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200)
            throw new IOException("POST /api/cypher answered " + r.statusCode() + ": " + r.body());
        JsonNode root = JSON.readTree(r.body());
        if (root.path("truncated").asBoolean(false))
            throw new IOException("POST /api/cypher truncated its answer (raise --cypher-max-rows)");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = JSON.convertValue(root.path("rows"), List.class);
        return rows;
    }
}

package org.mida.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.mida.event.EventStream;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.neo4j.driver.Values;
import redis.clients.jedis.StreamEntryID;

/**
 * A real MIDA server on port 0 over the shared {@link Backends}, with a small HTTP client. Each test
 * gets its own (cheap: no embedded services), after {@link Backends#reset()}.
 */
public final class TestServer implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final MidaServer server;

    private TestServer(MidaServer server) {
        this.server = server;
    }

    public static Config config() {
        return Config.defaults()
                .withPort(0)
                .withBackends(Backends.neo4jUri(), Backends.redisUri())
                .withNeo4jAuth(Backends.neo4jUser(), Backends.neo4jPassword())
                .withIngest(1000, "test-consumer", 60_000);
    }

    /** Resets the backends and starts a server with the default test config. */
    public static TestServer start() {
        return start(c -> c);
    }

    public static TestServer start(UnaryOperator<Config> customize) {
        Backends.reset();
        return new TestServer(MidaServer.start(customize.apply(config())));
    }

    /** Starts a server over the backends as they are (no reset): for restarts. */
    public static TestServer startKeepingState(UnaryOperator<Config> customize) {
        return new TestServer(MidaServer.start(customize.apply(config())));
    }

    public MidaServer server() {
        return server;
    }

    public String stream() {
        return server.config().stream();
    }

    /** XADDs one stream entry whose {@code event} field is {@code json}. */
    public StreamEntryID xadd(String json) {
        return new EventStream(stream()).append(server.redis(), json);
    }

    /** A Cypher count, e.g. {@code count("MATCH (t:Task) RETURN count(t)")}. */
    public long count(String query, Object... keysAndValues) {
        try (var s = Backends.driver().session()) {
            return s.run(query, Values.parameters(keysAndValues))
                    .single()
                    .get(0)
                    .asLong();
        }
    }

    public List<org.neo4j.driver.Record> query(String query, Object... keysAndValues) {
        try (var s = Backends.driver().session()) {
            return s.run(query, Values.parameters(keysAndValues)).list();
        }
    }

    /** Waits until the stream is fully ingested (nothing pending, nothing unread). */
    public void awaitIngested(Duration timeout) {
        await(timeout, "the stream to be ingested", () -> server.redis().xlen(stream()) == 0 && pendingCount() == 0);
    }

    /**
     * Waits until the columnar mirror has applied every batch this server committed (its 250 ms query-time wait
     * is not enough for the first re-read after a start on a slow machine, which plans its statements).
     */
    public void awaitMirrorApplied(Duration timeout) {
        await(
                timeout,
                "the mirror to apply the ingested batches",
                () -> server.mirror().awaitApplied(1_000));
    }

    private long pendingCount() {
        var p = server.redis().xpending(stream(), server.config().consumerGroup());
        return p == null ? 0 : p.getTotal();
    }

    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException ignored) {
                // not there yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /** An HTTP answer: status, content type and body (parsed when JSON). */
    public record Answer(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public Answer get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build());
    }

    public Answer post(String path, String body, String... headers) {
        var b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        return send(b.build());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    @Override
    public void close() {
        server.close();
    }

    public static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}

package org.mida.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.EventStream;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.testing.TestServer;

/**
 * Issue 14: a read-only query can make Neo4j build a huge value before MIDA's answer cap sees it, in the
 * heap the embedded Neo4j shares with the server. The embedded Neo4j runs with a per-transaction memory
 * limit ({@code MIDA_NEO4J_TX_MAX_MEMORY}, default {@link EmbeddedNeo4j#defaultTxMaxMemory}): such a
 * query answers a 422 problem, the server stays up, and a legitimate 5,000-event ingest batch of large
 * events is not hit by the limit. A server of its own (embedded Neo4j and Redis, both started by it), so
 * that the limit is the one the server sets; {@code -Dmida.test.tx-max=<bytes>} tries another limit
 * (with 512 MiB the 5,000-event batch is refused and the ingest pauses: the test fails).
 */
class TransactionMemoryIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private MidaServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** The limit a server gets: {@code -Dmida.test.tx-max}, else {@code wanted}, else the default. */
    private static long limit(long wanted) {
        long asked = Long.getLong("mida.test.tx-max", wanted);
        return asked < 0 ? EmbeddedNeo4j.defaultTxMaxMemory() : asked;
    }

    private MidaServer start(Path dir, long txMax) {
        return MidaServer.start(Config.defaults()
                .withPort(0)
                .withDataDir(dir)
                .withEmbeddedPorts(0, 0)
                .withIngest(5_000, "tx-memory", 60_000)
                .withNeo4jTxMaxMemory(limit(txMax))
                // only the memory limit may stop the hostile reads, also on a loaded machine (with the
                // default 10 s, a DISTINCT of 3·10⁷ values met the time limit first at a load of 17: 503)
                .withCypherLimits(120_000, Config.defaults().cypherMaxRows()));
    }

    @Test
    void a_query_past_the_transaction_memory_limit_is_a_422_and_the_server_answers_the_next(@TempDir Path dir)
            throws Exception {
        // 256 MiB: reached in about a second, well before the time limit (with half of a large heap
        // the time limit stops such a collect first: 503 query-timeout)
        server = start(dir, 256L << 20);
        // a collect of 100 million numbers: ~2.5 GB of heap without the limit
        double reads = meter("mida_query_reads_total"), retries = meter("mida_query_retries_total");
        var hostile = cypher("UNWIND range(1, 100000000) AS i WITH collect(i) AS l RETURN size(l) AS n");
        assertThat(hostile.statusCode()).as(hostile.body()).isEqualTo(422);
        // after one attempt: Neo4j calls the limit transient, but the driver must not run it again (each
        // retry cost the same memory again, for the driver's 3 s retry time)
        assertThat(meter("mida_query_reads_total")).isEqualTo(reads + 1);
        assertThat(meter("mida_query_retries_total"))
                .as("retries of the refused query")
                .isEqualTo(retries);
        assertThat(hostile.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = MAPPER.readTree(hostile.body());
        assertThat(problem.get("type").asText()).endsWith("/problems/query-memory");
        assertThat(problem.get("detail").asText()).contains("MIDA_NEO4J_TX_MAX_MEMORY", "db.memory.transaction.max");
        // the same through ORDER BY and DISTINCT
        var distinct = cypher("UNWIND range(1, 30000000) AS i WITH DISTINCT i RETURN count(i) AS n");
        assertThat(distinct.statusCode()).as(distinct.body()).isEqualTo(422);
        assertThat(meter("mida_query_retries_total")).isEqualTo(retries);

        var next = cypher("UNWIND range(1, 1000) AS i WITH collect(i) AS l RETURN size(l) AS n");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(next.body()).get("rows").get(0).get("n").asInt())
                .isEqualTo(1000);
        var health = get("/api/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    }

    @Test
    void a_batch_of_5000_large_events_is_not_hit_by_the_limit(@TempDir Path dir) throws Exception {
        server = start(dir, -1); // the default limit
        ingestsLargeBatch("big-");
    }

    /**
     * A batch past the limit is split, not retried whole forever: with 64 MiB the same ≈ 80 MB batch does
     * not fit in one transaction; before, the ingest took that for a storage fault and paused on it until
     * a restart with a larger limit (found by this test's author); now the halves land and nothing is
     * dead-lettered.
     */
    @Test
    void a_batch_past_the_limit_is_split_and_lands_whole(@TempDir Path dir) throws Exception {
        server = MidaServer.start(Config.defaults()
                .withPort(0)
                .withDataDir(dir)
                .withEmbeddedPorts(0, 0)
                .withIngest(5_000, "tx-memory", 60_000)
                .withNeo4jTxMaxMemory(64L << 20));
        ingestsLargeBatch("split-");
        var health = MAPPER.readTree(get("/api/health").body());
        assertThat(health.path("ingest").path("state").asText())
                .as(health.toString())
                .isNotEqualTo("paused");
    }

    private void ingestsLargeBatch(String prefix) throws Exception {
        // one stream entry, so one batch: 5,000 tasks with a 10,000-character stdout (the most a property
        // keeps), 100 parameters, telemetry and two entities each: ≈ 80 MB of JSON
        var events = new ArrayList<Map<String, Object>>();
        String out = "o".repeat(10_000);
        for (int i = 0; i < 5_000; i++) {
            var used = new LinkedHashMap<String, Object>();
            for (int k = 0; k < 100; k++) used.put("p" + k, "value-" + k + "-" + i);
            used.put("input", Map.of("@id", "file:///data/in-" + i, "size", i));
            var t = new LinkedHashMap<String, Object>();
            t.put("type", "task");
            t.put("task_id", prefix + i);
            t.put("workflow_id", "w-big");
            t.put("campaign_id", "c-big");
            t.put("status", "FINISHED");
            t.put("started_at", 1.7e9 + i);
            t.put("ended_at", 1.7e9 + i + 1);
            t.put("used", used);
            t.put("generated", Map.of("model", Map.of("@id", "file:///data/out-" + i), "loss", 0.5));
            t.put("telemetry_at_end", Map.of("cpu", Map.of("percent", 50.0), "memory", Map.of("used", 1 << 30)));
            t.put("stdout", out);
            events.add(t);
        }
        new EventStream(server.config().stream()).append(server.redis(), MAPPER.writeValueAsString(events));
        TestServer.await(Duration.ofMinutes(5), "5,000 large events in the graph", () -> {
            try {
                var r = cypher("MATCH (t:Task) WHERE t.task_id STARTS WITH '" + prefix + "' RETURN count(t) AS n");
                return MAPPER.readTree(r.body()).get("rows").get(0).get("n").asInt() == 5_000;
            } catch (Exception e) {
                return false;
            }
        });
        org.slf4j.LoggerFactory.getLogger(TransactionMemoryIT.class)
                .info("5,000 events of 16 KB in one transaction under a limit of {} MiB", limit(-1) >> 20);
        var health = MAPPER.readTree(get("/api/health").body());
        assertThat(health.get("dead_letters").asLong()).as(health.toString()).isZero();
    }

    private HttpResponse<String> cypher(String query) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(uri("/api/cypher"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                MAPPER.writeValueAsString(Map.of("query", query, "params", Map.of()))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A counter's value in {@code /metrics} (Prometheus text; 0 when absent). */
    private double meter(String name) throws Exception {
        var metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        return metrics.body()
                .lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}

package org.mida.server.deadletters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.EventStream;
import org.mida.server.observers.PythonPeers;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Issue 14, item 4: dead letters are listed and moved back to the stream exactly once, by the endpoints
 * and by the Python {@code mida dead-letters} command in a subprocess, against a real server. The dead
 * letters a full disk made before the fix ("refused by the graph store" with a valid event) are written
 * as that server wrote them.
 */
@ExtendWith(Backends.class)
class DeadLettersIT {
    private static final String TOKEN = "dead-letter-token";
    private static final String AUTH = "Bearer " + TOKEN;

    static String task(String id) {
        return "{\"type\":\"task\",\"task_id\":\"" + id + "\",\"workflow_id\":\"wf-dl\",\"status\":\"FINISHED\","
                + "\"started_at\":1,\"ended_at\":2}";
    }

    /** What the server wrote before issue 14 when Neo4j panicked on a full disk. */
    private static void refusedByAFullDisk(TestServer server, String... taskIds) {
        var stream = new EventStream(server.stream());
        try (var pipe = server.server().redis().pipelined()) {
            for (String id : taskIds)
                stream.appendDeadLetter(
                        pipe,
                        EventStream.DeadLetter.now(
                                "refused by the graph store: No space left on device", "1-0", task(id)),
                        1000);
            pipe.sync();
        }
    }

    private static long deadLetters(TestServer server) {
        return server.server().redis().xlen(server.server().config().deadLetterStream());
    }

    @Test
    void dead_letters_are_listed_and_replayed_exactly_once_through_the_endpoints() {
        try (TestServer server = TestServer.start(c -> c.withApiToken(TOKEN))) {
            server.xadd("this is not JSON");
            server.xadd("{\"type\":\"task\",\"status\":\"FINISHED\"}");
            await(Duration.ofSeconds(30), "two dead letters from the ingest", () -> deadLetters(server) == 2);
            refusedByAFullDisk(server, "dl-1", "dl-2", "dl-3");

            JsonNode all = server.get("/api/dead-letters").json();
            assertThat(all.get("total").asLong()).isEqualTo(5);
            assertThat(all.get("letters")).hasSize(5);
            JsonNode first = all.get("letters").get(0);
            assertThat(first.get("id").asText()).matches("\\d+-\\d+");
            assertThat(first.get("reason").asText()).isNotBlank();
            assertThat(first.get("at").asDouble()).isPositive();
            assertThat(first.get("event").asText()).isEqualTo("this is not JSON");

            JsonNode refused = server.get("/api/dead-letters?reason=refused%20by%20the%20graph&limit=2")
                    .json();
            assertThat(refused.get("letters")).hasSize(2);
            assertThat(refused.get("next").asText()).isNotBlank();
            JsonNode rest = server.get("/api/dead-letters?reason=refused%20by%20the%20graph&after="
                            + refused.get("next").asText())
                    .json();
            assertThat(rest.get("letters")).hasSize(1);
            assertThat(rest.get("next").isNull()).isTrue();

            // a write: the token is needed
            assertThat(server.post("/api/dead-letters/replay", "{\"all\":true}").status())
                    .isEqualTo(401);
            assertThat(server.post("/api/dead-letters/replay", "{\"ids\":[\"x\"]}", "Authorization", AUTH)
                            .status())
                    .isEqualTo(400);
            assertThat(server.post("/api/dead-letters/replay", "{\"all\":true,\"reason\":\"a\"}", "Authorization", AUTH)
                            .status())
                    .isEqualTo(400);

            var replay = server.post(
                    "/api/dead-letters/replay", "{\"reason\":\"refused by the graph store\"}", "Authorization", AUTH);
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.json().get("replayed").asInt()).isEqualTo(3);
            await(
                    Duration.ofSeconds(30),
                    "the replayed tasks in the graph",
                    () -> server.count("MATCH (t:Task {workflow_id: 'wf-dl', status: 'FINISHED'}) RETURN count(t)")
                            == 3);
            assertThat(deadLetters(server)).isEqualTo(2);

            // replaying the same ids again moves nothing
            var ids = new ArrayList<String>();
            replay.json()
                    .get("moved")
                    .forEach(m -> ids.add("\"" + m.get("dead_id").asText() + "\""));
            var again = server.post(
                    "/api/dead-letters/replay", "{\"ids\":[" + String.join(",", ids) + "]}", "Authorization", AUTH);
            assertThat(again.json().get("replayed").asInt()).isZero();
            assertThat(again.json().get("not_found")).hasSize(3);

            // a letter still refused comes back with a new id (and only once)
            String notJson = first.get("id").asText();
            var bad = server.post("/api/dead-letters/replay", "{\"ids\":[\"" + notJson + "\"]}", "Authorization", AUTH);
            assertThat(bad.json().get("replayed").asInt()).isEqualTo(1);
            server.awaitIngested(Duration.ofSeconds(30));
            await(Duration.ofSeconds(30), "the refused letter back", () -> deadLetters(server) == 2);
            JsonNode now = server.get("/api/dead-letters").json();
            assertThat(now.get("letters").findValuesAsText("id")).doesNotContain(notJson);
            assertThat(now.get("letters").findValuesAsText("event")).contains("this is not JSON");
            assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(3);
        }
    }

    @Test
    void the_python_cli_lists_and_replays_dead_letters(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path python = PythonPeers.require("httpx");
        Path src = Path.of("..", "observers", "python", "src").toAbsolutePath().normalize();
        assertThat(Files.isRegularFile(src.resolve("mida/cli.py"))).isTrue();
        try (TestServer server = TestServer.start(c -> c.withApiToken(TOKEN))) {
            refusedByAFullDisk(server, "cli-1", "cli-2");
            server.xadd("still not JSON");
            await(Duration.ofSeconds(30), "three dead letters", () -> deadLetters(server) == 3);
            var env = Map.of(
                    "PYTHONPATH",
                    src.toString(),
                    "MIDA_SERVER",
                    "http://127.0.0.1:" + server.server().port(),
                    "MIDA_API_TOKEN",
                    TOKEN);

            String listed = PythonPeers.runOk(python, List.of("-m", "mida.cli", "dead-letters", "list"), tmp, env, 60);
            assertThat(listed).contains("refused by the graph store: No space left on device");
            assertThat(listed).contains("3 shown of 3");

            var noToken = PythonPeers.run(
                    python,
                    List.of("-m", "mida.cli", "dead-letters", "replay", "--all"),
                    tmp,
                    Map.of("PYTHONPATH", src.toString(), "MIDA_SERVER", env.get("MIDA_SERVER"), "MIDA_API_TOKEN", ""),
                    60);
            assertThat(noToken.exit()).isEqualTo(1);
            assertThat(noToken.output()).contains("401");

            String replayed = PythonPeers.runOk(
                    python,
                    List.of("-m", "mida.cli", "dead-letters", "replay", "--reason", "refused by the graph store"),
                    tmp,
                    env,
                    60);
            assertThat(replayed).contains("replayed 2");
            await(
                    Duration.ofSeconds(30),
                    "the two tasks",
                    () -> server.count("MATCH (t:Task {workflow_id: 'wf-dl'}) RETURN count(t)") == 2);

            String twice = PythonPeers.runOk(
                    python,
                    List.of("-m", "mida.cli", "dead-letters", "replay", "--reason", "refused by the graph store"),
                    tmp,
                    env,
                    60);
            assertThat(twice).contains("replayed 0");
            assertThat(server.count("MATCH (t:Task) RETURN count(t)")).isEqualTo(2);

            var usage = PythonPeers.run(python, List.of("-m", "mida.cli", "dead-letters", "replay"), tmp, env, 60);
            assertThat(usage.exit()).isEqualTo(2);
        }
    }

    @Test
    void the_dead_letter_stream_is_bounded_and_counts_what_it_dropped() {
        try (TestServer server = TestServer.start(c -> c.withBounds(0, 100))) {
            var batch = new ArrayList<String>();
            for (int i = 0; i < 1000; i++) batch.add("{\"type\":\"task\",\"status\":\"bad-" + i + "\"}");
            for (int i = 0; i < 10; i++) server.xadd("[" + String.join(",", batch) + "]");
            server.awaitIngested(Duration.ofSeconds(60));
            long kept = deadLetters(server);
            JsonNode health = server.get("/api/health").json();
            // MAXLEN ~ trims whole macro nodes (100 entries each): about the bound, never all 10,000
            assertThat(kept).isBetween(100L, 300L);
            assertThat(health.get("dead_letters").asLong()).isEqualTo(kept);
            assertThat(health.get("dead_letters_dropped").asLong()).isEqualTo(10_000 - kept);
            assertThat(server.get("/metrics").body()).contains("mida_dead_letters_dropped " + (10_000 - kept) + ".0");
        }
    }
}

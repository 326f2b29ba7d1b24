package org.mida.server.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.EventStream;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * What the running server makes of every golden wire-format entry ({@code event/src/test/resources/wire/},
 * the files the codec and the Python emitter are tested against): accepted events become tasks and
 * workflows, observer reports the latest status of their observer, each refused one is a dead letter
 * naming its source entry, with the reason and the text.
 */
@ExtendWith(Backends.class)
class GoldenIngestIT {
    private static final Path WIRE = Path.of("..", "event", "src", "test", "resources", "wire");
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void every_golden_entry_is_ingested_or_dead_lettered_as_its_file_says() throws IOException {
        server = TestServer.start();
        var cases = new ArrayList<JsonNode>();
        for (String f : List.of("task-valid.json", "workflow-valid.json", "observer-valid.json", "invalid.json"))
            JSON.readTree(Files.readString(WIRE.resolve(f))).get("cases").forEach(cases::add);
        var sources = new LinkedHashMap<StreamEntryID, JsonNode>();
        for (JsonNode c : cases) {
            String text = c.has("entry_text") ? c.get("entry_text").asText() : JSON.writeValueAsString(c.get("entry"));
            sources.put(server.xadd(text), c);
        }
        server.awaitIngested(seconds(60));

        // observers: the latest report of each (largest "at"; the later one on a tie) is what /api/observers serves
        var observers = new LinkedHashMap<String, JsonNode>();
        for (JsonNode c : cases)
            for (JsonNode e : c.get("events")) {
                if (!e.get("type").asText().equals("observer")) continue;
                observers.merge(
                        e.get("observer_id").asText(),
                        e,
                        (a, b) -> b.get("at").asDouble() >= a.get("at").asDouble() ? b : a);
            }
        assertThat(observers).isNotEmpty();
        for (var o : observers.entrySet()) {
            var answer = server.get("/api/observers?id=" + URLEncoder.encode(o.getKey(), StandardCharsets.UTF_8));
            assertThat(answer.status())
                    .as("observer %s: %s", o.getKey(), answer.body())
                    .isEqualTo(200);
            JsonNode got = answer.json();
            o.getValue().fields().forEachRemaining(f -> {
                if (f.getKey().equals("type")) return;
                JsonNode want = f.getValue();
                JsonNode have = got.get(f.getKey());
                assertThat(have).as("observer %s: %s", o.getKey(), f.getKey()).isNotNull();
                if (want.isNumber()) assertThat(have.asDouble()).isEqualTo(want.asDouble());
                else
                    assertThat(have)
                            .as("observer %s: %s", o.getKey(), f.getKey())
                            .isEqualTo(want);
            });
        }
        assertThat(server.get("/api/observers").json().get("observers")).hasSize(observers.size());

        for (JsonNode c : cases)
            for (JsonNode e : c.get("events")) {
                if (e.get("type").asText().equals("observer")) continue; // read back above
                boolean task = e.get("type").asText().equals("task");
                String id = e.get(task ? "task_id" : "workflow_id").asText();
                var answer = server.get((task ? "/api/tasks?id=" : "/api/workflows?id=")
                        + URLEncoder.encode(id, StandardCharsets.UTF_8));
                assertThat(answer.status())
                        .as("%s: %s %s", c.get("name").asText(), task ? "task" : "workflow", id)
                        .isEqualTo(200);
            }

        List<StreamEntry> dead =
                server.server().redis().xrange(new EventStream(server.stream()).deadLetterName(), "-", "+", 1000);
        Map<String, List<Map<String, String>>> bySource = new LinkedHashMap<>();
        for (StreamEntry d : dead)
            bySource.computeIfAbsent(d.getFields().get("source_id"), k -> new ArrayList<>())
                    .add(d.getFields());
        int expected = 0;
        for (var s : sources.entrySet()) {
            JsonNode rejected = s.getValue().get("rejected");
            expected += rejected.size();
            var letters = bySource.getOrDefault(s.getKey().toString(), List.of());
            assertThat(letters).as(s.getValue().get("name").asText()).hasSize(rejected.size());
            for (int i = 0; i < rejected.size(); i++) {
                var letter = letters.get(i);
                assertThat(letter.get("reason"))
                        .contains(rejected.get(i).get("reason").asText());
                assertThat(letter.get("stream")).isEqualTo(server.stream());
                assertThat(letter.get(EventStream.FIELD)).isNotEmpty();
                assertThat(Double.parseDouble(letter.get("at"))).isPositive();
            }
        }
        assertThat(dead).hasSize(expected);
        assertThat(server.get("/api/health").json().get("dead_letters").asLong())
                .isEqualTo(expected);
    }
}

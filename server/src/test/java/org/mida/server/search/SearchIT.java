package org.mida.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** Issue 13, item 3: {@code GET /api/search} finds tasks, runs, activities, workflows and entities by parts of their names. */
@ExtendWith(Backends.class)
class SearchIT {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void seed() {
        var r = server.post("/api/events", """
                [{"type":"workflow","workflow_id":"wf://microscopy/2024-05","campaign_id":"fig3","name":"segmentation training"},
                 {"type":"task","task_id":"task:train/17","workflow_id":"wf://microscopy/2024-05","campaign_id":"fig3",
                  "activity_id":"train_model","status":"FINISHED","custom_metadata":{"run_name":"brave-otter-42"},
                  "used":{"data":{"@id":"file:///microscope/scan-07.h5"}}},
                 {"type":"task","task_id":"task:train/18","workflow_id":"wf://microscopy/2024-05","campaign_id":"fig3",
                  "activity_id":"train_model","status":"ERROR"},
                 {"type":"task","task_id":"task:eval/1","workflow_id":"wf://microscopy/2024-05","campaign_id":"fig3",
                  "activity_id":"evaluate","status":"FINISHED"}]
                """);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(60));
    }

    private JsonNode search(String q) {
        var r = server.get("/api/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> ids(JsonNode answer, String kind) {
        var out = new ArrayList<String>();
        for (JsonNode g : answer.get("groups"))
            if (g.get("kind").asText().equals(kind))
                g.get("hits").forEach(h -> out.add(h.get("id").asText()));
        return out;
    }

    @Test
    void partial_fuzzy_and_exact_matches_grouped_by_kind() {
        server = TestServer.start();
        seed();
        // partial: a prefix of a part of the id
        assertThat(ids(search("scan-0"), "entity")).containsExactly("file:///microscope/scan-07.h5");
        // fuzzy: one typo in a run name
        var run = search("bravo otter");
        assertThat(ids(run, "run")).containsExactly("task:train/17");
        assertThat(run.get("best").get("id").asText()).isEqualTo("task:train/17");
        // an activity: one hit per activity and campaign, with the number of matching tasks
        var act = search("train_mod");
        assertThat(ids(act, "activity")).containsExactly("train_model");
        assertThat(act.at("/groups").toString()).contains("\"count\":2");
        // workflows by name or by a part of their id
        assertThat(ids(search("segmentation"), "workflow")).containsExactly("wf://microscopy/2024-05");
        assertThat(ids(search("microscopy"), "workflow")).containsExactly("wf://microscopy/2024-05");
        // an exact id comes first and is the best hit
        var exact = search("task:train/18");
        assertThat(exact.get("best").get("id").asText()).isEqualTo("task:train/18");
        assertThat(exact.get("best").get("exact").asBoolean()).isTrue();
        assertThat(exact.get("groups").get(0).get("kind").asText()).isEqualTo("task");
        assertThat(search("fig3").get("best").get("kind").asText()).isEqualTo("campaign");
    }

    @Test
    void lucene_syntax_is_text_and_bad_parameters_are_400() {
        server = TestServer.start();
        seed();
        // operators, wildcards and quotes are just text: no error, no match-all
        for (String q : List.of("*", "\" OR *:*", "a AND (", "~~~", "\\", "task:*"))
            assertThat(server.get("/api/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8))
                            .status())
                    .as(q)
                    .isEqualTo(200);
        assertThat(search("*").get("groups")).isEmpty();
        assertThat(server.get("/api/search").status()).isEqualTo(400);
        assertThat(server.get("/api/search?q=x&limit=0").status()).isEqualTo(400);
        assertThat(server.get("/api/search?q=x&limit=51").status()).isEqualTo(400);
        assertThat(server.get("/api/search?q=" + "x".repeat(201)).status()).isEqualTo(400);
    }
}

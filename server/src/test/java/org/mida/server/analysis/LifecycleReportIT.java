package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.analysis.AnalysisIT.enc;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * The lifecycle report on a Fig. 3-shaped campaign: raw inputs are the data that came from outside (a
 * microscope's scans, acquired from nothing recorded; data used before any recorded generation), the walk
 * is time-true with entity versions, and the downstream section lists the evaluations with their metrics.
 */
@ExtendWith(Backends.class)
class LifecycleReportIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void post(List<Map<String, Object>> events) throws Exception {
        var r = server.post("/api/events", MAPPER.writeValueAsString(events));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
    }

    private static Map<String, Object> task(
            String id,
            String wf,
            String activity,
            double start,
            Map<String, Object> used,
            Map<String, Object> generated) {
        var t = new LinkedHashMap<String, Object>();
        t.put("type", "task");
        t.put("task_id", id);
        t.put("workflow_id", wf);
        t.put("campaign_id", "fig3");
        t.put("activity_id", activity);
        t.put("status", "FINISHED");
        t.put("started_at", start);
        t.put("ended_at", start + 5);
        t.put("used", used);
        t.put("generated", generated);
        return t;
    }

    private static Map<String, Object> ref(String id, Object... attrs) {
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        for (int i = 0; i < attrs.length; i += 2) m.put((String) attrs[i], attrs[i + 1]);
        return m;
    }

    private static List<String> ids(JsonNode array, String field) {
        var out = new ArrayList<String>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    @Test
    void a_model_trained_on_20_acquired_scans_lists_them_as_raw_inputs_with_their_metadata() throws Exception {
        server = TestServer.start();
        var events = new ArrayList<Map<String, Object>>();
        var scans = new LinkedHashMap<String, Object>();
        for (int i = 0; i < 20; i++) {
            String scan = "file:///scans/scan-" + i + ".tif";
            // the microscope records its settings; its scans come from no recorded data
            events.add(task(
                    "acquire-" + i,
                    "w1",
                    "microscope",
                    100 + i,
                    Map.of("voltage_kv", 200 + i, "dwell_us", 2.5),
                    Map.of("image", ref(scan, "@type", "scan", "magnification", 1000 + i))));
            scans.put("scan" + i, ref(scan));
        }
        scans.put("lr", 0.001);
        scans.put("batch_size", 32);
        events.add(task(
                "train-1",
                "w2",
                "train",
                200,
                scans,
                Map.of("model", ref("model://unet/1", "@type", "model"), "loss", 0.12)));
        events.add(task(
                "eval-1",
                "w3",
                "evaluate",
                300,
                Map.of("model", ref("model://unet/1")),
                Map.of("iou", 0.81, "report", ref("file:///reports/eval-1.json"))));
        events.add(task("eval-2", "w3", "evaluate", 310, Map.of("model", ref("model://unet/1")), Map.of("iou", 0.79)));
        post(events);

        JsonNode r =
                server.get("/api/analysis/report?id=" + enc("model://unet/1")).json();
        JsonNode raw = r.get("raw_inputs");
        assertThat(raw)
                .as("the 20 scans, acquired from nothing recorded, are the raw inputs")
                .hasSize(20);
        assertThat(raw.get(0).get("attributes").get("magnification").asInt()).isBetween(1000, 1019);
        assertThat(raw.get(0).get("generated_by").get(0).asText()).startsWith("acquire-");
        assertThat(ids(r.get("steps"), "task_id")).hasSize(21).endsWith("train-1");
        assertThat(ids(r.get("downstream").get("tasks"), "task_id")).containsExactly("eval-2", "eval-1");
        assertThat(r.get("downstream")
                        .get("tasks")
                        .get(1)
                        .get("results")
                        .get("iou")
                        .asDouble())
                .isEqualTo(0.81);
        String md = server.get("/api/analysis/report?format=markdown&id=" + enc("model://unet/1"))
                .body();
        assertThat(md).contains("- Raw inputs: 20").contains("## Downstream").contains("2 task(s) used it");
    }

    @Test
    void the_report_is_time_true_a_version_leads_to_its_own_writer_and_an_origin_is_a_raw_input() throws Exception {
        server = TestServer.start();
        String cal = "file:///calibration.json";
        post(List.of(
                // read before anything wrote it: that reading is of its origin, data from outside
                task(
                        "early",
                        "w",
                        "inspect",
                        50,
                        Map.of("cal", ref(cal, "@type", "calibration", "site", "lab-2")),
                        Map.of("ok", true)),
                task(
                        "write-1",
                        "w",
                        "calibrate",
                        100,
                        Map.of("gain", 1),
                        Map.of("cal", ref(cal, "@type", "calibration"))),
                task(
                        "write-2",
                        "w",
                        "calibrate",
                        200,
                        Map.of("gain", 2),
                        Map.of("cal", ref(cal, "@type", "calibration"))),
                task("train", "w", "train", 300, Map.of("cal", ref(cal)), Map.of("model", ref("model://m")))));

        JsonNode r = server.get("/api/analysis/report?id=" + enc("model://m")).json();
        // train read the version write-2 made (write-2 started after write-1 ended): write-1 is not upstream
        assertThat(ids(r.get("steps"), "task_id")).containsExactly("write-2", "train");
        JsonNode train = r.get("steps").get(1);
        assertThat(train.get("inputs").get(0).get("id").asText()).isEqualTo(cal + "#version=write-2");
        // write-2 calibrated from nothing recorded: the version it made is where the data came in
        assertThat(ids(r.get("raw_inputs"), "id")).containsExactly(cal + "#version=write-2");

        JsonNode early = server.get("/api/analysis/report?id=early").json();
        assertThat(ids(early.get("raw_inputs"), "id"))
                .as("the origin a task read is listed as its entity")
                .containsExactly(cal);
        assertThat(early.get("raw_inputs").get(0).get("attributes").get("site").asText())
                .isEqualTo("lab-2");

        // the subject entity stands for all its versions: both writers are upstream of the entity itself
        JsonNode whole = server.get("/api/analysis/report?id=" + enc(cal)).json();
        assertThat(ids(whole.get("steps"), "task_id")).containsExactlyInAnyOrder("write-1", "write-2");
        assertThat(ids(whole.get("downstream").get("tasks"), "task_id")).containsExactly("train", "early");
    }
}

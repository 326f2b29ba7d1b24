package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mida.server.analysis.ReportIT.keys;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(Backends.class)
class AnalysisIT {
    private static final Logger LOG = LoggerFactory.getLogger(AnalysisIT.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WF = "wf/train #1";

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** 12 finished training tasks: loss falls with epochs, duration = 2 × epochs, telemetry grows. */
    private ArrayNode trainingTasks() {
        ArrayNode events = MAPPER.createArrayNode();
        for (int i = 1; i <= 12; i++) {
            ObjectNode t = events.addObject();
            t.put("type", "task");
            t.put("task_id", "train-" + i);
            t.put("workflow_id", WF);
            t.put("campaign_id", "camp A");
            t.put("activity_id", "train");
            t.put("status", "FINISHED");
            t.put("started_at", 1000.0 + i);
            t.put("ended_at", 1000.0 + i + 2.0 * i);
            ObjectNode used = t.putObject("used");
            used.put("epochs", i);
            used.put("batch_norm", i % 2 == 0);
            used.put("optimizer", i % 3 == 0 ? "adam" : "sgd");
            used.put("seed", 7);
            if (i <= 2) used.put("rare", i);
            used.putObject("dataset").put("@id", "file:///data/set.h5");
            ObjectNode gen = t.putObject("generated");
            gen.put("loss", 1.0 / i);
            gen.put("accuracy", 0.5 + 0.04 * i + (i % 2) * 0.001);
            ObjectNode start = t.putObject("telemetry_at_start");
            start.putObject("cpu").put("percent", 10.0 + (i % 4));
            start.putObject("disk").put("read_bytes", 1_000_000L * i);
            start.put("sampled_at", 1000.0 + i);
            ObjectNode end = t.putObject("telemetry_at_end");
            end.putObject("cpu").put("percent", 20.0 + 3 * i);
            end.putObject("disk").put("read_bytes", 1_000_000L * i + 4096L * i * i);
            end.putArray("gpu").addObject().put("index", 0).put("memory_used_mib", 100.0 * i);
        }
        return events;
    }

    private void ingest(JsonNode events) {
        var r = server.post("/api/events", events.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        server.awaitIngested(seconds(60));
    }

    static final String[] ANSWER_KEYS = {
        "workflow_id",
        "activity_id",
        "status",
        "method",
        "tasks",
        "truncated",
        "variables",
        "pearson",
        "spearman",
        "n_pairs",
        "top",
        "dropped",
        "timing"
    };

    /** ANSWER_KEYS with {@code replace} swapped for {@code by} (null: left out) and {@code extra} before timing. */
    private static List<String> answerKeys(String replace, String by, String... extra) {
        var out = new ArrayList<String>();
        for (String k : ANSWER_KEYS) {
            if (k.equals("timing")) out.addAll(List.of(extra));
            if (!k.equals(replace)) out.add(k);
            else if (by != null) out.add(by);
        }
        return out;
    }

    private static int index(JsonNode variables, String name) {
        for (int i = 0; i < variables.size(); i++)
            if (variables.get(i).get("name").asText().equals(name)) return i;
        throw new AssertionError("no variable " + name + " in " + variables);
    }

    @Test
    void correlation_between_hyperparameters_results_duration_and_telemetry() {
        server = TestServer.start();
        ArrayNode events = trainingTasks();
        // a running task and a task of another workflow are not counted
        events.addObject()
                .put("type", "task")
                .put("task_id", "still-running")
                .put("workflow_id", WF)
                .put("status", "RUNNING")
                .putObject("used")
                .put("epochs", 99);
        events.addObject()
                .put("type", "task")
                .put("task_id", "other")
                .put("workflow_id", "wf-other")
                .put("status", "FINISHED")
                .putObject("used")
                .put("epochs", 1000);
        ingest(events);

        var a = server.get("/api/analysis/correlation?workflow_id=" + enc(WF));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.body()).doesNotContain("NaN").doesNotContain("Infinity");
        JsonNode j = a.json();
        // the whole shape: every key, in order
        assertThat(keys(j)).containsExactly(ANSWER_KEYS);
        j.get("variables")
                .forEach(v -> assertThat(keys(v)).containsExactly("name", "group", "n", "mean", "std", "min", "max"));
        j.get("top").forEach(t -> assertThat(keys(t)).containsExactly("a", "b", "pearson", "spearman", "n"));
        j.get("dropped").forEach(d -> assertThat(keys(d)).containsExactly("name", "n", "reason"));
        assertThat(keys(j.get("timing"))).containsExactly("read_ms", "compute_ms");
        assertThat(j.get("activity_id").isNull()).isTrue();
        assertThat(j.get("status").asText()).isEqualTo("FINISHED");
        assertThat(j.get("method").asText()).isEqualTo("both");
        assertThat(j.get("truncated").asBoolean()).isFalse();
        assertThat(j.get("n_pairs")).hasSize(j.get("variables").size());
        assertThat(j.get("workflow_id").asText()).isEqualTo(WF);
        assertThat(j.get("tasks").asInt()).isEqualTo(12);
        JsonNode vars = j.get("variables");
        List<String> names = new ArrayList<>();
        vars.forEach(v -> names.add(v.get("name").asText()));
        assertThat(names)
                .contains(
                        "used.epochs",
                        "used.batch_norm",
                        "generated.loss",
                        "generated.accuracy",
                        "duration",
                        "telemetry_at_start.cpu.percent",
                        "telemetry_at_end.cpu.percent",
                        "telemetry_at_end.gpu.0.memory_used_mib",
                        "telemetry_delta.disk.read_bytes")
                .doesNotContain(
                        "used.optimizer",
                        "used.seed",
                        "used.rare",
                        "used.dataset",
                        "telemetry_at_start.sampled_at",
                        "telemetry_at_end.gpu.0.index",
                        "telemetry_delta.cpu.percent");
        // hyperparameters first, then results, duration, telemetry
        assertThat(names.get(0)).startsWith("used.");
        JsonNode epochs = vars.get(index(vars, "used.epochs"));
        assertThat(epochs.get("n").asInt()).isEqualTo(12);
        assertThat(epochs.get("mean").asDouble()).isCloseTo(6.5, within(1e-9));
        assertThat(epochs.get("std").asDouble()).isCloseTo(3.605551275463989, within(1e-9)); // ddof 1
        assertThat(epochs.get("group").asText()).isEqualTo("used");

        int e = index(vars, "used.epochs"), loss = index(vars, "generated.loss"), d = index(vars, "duration");
        JsonNode p = j.get("pearson"), s = j.get("spearman");
        assertThat(p).hasSize(vars.size());
        assertThat(p.get(e).get(e).asDouble()).isEqualTo(1.0);
        // loss = 1/epochs: perfectly decreasing (Spearman -1), not linear (Pearson between -1 and -0.5)
        assertThat(s.get(e).get(loss).asDouble()).isCloseTo(-1.0, within(1e-12));
        assertThat(p.get(e).get(loss).asDouble()).isBetween(-0.99, -0.5);
        assertThat(p.get(loss).get(e).asDouble()).isEqualTo(p.get(e).get(loss).asDouble());
        assertThat(p.get(e).get(d).asDouble()).isCloseTo(1.0, within(1e-12));
        assertThat(j.get("n_pairs").get(e).get(loss).asInt()).isEqualTo(12);

        JsonNode dropped = j.get("dropped");
        assertThat(reason(dropped, "used.optimizer")).isEqualTo("not numeric");
        assertThat(reason(dropped, "used.seed")).isEqualTo("constant");
        assertThat(reason(dropped, "used.rare")).contains("fewer than 3");

        // top pairs cross groups and are sorted by strength
        JsonNode top = j.get("top");
        assertThat(top).isNotEmpty();
        double prev = 2;
        for (JsonNode t : top) {
            assertThat(Correlation.group(t.get("a").asText()))
                    .isNotEqualTo(Correlation.group(t.get("b").asText()));
            double strength = Math.max(
                    Math.abs(t.get("pearson").asDouble()),
                    Math.abs(t.get("spearman").asDouble()));
            assertThat(strength).isLessThanOrEqualTo(prev + 1e-12);
            prev = strength;
        }
        assertThat(top.get(0).get("n").asInt()).isEqualTo(12);

        // one method only; restricted to an activity; the whole campaign
        JsonNode pearsonOnly = server.get("/api/analysis/correlation?method=pearson&workflow_id=" + enc(WF))
                .json();
        assertThat(keys(pearsonOnly)).containsExactlyElementsOf(answerKeys("spearman", null));
        assertThat(pearsonOnly.get("method").asText()).isEqualTo("pearson");
        pearsonOnly.get("top").forEach(t -> assertThat(keys(t)).containsExactly("a", "b", "pearson", "n"));
        assertThat(pearsonOnly.get("pearson")).isEqualTo(p);
        assertThat(server.get("/api/analysis/correlation?workflow_id=" + enc(WF) + "&activity_id=nope")
                        .json()
                        .get("tasks")
                        .asInt())
                .isZero();
        JsonNode campaign =
                server.get("/api/analysis/correlation?campaign_id=camp%20A").json();
        assertThat(campaign.get("tasks").asInt()).isEqualTo(12);
        assertThat(keys(campaign)).containsExactlyElementsOf(answerKeys("workflow_id", "campaign_id"));
        assertThat(campaign.get("campaign_id").asText()).isEqualTo("camp A");
        JsonNode any = server.get("/api/analysis/correlation?status=any&workflow_id=" + enc(WF))
                .json();
        assertThat(any.get("tasks").asInt()).isEqualTo(13);
        assertThat(any.get("status").asText()).isEqualTo("any");
        // blank parameters count as absent: defaults, and no activity filter
        JsonNode blanks = server.get(
                        "/api/analysis/correlation?activity_id=%20&method=&status=%20&telemetry=&top=&limit="
                                + "&workflow_id=" + enc(WF))
                .json();
        assertThat(blanks.get("tasks").asInt()).isEqualTo(12);
        assertThat(blanks.get("activity_id").isNull()).isTrue();
        assertThat(blanks.get("method").asText()).isEqualTo("both");
        assertThat(blanks.get("top")).isEqualTo(j.get("top"));
        JsonNode train = server.get("/api/analysis/correlation?activity_id=train&workflow_id=" + enc(WF))
                .json();
        assertThat(train.get("activity_id").asText()).isEqualTo("train");
        assertThat(train.get("tasks").asInt()).isEqualTo(12);
        JsonNode noTelemetry = server.get("/api/analysis/correlation?telemetry=false&workflow_id=" + enc(WF))
                .json();
        assertThat(noTelemetry.toString()).doesNotContain("telemetry_at_end");
        JsonNode limited = server.get("/api/analysis/correlation?limit=5&workflow_id=" + enc(WF))
                .json();
        assertThat(limited.get("tasks").asInt()).isEqualTo(5);
        assertThat(limited.get("truncated").asBoolean()).isTrue();
    }

    private static String reason(JsonNode dropped, String name) {
        for (JsonNode d : dropped)
            if (d.get("name").asText().equals(name)) return d.get("reason").asText();
        throw new AssertionError(name + " not dropped: " + dropped);
    }

    @Test
    void correlation_errors_and_too_few_tasks() {
        server = TestServer.start();
        ArrayNode events = MAPPER.createArrayNode();
        for (int i = 1; i <= 2; i++)
            events.addObject()
                    .put("type", "task")
                    .put("task_id", "t" + i)
                    .put("workflow_id", "small")
                    .put("status", "FINISHED")
                    .putObject("used")
                    .put("x", i);
        ingest(events);
        var few = server.get("/api/analysis/correlation?workflow_id=small");
        assertThat(few.status()).isEqualTo(200);
        assertThat(few.json().get("tasks").asInt()).isEqualTo(2);
        assertThat(few.json().get("variables")).isEmpty();
        assertThat(few.json().get("pearson")).isEmpty();
        assertThat(few.json().get("note").asText())
                .isEqualTo("only 2 matching task(s) with status FINISHED; correlations need at least 3");
        assertThat(keys(few.json())).containsExactlyElementsOf(answerKeys(null, null, "note"));

        var unknown = server.get("/api/analysis/correlation?workflow_id=nope%2F1");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.json().get("detail").asText()).contains("nope/1");
        assertThat(server.get("/api/analysis/correlation?campaign_id=nope").status())
                .isEqualTo(404);
        assertThat(server.get("/api/analysis/correlation").status()).isEqualTo(400);
        assertThat(server.get("/api/analysis/correlation?workflow_id=small&campaign_id=c")
                        .status())
                .isEqualTo(400);
        var method = server.get("/api/analysis/correlation?workflow_id=small&method=kendall");
        assertThat(method.status()).isEqualTo(400);
        assertThat(method.json().get("detail").asText())
                .isEqualTo("query parameter 'method' must be pearson, spearman or both, got 'kendall'");
        assertThat(method.json().get("errors").get(0).get("parameter").asText()).isEqualTo("method");
        // a blank id is no id
        assertThat(server.get("/api/analysis/correlation?workflow_id=%20").status())
                .isEqualTo(400);
        assertThat(server.get("/api/analysis/correlation?workflow_id=&campaign_id=nope")
                        .json()
                        .get("detail")
                        .asText())
                .isEqualTo("no campaign 'nope'");
        assertThat(server.get("/api/analysis/correlation?workflow_id=small&telemetry=yes")
                        .json()
                        .get("errors")
                        .get(0)
                        .get("parameter")
                        .asText())
                .isEqualTo("telemetry");
        assertThat(server.get("/api/analysis/correlation?workflow_id=small&status=DONE")
                        .status())
                .isEqualTo(400);
        assertThat(server.get("/api/analysis/correlation?workflow_id=small&limit=0")
                        .status())
                .isEqualTo(400);
        // an injection attempt is only a value
        assertThat(server.get("/api/analysis/correlation?workflow_id=" + enc("x' OR 1=1 //"))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void correlation_over_ten_thousand_tasks() {
        server = TestServer.start();
        int n = 10_000;
        for (int chunk = 0; chunk < n; chunk += 2_000) {
            ArrayNode events = MAPPER.createArrayNode();
            for (int i = chunk; i < chunk + 2_000; i++) {
                ObjectNode t = events.addObject();
                t.put("type", "task");
                t.put("task_id", "big-" + i);
                t.put("workflow_id", "big");
                t.put("status", "FINISHED");
                t.put("started_at", 1000.0 + i);
                t.put("ended_at", 1000.0 + i + (i % 50));
                ObjectNode used = t.putObject("used");
                for (int k = 0; k < 8; k++) used.put("p" + k, (i * (k + 3)) % 17);
                ObjectNode gen = t.putObject("generated");
                for (int k = 0; k < 4; k++) gen.put("m" + k, Math.sin(i * (k + 1)));
                ObjectNode end = t.putObject("telemetry_at_end");
                end.putObject("cpu").put("percent", i % 100);
                end.putObject("memory").put("used", 1e9 + i);
                end.putObject("process").put("rss", 5e8 + (i % 7) * 1e6);
            }
            var r = server.post("/api/events", events.toString());
            assertThat(r.status()).isEqualTo(202);
        }
        server.awaitIngested(seconds(300));
        server.get("/api/analysis/correlation?workflow_id=big"); // warm-up (JIT, plan)
        long[] ms = new long[3];
        JsonNode j = null;
        for (int k = 0; k < ms.length; k++) {
            long t0 = System.nanoTime();
            var a = server.get("/api/analysis/correlation?workflow_id=big");
            ms[k] = (System.nanoTime() - t0) / 1_000_000;
            assertThat(a.status()).isEqualTo(200);
            j = a.json();
        }
        assertThat(j.get("tasks").asInt()).isEqualTo(n);
        assertThat(j.get("variables")).hasSize(8 + 4 + 1 + 3);
        LOG.info(
                "correlation over {} tasks, {} variables: {} ms, {} ms, {} ms (last: read {} ms, compute {} ms)",
                n,
                j.get("variables").size(),
                ms[0],
                ms[1],
                ms[2],
                j.get("timing").get("read_ms"),
                j.get("timing").get("compute_ms"));
        long t0 = System.nanoTime();
        JsonNode noTelemetry = server.get("/api/analysis/correlation?telemetry=false&workflow_id=big")
                .json();
        LOG.info(
                "correlation over {} tasks without telemetry: {} ms (read {} ms, compute {} ms)",
                n,
                (System.nanoTime() - t0) / 1_000_000,
                noTelemetry.get("timing").get("read_ms"),
                noTelemetry.get("timing").get("compute_ms"));
        assertThat(noTelemetry.get("variables")).hasSize(8 + 4 + 1);
        assertThat(ms[2]).isLessThan(20_000);
    }
}

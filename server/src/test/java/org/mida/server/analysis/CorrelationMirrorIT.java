package org.mida.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.EventCodec;
import org.mida.server.columnar.TaskMirror;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * The correlation analysis gives the same answer from the columnar mirror as through Cypher (values equal
 * within 1e-9): workflows and campaigns, one activity, one status, with and without telemetry, and limits
 * below the number of tasks (the most recent by ended_at, ties on ended_at by task_id, tasks without one
 * last), after ingest and after updates.
 */
@ExtendWith(Backends.class)
class CorrelationMirrorIT {
    private static final EventCodec CODEC = EventCodec.shared();
    private TestServer a;

    @AfterEach
    void stop() {
        System.clearProperty(Correlation.ENGINE_PROPERTY);
        if (a != null) a.close();
    }

    private static List<Map<String, Object>> tasks(int from, int n, long seed) {
        var rnd = new SplittableRandom(seed);
        var out = new ArrayList<Map<String, Object>>();
        for (int i = from; i < from + n; i++) {
            var used = new LinkedHashMap<String, Object>();
            double lr = rnd.nextInt(10) / 1000.0;
            if (rnd.nextInt(8) > 0) used.put("lr", lr);
            if (rnd.nextInt(6) > 0) used.put("layers", 1 + rnd.nextInt(4));
            if (rnd.nextInt(3) > 0) used.put("flag", rnd.nextBoolean());
            if (rnd.nextInt(4) == 0) used.put("name", "n" + rnd.nextInt(3));
            var generated = new LinkedHashMap<String, Object>();
            if (rnd.nextInt(7) > 0) generated.put("loss", 1 - lr * 50 + rnd.nextDouble() / 10);
            if (rnd.nextInt(2) > 0) generated.put("acc", rnd.nextInt(100));
            var e = new LinkedHashMap<String, Object>();
            e.put("type", "task");
            e.put("task_id", String.format("t%03d", i));
            e.put("workflow_id", "wf-" + (1 + i % 2));
            e.put("campaign_id", i % 5 == 0 ? "c2" : "c1");
            e.put("activity_id", i % 3 == 0 ? "train" : "eval");
            e.put("status", rnd.nextInt(5) == 0 ? "ERROR" : "FINISHED");
            e.put("started_at", 1000.0 + i % 50);
            // ties on ended_at (whole numbers, few of them), some without one, some as integers
            int r = rnd.nextInt(10);
            if (r == 0) {
            } else if (r == 1) e.put("ended_at", 1100 + rnd.nextInt(5));
            else e.put("ended_at", 1100.0 + rnd.nextInt(40));
            e.put("used", used);
            e.put("generated", generated);
            if (rnd.nextInt(3) == 0) {
                e.put(
                        "telemetry_at_start",
                        Map.of("cpu", Map.of("percent", rnd.nextInt(100)), "disk", Map.of("read_bytes", 1000)));
                e.put(
                        "telemetry_at_end",
                        Map.of(
                                "cpu",
                                Map.of("percent", rnd.nextInt(100)),
                                "disk",
                                Map.of("read_bytes", 1000 + rnd.nextInt(5000))));
            }
            out.add(e);
        }
        return out;
    }

    private JsonNode correlation(String query, boolean cypher) {
        if (cypher) System.setProperty(Correlation.ENGINE_PROPERTY, "cypher");
        try {
            var r = a.get("/api/analysis/correlation?" + query);
            assertThat(r.status()).as(query + " → " + r.body()).isEqualTo(200);
            ObjectNode o = (ObjectNode) r.json();
            o.remove("timing");
            return o;
        } finally {
            System.clearProperty(Correlation.ENGINE_PROPERTY);
        }
    }

    private static final List<String> QUERIES = List.of(
            "workflow_id=wf-1",
            "workflow_id=wf-2&telemetry=false",
            "campaign_id=c1&limit=25",
            "campaign_id=c1&limit=25&telemetry=false&method=spearman",
            "campaign_id=c2&activity_id=train",
            "workflow_id=wf-1&status=FINISHED&limit=17",
            "workflow_id=wf-2&status=ERROR&activity_id=eval&method=pearson",
            "workflow_id=wf-1&limit=3",
            "workflow_id=nobody-here",
            "campaign_id=c1&status=RUNNING");

    private void agrees() {
        TaskMirror mirror = a.server().mirror();
        // the ingested batches applied first (this test is about the answers; the first re-read after a start
        // plans its statements, ≈ 1.1–1.3 s on a slow machine, past the mirror's 250 ms wait: DslMirrorIT)
        a.awaitMirrorApplied(seconds(30));
        for (String q : QUERIES) {
            var viaCypher = a.get("/api/analysis/correlation?" + q);
            if (viaCypher.status() == 404) continue; // an unknown workflow: 404 on both paths, before the read
            JsonNode c = correlation(q, true);
            long before = mirror.correlations();
            JsonNode m = correlation(q, false);
            assertThat(mirror.correlations()).as("the mirror read " + q).isEqualTo(before + 1);
            assertThat(same(c, m)).as(q + "\ncypher: " + c + "\nmirror: " + m).isTrue();
        }
    }

    /** Equal JSON; numbers equal within 1e-9 (relative for large ones). */
    private static boolean same(JsonNode x, JsonNode y) {
        if (x.isObject()) {
            if (!y.isObject() || x.size() != y.size()) return false;
            Iterator<String> kx = x.fieldNames();
            while (kx.hasNext()) {
                String k = kx.next();
                if (!y.has(k) || !same(x.get(k), y.get(k))) return false;
            }
            return true;
        }
        if (x.isArray()) {
            if (!y.isArray() || x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!same(x.get(i), y.get(i))) return false;
            return true;
        }
        if (x.isNumber() && y.isNumber()) {
            double p = x.asDouble(), q = y.asDouble();
            return Math.abs(p - q) <= 1e-9 * Math.max(1, Math.max(Math.abs(p), Math.abs(q)));
        }
        return x.equals(y);
    }

    @Test
    void the_mirror_and_cypher_give_the_same_correlations() {
        a = TestServer.start();
        TestServer.await(
                seconds(30), "the mirror to load", () -> a.server().mirror().state() == TaskMirror.State.READY);
        ingest(tasks(0, 150, 1));
        agrees();
        // updates: tasks finish again with other values, new ones arrive
        ingest(tasks(0, 60, 2));
        ingest(tasks(150, 50, 3));
        agrees();
        JsonNode some = correlation("campaign_id=c1&limit=25", false);
        assertThat(some.get("tasks").asInt()).isEqualTo(25);
        assertThat(some.get("truncated").asBoolean()).isTrue();
        JsonNode tele = correlation("workflow_id=wf-1", false);
        assertThat(tele.toString()).contains("telemetry_at_end.cpu.percent", "telemetry_delta.disk.read_bytes");
    }

    private void ingest(List<Map<String, Object>> events) {
        var post = a.post("/api/events", CODEC.toJson(events));
        assertThat(post.status()).as(post.body()).isEqualTo(202);
        a.awaitIngested(seconds(30));
    }
}

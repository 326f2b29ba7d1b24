package org.mida.server.observerstatus;

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

/**
 * Observer status reports through the running server: sent on the Redis stream and through POST
 * /api/events, kept per observer (the latest wins, whatever the order they arrive in), served by GET
 * /api/observers, and named by /api/health once silent.
 */
@ExtendWith(Backends.class)
class ObserverStatusIT {
    static final String MLFLOW = "node17/agent/mlflow";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    static String report(String id, double at, String state, Double interval, long emitted, String... more) {
        var sb = new StringBuilder("{\"type\":\"observer\",\"observer_id\":\"" + id + "\",\"at\":" + at);
        if (state != null) sb.append(",\"state\":\"").append(state).append('"');
        if (interval != null) sb.append(",\"interval\":").append(interval);
        sb.append(",\"counters\":{\"emitted\":").append(emitted).append(",\"rejected\":0");
        for (String m : more) sb.append(',').append(m);
        return sb.append("}}").toString();
    }

    static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    @Test
    void the_latest_report_per_observer_is_served_and_an_older_one_arriving_later_changes_nothing() {
        server = TestServer.start();
        double sent = now();
        String full = "{\"type\":\"observer\",\"observer_id\":\"" + MLFLOW + "\",\"at\":1714564830.25,"
                + "\"name\":\"mlflow\",\"kind\":\"mlflow\",\"state\":\"RUNNING\",\"hostname\":\"node17\","
                + "\"version\":\"0.1.0\",\"pid\":4242,\"campaign_id\":\"c1\",\"started_at\":1714564800,\"interval\":10,"
                + "\"last_poll_at\":1714564829.5,\"last_error\":\"database is locked\",\"last_error_at\":1714564815,"
                + "\"counters\":{\"emitted\":120,\"rejected\":2,\"spilled\":0,\"dropped\":0,\"runs_seen\":7},"
                + "\"custom_metadata\":{\"tracking_uri\":\"sqlite:///mlflow.db\"},\"x_site\":\"lab-3\"}";
        server.xadd(full);
        server.awaitIngested(seconds(30));
        // older reports arrive late: on the stream, through the API, and one beside a task in an array
        server.xadd(report(MLFLOW, 1714564800, "starting", 10.0, 0));
        var posted = server.post(
                "/api/events",
                "[" + report(MLFLOW, 1714564820, "retrying", 10.0, 99) + ",{\"type\":\"task\",\"task_id\":\"t-1\"},"
                        + report("a-logfile", 1714564900, "running", 5.0, 3) + "]");
        assertThat(posted.status()).as(posted.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        double received = now();

        var list = server.get("/api/observers");
        assertThat(list.status()).isEqualTo(200);
        JsonNode observers = list.json().get("observers");
        assertThat(observers).extracting(o -> o.get("observer_id").asText()).containsExactly("a-logfile", MLFLOW);
        JsonNode m = observers.get(1);
        assertThat(m.get("at").asDouble()).isEqualTo(1714564830.25);
        assertThat(m.get("state").asText()).isEqualTo("running");
        assertThat(m.get("name").asText()).isEqualTo("mlflow");
        assertThat(m.get("kind").asText()).isEqualTo("mlflow");
        assertThat(m.get("hostname").asText()).isEqualTo("node17");
        assertThat(m.get("version").asText()).isEqualTo("0.1.0");
        assertThat(m.get("pid").asLong()).isEqualTo(4242);
        assertThat(m.get("campaign_id").asText()).isEqualTo("c1");
        assertThat(m.get("started_at").asDouble()).isEqualTo(1714564800.0);
        assertThat(m.get("interval").asDouble()).isEqualTo(10.0);
        assertThat(m.get("last_poll_at").asDouble()).isEqualTo(1714564829.5);
        assertThat(m.get("last_error").asText()).isEqualTo("database is locked");
        assertThat(m.get("last_error_at").asDouble()).isEqualTo(1714564815.0);
        assertThat(m.get("counters").get("emitted").asLong()).isEqualTo(120);
        assertThat(m.get("counters").get("runs_seen").asLong()).isEqualTo(7);
        assertThat(m.get("custom_metadata").get("tracking_uri").asText()).isEqualTo("sqlite:///mlflow.db");
        assertThat(m.get("x_site").asText()).isEqualTo("lab-3");
        assertThat(m.get("received_at").asDouble()).isBetween(sent - 1, received + 1);
        assertThat(m.get("silent").asBoolean()).isFalse();
        assertThat(m.get("silent_after_s").asDouble()).isEqualTo(30.0);

        // one observer: the id's slashes as they are in the path, or anything as ?id=
        var one = server.get("/api/observers/" + MLFLOW);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().get("at").asDouble()).isEqualTo(1714564830.25);
        var byQuery = server.get("/api/observers?id=" + URLEncoder.encode(MLFLOW, StandardCharsets.UTF_8));
        assertThat(byQuery.json().get("counters")).isEqualTo(one.json().get("counters"));
        var missing = server.get("/api/observers/nobody%20here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.json().get("type").asText()).isEqualTo("/problems/not-found");
        assertThat(missing.json().get("detail").asText()).contains("nobody here");

        // a newer report replaces the snapshot whole: a counter it does not carry is gone
        server.xadd(report(MLFLOW, 1714564840, "stopped", 10.0, 130));
        server.awaitIngested(seconds(30));
        JsonNode after = server.get("/api/observers/" + MLFLOW).json();
        assertThat(after.get("state").asText()).isEqualTo("stopped");
        assertThat(after.get("counters").get("emitted").asLong()).isEqualTo(130);
        assertThat(after.get("counters").has("runs_seen")).isFalse();
        assertThat(after.get("last_error").isNull()).isTrue();
        assertThat(server.count("MATCH (o:Observer) RETURN count(o)")).isEqualTo(2);
        assertThat(server.count("MATCH (o:Observer {observer_id: $id}) RETURN o.`counters.emitted`", "id", MLFLOW))
                .isEqualTo(130);
        assertThat(server.server().redis().xlen(server.config().deadLetterStream()))
                .isZero();
    }

    @Test
    void an_observer_that_stops_reporting_is_silent_and_health_names_it_without_failing() {
        server = TestServer.start(c -> c.withObserverSilence(2, 1));
        double t = now();
        server.xadd("[" + report("quiet", t, "running", 0.5, 1) // silent after max(2 x 0.5, 1) = 1 s
                + "," + report("done", t, "stopped", 0.5, 9) // said goodbye: never silent
                + "," + report("slow", t, "running", 3600.0, 1) // silent after two hours
                + "]");
        server.awaitIngested(seconds(30));

        TestServer.await(seconds(20), "'quiet' to be silent", () -> silent().contains("quiet"));
        assertThat(silent()).containsExactly("quiet");
        JsonNode quiet = server.get("/api/observers/quiet").json();
        assertThat(quiet.get("silent").asBoolean()).isTrue();
        assertThat(quiet.get("silent_for_s").asDouble()).isGreaterThan(1.0);
        assertThat(quiet.get("silent_after_s").asDouble()).isEqualTo(1.0);
        assertThat(server.get("/api/observers/slow").json().get("silent_for_s").isNull())
                .isTrue();

        var health = server.get("/api/health");
        assertThat(health.status())
                .as("a silent observer does not make the server unhealthy")
                .isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        assertThat(health.json().get("observers").get("total").asLong()).isEqualTo(3);
        assertThat(health.json().get("observers").get("silent"))
                .extracting(JsonNode::asText)
                .containsExactly("quiet");

        // it reports again (through the API this time): no longer silent
        var posted = server.post("/api/events", report("quiet", now(), "running", 30.0, 2));
        assertThat(posted.status()).isEqualTo(202);
        server.awaitIngested(seconds(30));
        assertThat(silent()).isEmpty();
        assertThat(server.get("/api/health").json().get("observers").get("silent"))
                .isEmpty();
    }

    @Test
    void health_answers_with_no_observers() {
        server = TestServer.start();
        JsonNode h = server.get("/api/health").json();
        assertThat(h.get("observers").get("total").asLong()).isZero();
        assertThat(h.get("observers").get("silent")).isEmpty();
        assertThat(server.get("/api/observers").json().get("observers")).isEmpty();
    }

    private List<String> silent() {
        var out = new ArrayList<String>();
        for (JsonNode o : server.get("/api/observers").json().get("observers"))
            if (o.get("silent").asBoolean()) out.add(o.get("observer_id").asText());
        return out;
    }
}

package org.mida.server.observerstatus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;

/** Silence and the answer's shape, from plain values: no database, no clock. */
class ObserverStatusTest {
    private static final EventCodec CODEC = EventCodec.shared();
    private static final Silence RULE = new Silence(3, 30);

    static ObserverEvent report(String json) {
        try {
            return (ObserverEvent) CODEC.decodeEvent(CODEC.parse(json));
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    @Test
    void silent_after_the_factor_times_the_interval_never_sooner_than_the_floor() {
        assertThat(RULE.after(10.0)).isEqualTo(30.0);
        assertThat(RULE.after(60.0)).isEqualTo(180.0);
        assertThat(RULE.after(null)).as("no interval: the floor").isEqualTo(30.0);
        assertThat(RULE.silent("running", 60.0, 180)).isFalse();
        assertThat(RULE.silent("running", 60.0, 180.1)).isTrue();
        assertThat(RULE.silent(null, null, 31)).isTrue();
        assertThat(RULE.silent("stopped", 1.0, 1e6)).as("it said goodbye").isFalse();
    }

    @Test
    void the_status_measures_age_from_when_the_server_received_the_report() {
        // the observer's clock is an hour behind: its "at" says nothing about silence
        ObserverEvent r = report("{\"type\":\"observer\",\"observer_id\":\"o\",\"at\":1000,\"interval\":10}");

        ObserverStatus fresh = ObserverStatus.of(r, 4600, 4610, RULE);
        assertThat(fresh.silent()).isFalse();
        assertThat(fresh.reportAgeS()).isEqualTo(10.0);
        assertThat(fresh.silentForS()).isNull();
        assertThat(fresh.silentAfterS()).isEqualTo(30.0);

        ObserverStatus gone = ObserverStatus.of(r, 4600, 4645.04, RULE);
        assertThat(gone.silent()).isTrue();
        assertThat(gone.silentForS()).isEqualTo(45.0);
    }

    @Test
    void the_answer_has_every_field_in_snake_case_counters_as_a_map_and_unknown_fields_as_sent() {
        ObserverEvent r = report("{\"type\":\"observer\",\"observer_id\":\"node17/agent/mlflow\",\"at\":1714564830.25,"
                + "\"name\":\"mlflow\",\"kind\":\"mlflow\",\"state\":\"running\",\"hostname\":\"node17\",\"pid\":4242,"
                + "\"last_error\":\"database is locked\",\"counters\":{\"emitted\":120,\"rejected\":2},"
                + "\"x_site\":\"lab-3\",\"silent\":\"spoofed\"}");

        JsonNode json = CODEC.mapper().valueToTree(ObserverStatus.of(r, 1714564831, 1714564832, RULE));

        assertThat(json.get("observer_id").asText()).isEqualTo("node17/agent/mlflow");
        assertThat(json.get("counters").get("emitted").asLong()).isEqualTo(120);
        assertThat(json.get("last_error").asText()).isEqualTo("database is locked");
        assertThat(json.get("received_at").asDouble()).isEqualTo(1714564831.0);
        assertThat(json.get("silent").isBoolean())
                .as("the answer's own, not the report's")
                .isTrue();
        assertThat(json.get("silent").asBoolean()).isFalse();
        assertThat(json.get("x_site").asText()).isEqualTo("lab-3");
        assertThat(json.has("interval"))
                .as("absent fields are null, not missing")
                .isTrue();
        assertThat(json.get("interval").isNull()).isTrue();
        for (String k : new String[] {"pid", "campaign_id", "started_at", "last_poll_at", "last_error_at", "version"})
            assertThat(json.has(k)).as(k).isTrue();
    }
}

package org.mida.server.observerstatus;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mida.event.ObserverEvent;

/**
 * One observer as {@code GET /api/observers} shows it: its latest report, when that report reached the
 * server ({@code received_at}, server clock), and whether it went silent. Ages are measured on the
 * server's clock from {@code received_at}, so an observer host's clock skew does not make it look
 * silent or alive.
 *
 * @param reportAgeS seconds since the latest report reached the server
 * @param silent true when it has not reported for more than {@code silent_after_s} and its last state
 *     is not {@code stopped}
 * @param silentForS seconds without a report when silent, else null
 * @param silentAfterS seconds without a report after which it counts as silent ({@link Silence#after})
 * @param extras the report's fields outside the wire format, as sent
 */
@JsonPropertyOrder({
    "observer_id",
    "name",
    "kind",
    "state",
    "hostname",
    "version",
    "pid",
    "campaign_id",
    "started_at",
    "at",
    "received_at",
    "interval",
    "last_poll_at",
    "last_error",
    "last_error_at",
    "counters",
    "custom_metadata",
    "report_age_s",
    "silent",
    "silent_for_s",
    "silent_after_s"
})
record ObserverStatus(
        @JsonProperty("observer_id") String observerId,
        String name,
        String kind,
        String state,
        String hostname,
        String version,
        Long pid,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("started_at") Double startedAt,
        double at,
        @JsonProperty("received_at") double receivedAt,
        Double interval,
        @JsonProperty("last_poll_at") Double lastPollAt,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("last_error_at") Double lastErrorAt,
        Map<String, Object> counters,
        @JsonProperty("custom_metadata") Map<String, Object> customMetadata,
        @JsonProperty("report_age_s") double reportAgeS,
        boolean silent,
        @JsonProperty("silent_for_s") Double silentForS,
        @JsonProperty("silent_after_s") double silentAfterS,
        @JsonAnyGetter Map<String, Object> extras) {

    /** The names this answer uses itself: an unknown report field by one of them is left out. */
    private static final Set<String> OWN =
            Set.of("type", "observer_id", "received_at", "report_age_s", "silent", "silent_for_s", "silent_after_s");

    ObserverStatus {
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
        customMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(customMetadata));
        var x = new LinkedHashMap<String, Object>();
        for (var e : extras.entrySet()) if (!OWN.contains(e.getKey())) x.put(e.getKey(), e.getValue());
        extras = Collections.unmodifiableMap(x);
    }

    /** The status of the observer whose latest report is {@code r}, received at {@code receivedAt}, seen at {@code now}. */
    static ObserverStatus of(ObserverEvent r, double receivedAt, double now, Silence rule) {
        double age = Math.max(0, now - receivedAt);
        boolean silent = rule.silent(r.state(), r.interval(), age);
        return new ObserverStatus(
                r.observerId(),
                r.name(),
                r.kind(),
                r.state(),
                r.hostname(),
                r.version(),
                r.pid(),
                r.campaignId(),
                r.startedAt(),
                r.at(),
                receivedAt,
                r.interval(),
                r.lastPollAt(),
                r.lastError(),
                r.lastErrorAt(),
                r.counters(),
                r.customMetadata(),
                round(age),
                silent,
                silent ? round(age) : null,
                rule.after(r.interval()),
                r.extras());
    }

    /** Tenths of a second are enough for ages. */
    private static double round(double seconds) {
        return Math.round(seconds * 10) / 10.0;
    }

    /** What {@code GET /api/observers} answers, by {@code observer_id}. */
    record Listing(java.util.List<ObserverStatus> observers) {
        Listing {
            observers = java.util.List.copyOf(observers);
        }
    }
}

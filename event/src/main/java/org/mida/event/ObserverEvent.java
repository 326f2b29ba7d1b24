package org.mida.event;

import static org.mida.event.TaskEvent.checkTime;
import static org.mida.event.TaskEvent.copy;
import static org.mida.event.TaskEvent.put;
import static org.mida.event.TaskEvent.putMap;
import static org.mida.event.TaskEvent.requireId;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An observer's report on itself (wire {@code "type":"observer"}): who it is, where it runs, what it
 * has done so far. Observers send one every {@code interval} seconds on the same stream as their
 * events; the server keeps the latest per {@code observer_id} and names the ones that went silent.
 *
 * <p>Required: {@code observer_id} (stable across restarts of the same observer, e.g. {@code
 * host/agent/mlflow-main}) and {@code at} (when the report was made, epoch seconds). {@code counters}
 * holds non-negative integers ({@code emitted}, {@code rejected}, {@code spilled}, {@code dropped},
 * and any an observer adds). A report is a snapshot: {@link #merge} keeps the one with the later
 * {@code at}, never a mix.
 */
public record ObserverEvent(
        String observerId,
        Double at,
        String name,
        String kind,
        String state,
        String hostname,
        String version,
        Long pid,
        String campaignId,
        Double startedAt,
        Double interval,
        Double lastPollAt,
        String lastError,
        Double lastErrorAt,
        Map<String, Object> counters,
        Map<String, Object> customMetadata,
        Map<String, Object> extras)
        implements Event {

    /** States an observer reports: starting, running, retrying (failed to start or poll), stopped. */
    public static final java.util.List<String> STATES = java.util.List.of("starting", "running", "retrying", "stopped");

    public ObserverEvent {
        requireId("observer_id", observerId, true);
        if (at == null) throw new InvalidEventException("\"at\" is required (epoch seconds of the report)");
        checkTime("at", at);
        checkTime("started_at", startedAt);
        checkTime("last_poll_at", lastPollAt);
        checkTime("last_error_at", lastErrorAt);
        requireId("campaign_id", campaignId, false);
        if (state != null) {
            state = state.toLowerCase(Locale.ROOT);
            if (!STATES.contains(state))
                throw new InvalidEventException("unknown \"state\": \"" + EventCodec.abbreviate(state)
                        + "\" (expected one of " + String.join(", ", STATES) + ")");
        }
        if (interval != null && (interval.isNaN() || interval.isInfinite() || interval <= 0))
            throw new InvalidEventException("\"interval\" must be a positive number of seconds");
        if (pid != null && pid < 0) throw new InvalidEventException("\"pid\" must be a non-negative integer");
        counters = copy(counters);
        for (var e : counters.entrySet()) {
            Object v = e.getValue();
            boolean integral = v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger;
            if (!integral || ((Number) v).longValue() < 0)
                throw new InvalidEventException("\"counters\"." + EventCodec.abbreviate(e.getKey())
                        + " must be a non-negative integer, got " + EventCodec.kind(v));
        }
        customMetadata = copy(customMetadata);
        extras = copy(extras);
    }

    /** A report with just an id, a time and counters; the builder-less form for tests and tools. */
    public static ObserverEvent of(String observerId, double at, Map<String, Object> counters) {
        return new ObserverEvent(
                observerId,
                at,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                counters,
                null,
                null);
    }

    @Override
    public String type() {
        return "observer";
    }

    @Override
    public String key() {
        return observerId;
    }

    /** The later report of the two (by {@code at}; {@code later} on a tie). */
    public ObserverEvent merge(ObserverEvent later) {
        if (!observerId.equals(later.observerId))
            throw new IllegalArgumentException("cannot merge " + observerId + " with " + later.observerId);
        return later.at >= at ? later : this;
    }

    @Override
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "observer");
        m.put("observer_id", observerId);
        m.put("at", at);
        put(m, "name", name);
        put(m, "kind", kind);
        put(m, "state", state);
        put(m, "hostname", hostname);
        put(m, "version", version);
        put(m, "pid", pid);
        put(m, "campaign_id", campaignId);
        put(m, "started_at", startedAt);
        put(m, "interval", interval);
        put(m, "last_poll_at", lastPollAt);
        put(m, "last_error", lastError);
        put(m, "last_error_at", lastErrorAt);
        putMap(m, "counters", counters);
        putMap(m, "custom_metadata", customMetadata);
        for (var e : extras.entrySet()) m.putIfAbsent(e.getKey(), e.getValue());
        return m;
    }
}

package org.mida.observers.controller;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link ObserverController} reports on its observers: every {@code interval} (and on each
 * change of state) one {@link org.mida.event.ObserverEvent} ({@code "type":"observer"}) per observer
 * goes through the controller's emitter, on the same stream as the events. The report's {@code
 * observer_id} is {@code <hostname>/<agent>/<observer name>}, stable across restarts of the same
 * process on the same host.
 *
 * <pre>{@code
 * new ObserverController(emitter, StatusReports.every(Duration.ofSeconds(10)).withAgent("lab-7").withCampaignId("c1"));
 * new ObserverController(emitter, StatusReports.off());
 * }</pre>
 *
 * @param interval time between two reports; zero = no reports
 * @param agent the middle part of every {@code observer_id} (the agent's name, the config file's stem)
 * @param campaignId the reports' {@code campaign_id}, or null
 */
public record StatusReports(Duration interval, String agent, String campaignId) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final String DEFAULT_AGENT = "java";

    public StatusReports {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) throw new IllegalArgumentException("the status interval must not be negative");
        if (!interval.isZero() && interval.toMillis() < 1)
            throw new IllegalArgumentException("the status interval must be at least 1 ms");
        if (agent == null || agent.isBlank()) agent = DEFAULT_AGENT;
        if (campaignId != null && campaignId.isBlank()) campaignId = null;
    }

    /** Every 10 s, agent {@code java}, no campaign. */
    public static StatusReports defaults() {
        return every(DEFAULT_INTERVAL);
    }

    public static StatusReports every(Duration interval) {
        return new StatusReports(interval, null, null);
    }

    /** No status reports at all. */
    public static StatusReports off() {
        return new StatusReports(Duration.ZERO, null, null);
    }

    public StatusReports withAgent(String v) {
        return new StatusReports(interval, v, campaignId);
    }

    public StatusReports withCampaignId(String v) {
        return new StatusReports(interval, agent, v);
    }

    public boolean enabled() {
        return !interval.isZero();
    }
}

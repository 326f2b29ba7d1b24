package org.mida.observers.controller;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link ObserverController} drives one observer.
 *
 * <pre>{@code
 * controller.register(new LogFileObserver(...), ObserverSettings.polling(Duration.ofSeconds(1)));
 * controller.register(bridge, ObserverSettings.callbackOnly());
 * }</pre>
 *
 * @param pollInterval pause between two {@link Observer#observe()} calls; zero = never polled
 * @param stopTimeout how long {@link ObserverController#stop()} waits for a poll in progress
 */
public record ObserverSettings(Duration pollInterval, Duration stopTimeout) {

    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    public ObserverSettings {
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        if (pollInterval.isNegative()) throw new IllegalArgumentException("pollInterval must not be negative");
        if (stopTimeout.isNegative()) throw new IllegalArgumentException("stopTimeout must not be negative");
    }

    /** Polled every {@code interval}. */
    public static ObserverSettings polling(Duration interval) {
        if (interval.isZero()) throw new IllegalArgumentException("a polling interval must be > 0");
        return new ObserverSettings(interval, DEFAULT_STOP_TIMEOUT);
    }

    /** Never polled: the observer reacts to callbacks from its source. */
    public static ObserverSettings callbackOnly() {
        return new ObserverSettings(Duration.ZERO, DEFAULT_STOP_TIMEOUT);
    }

    public boolean polled() {
        return !pollInterval.isZero();
    }
}

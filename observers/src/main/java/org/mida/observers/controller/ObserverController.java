package org.mida.observers.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.mida.observers.emit.Emitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a set of {@link Observer}s (paper III-C): {@link #register} them with their settings,
 * {@link #start()} them, {@link #stop()} them. Polled observers get their {@code observe()} on a
 * daemon thread of their own, never concurrently with itself; a failing poll is logged and retried
 * at the next interval. {@code stop()} cancels the schedules, waits for polls in progress, does one
 * last poll of each observer (so nothing already written is left behind), closes them and flushes
 * the emitter. Thread-safe.
 *
 * <pre>{@code
 * try (Emitter emitter = EmitterConfig.builder().start();
 *      ObserverController c = new ObserverController(emitter)) {
 *     c.register(new LogFileObserver(settings), ObserverSettings.polling(Duration.ofMillis(500)));
 *     c.start();
 *     ...
 * } // close() = stop()
 * }</pre>
 */
public final class ObserverController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ObserverController.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);

    private record Registered(Observer observer, ObserverSettings settings) {}

    private final Emitter emitter;
    private final List<Registered> observers = new ArrayList<>();
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
    private final List<Registered> started = new ArrayList<>();
    private ScheduledExecutorService scheduler;
    private boolean running;

    public ObserverController(Emitter emitter) {
        this.emitter = Objects.requireNonNull(emitter, "emitter");
    }

    /** Adds an observer; allowed before {@link #start()} only. */
    public synchronized ObserverController register(Observer observer, ObserverSettings settings) {
        if (running) throw new IllegalStateException("register observers before start()");
        observers.add(new Registered(Objects.requireNonNull(observer), Objects.requireNonNull(settings)));
        return this;
    }

    /** The registered observers, in order. */
    public synchronized List<Observer> observers() {
        return observers.stream().map(Registered::observer).toList();
    }

    /**
     * Starts every observer, then schedules the polled ones. If one fails to start, the ones already
     * started are closed and the error is thrown.
     */
    public synchronized void start() {
        if (running) return;
        int polled = (int) observers.stream().filter(r -> r.settings().polled()).count();
        scheduler = Executors.newScheduledThreadPool(Math.max(1, polled), r -> {
            Thread t = new Thread(r, "mida-observer");
            t.setDaemon(true);
            return t;
        });
        for (Registered r : observers) {
            try {
                r.observer().start(emitter);
                started.add(r);
                LOG.info("Observer {} started ({})", r.observer().name(), r.settings());
            } catch (Exception e) {
                closeStarted();
                scheduler.shutdownNow();
                throw new IllegalStateException("observer " + r.observer().name() + " failed to start: " + e, e);
            }
        }
        for (Registered r : started) {
            if (!r.settings().polled()) continue;
            long every = r.settings().pollInterval().toNanos();
            schedules.add(scheduler.scheduleWithFixedDelay(() -> poll(r), 0, every, TimeUnit.NANOSECONDS));
        }
        running = true;
    }

    private static void poll(Registered r) {
        try {
            r.observer().observe();
        } catch (Exception e) {
            LOG.warn(
                    "Observer {} poll failed (retried in {}): {}",
                    r.observer().name(),
                    r.settings().pollInterval(),
                    e.toString());
        } catch (Error e) {
            LOG.error("Observer {} poll failed", r.observer().name(), e);
        }
    }

    /** Stops polling, finishes polls in progress, polls once more, closes the observers, flushes. */
    public synchronized void stop() {
        if (!running) return;
        running = false;
        schedules.forEach(s -> s.cancel(false));
        schedules.clear();
        scheduler.shutdown();
        long waitMs = started.stream()
                .mapToLong(r -> r.settings().stopTimeout().toMillis())
                .max()
                .orElse(0);
        try {
            if (!scheduler.awaitTermination(waitMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("Observer polls still running after {} ms; interrupting them", waitMs);
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.shutdownNow();
        }
        for (Registered r : started) if (r.settings().polled()) poll(r);
        closeStarted();
        if (!emitter.flush(FLUSH_TIMEOUT)) LOG.warn("Emitter not flushed within {}", FLUSH_TIMEOUT);
    }

    private void closeStarted() {
        for (Registered r : started) {
            try {
                r.observer().close();
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed to close: {}", r.observer().name(), e.toString());
            }
        }
        started.clear();
    }

    @Override
    public void close() {
        stop();
    }
}

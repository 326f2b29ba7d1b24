package org.mida.observers.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mida.event.ObserverEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.telemetry.Telemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a set of {@link Observer}s (paper III-C): {@link #register} them with their settings,
 * {@link #start()} them, {@link #stop()} them. Thread-safe.
 *
 * <ul>
 *   <li><b>Start</b>: each observer is started on its own; one that fails is retried with backoff
 *       (1 s, 2 s, 4 s … up to 1 min; a WARN line per attempt with the error) and never keeps the
 *       others from running.
 *   <li><b>Polls</b>: polled observers get their {@code observe()} on a daemon thread of their own,
 *       never concurrently with itself; a failing poll is logged and retried at the next interval.
 *   <li><b>Status reports</b> ({@link StatusReports}): every interval, and whenever an observer's
 *       state changes, one {@code "type":"observer"} event per observer goes through the emitter:
 *       state ({@code starting}, {@code running}, {@code retrying} with the last error, {@code
 *       stopped}), last poll, and counters — the emitter's ({@code emitted}, {@code rejected}, {@code
 *       spilled}, {@code dropped}, …) merged with {@link Observer#counters()}. The emitter's counters
 *       are the emitter's: observers that share one emitter report the same totals (the report then
 *       says {@code custom_metadata.emitter_shared_by}); give each observer its own emitter (and
 *       controller) for counters of its own, as the agent does. {@code emitted} leaves out the
 *       reports themselves ({@code status_reports}).
 *   <li><b>Stop</b>: cancels the schedules, waits for polls in progress, does one last poll of each
 *       started observer (so nothing already written is left behind), closes every observer whose
 *       start was tried, flushes the emitter, then sends a {@code stopped} report of each.
 * </ul>
 *
 * <pre>{@code
 * try (Emitter emitter = EmitterConfig.builder().start();
 *      ObserverController c = new ObserverController(emitter, StatusReports.every(Duration.ofSeconds(10)))) {
 *     c.register(new LogFileObserver(file, LineMapper.jsonLines(), null), ObserverSettings.polling(Duration.ofMillis(500)));
 *     c.start();
 *     ...
 * } // close() = stop()
 * }</pre>
 */
public final class ObserverController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ObserverController.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_FIRST_RETRY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(1);

    /** One registered observer and what the controller knows of it; mutable state guarded by itself. */
    private static final class Entry {
        final ObserverInfo info;
        final Observer observer;
        final ObserverSettings settings;
        final String observerId;
        volatile String state = "starting";
        volatile boolean started;
        volatile boolean tried;
        volatile Double lastPollAt;
        volatile String lastError;
        volatile Double lastErrorAt;
        volatile boolean pollFailing;
        int attempts;
        ScheduledFuture<?> poll;
        ScheduledFuture<?> retry;

        Entry(ObserverInfo info, Observer observer, ObserverSettings settings, String observerId) {
            this.info = info;
            this.observer = observer;
            this.settings = settings;
            this.observerId = observerId;
        }

        String name() {
            return info.name();
        }
    }

    private final Emitter emitter;
    private final StatusReports reports;
    private final String hostname = Telemetry.hostname();
    private final List<Entry> entries = new ArrayList<>();
    private final AtomicLong reportsSent = new AtomicLong();
    private Duration firstRetry = DEFAULT_FIRST_RETRY;
    private Duration maxRetry = DEFAULT_MAX_RETRY;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> reporting;
    private volatile boolean running;
    private volatile Double startedAt;

    /** A controller with the default status reports (every 10 s, agent {@code java}). */
    public ObserverController(Emitter emitter) {
        this(emitter, StatusReports.defaults());
    }

    public ObserverController(Emitter emitter, StatusReports reports) {
        this.emitter = Objects.requireNonNull(emitter, "emitter");
        this.reports = Objects.requireNonNull(reports, "reports");
    }

    /** Adds an observer named by its {@link Observer#name()}; allowed before {@link #start()} only. */
    public ObserverController register(Observer observer, ObserverSettings settings) {
        return register(ObserverInfo.of(observer), observer, settings);
    }

    /** Adds an observer under a name of its own; names are unique within a controller. */
    public synchronized ObserverController register(ObserverInfo info, Observer observer, ObserverSettings settings) {
        if (running) throw new IllegalStateException("register observers before start()");
        Objects.requireNonNull(info, "info");
        for (Entry e : entries)
            if (e.name().equals(info.name()))
                throw new IllegalArgumentException("an observer named '" + info.name() + "' is already registered");
        String id = hostname + "/" + reports.agent() + "/" + info.name();
        entries.add(new Entry(info, Objects.requireNonNull(observer), Objects.requireNonNull(settings), id));
        return this;
    }

    /** How long to wait before the first retry of a failed start, and at most between two; doubles in between. */
    public synchronized ObserverController startRetry(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0)
            throw new IllegalArgumentException("need 0 < first <= max, got " + first + ", " + max);
        this.firstRetry = first;
        this.maxRetry = max;
        return this;
    }

    /** The registered observers, in order. */
    public synchronized List<Observer> observers() {
        return entries.stream().map(e -> e.observer).toList();
    }

    /** What each observer's status report would say now, in registration order. */
    public synchronized List<ObserverEvent> status() {
        return entries.stream().map(e -> report(e, now())).toList();
    }

    /**
     * Starts every observer (one that fails is retried in the background, see the class comment),
     * schedules the polls of those started and the status reports.
     */
    public synchronized void start() {
        if (running) return;
        scheduler = Executors.newScheduledThreadPool(entries.size() + 1, r -> {
            Thread t = new Thread(r, "mida-observer");
            t.setDaemon(true);
            return t;
        });
        startedAt = now();
        running = true;
        for (Entry e : entries) tryStart(e);
        if (reports.enabled()) {
            long every = reports.interval().toNanos();
            reporting = scheduler.scheduleAtFixedRate(this::reportAll, every, every, TimeUnit.NANOSECONDS);
        }
    }

    private void tryStart(Entry e) {
        synchronized (e) {
            if (!running || e.started) return;
            if (!e.tried) send(e); // "starting": visible even while a slow start (a database connect) goes on
            e.tried = true;
            try {
                e.observer.start(emitter);
            } catch (Exception | LinkageError x) {
                e.attempts++;
                long factor = 1L << Math.min(e.attempts - 1, 20);
                Duration delay = firstRetry.multipliedBy(factor);
                if (delay.compareTo(maxRetry) > 0) delay = maxRetry;
                e.state = "retrying";
                e.lastError = describe(x);
                e.lastErrorAt = now();
                LOG.warn(
                        "Observer {} failed to start (attempt {}): {}; retrying in {} s; the other observers run on",
                        e.name(),
                        e.attempts,
                        e.lastError,
                        delay.toMillis() / 1000.0);
                e.retry = scheduler.schedule(() -> tryStart(e), delay.toNanos(), TimeUnit.NANOSECONDS);
                send(e);
                return;
            }
            e.started = true;
            e.state = "running";
            if (e.attempts > 0)
                LOG.info("Observer {} started after {} failed attempt(s) ({})", e.name(), e.attempts, e.settings);
            else LOG.info("Observer {} started ({})", e.name(), e.settings);
            send(e); // "running" before the first poll can report otherwise
            if (e.settings.polled()) {
                long every = e.settings.pollInterval().toNanos();
                e.poll = scheduler.scheduleWithFixedDelay(() -> poll(e), 0, every, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void poll(Entry e) {
        try {
            e.observer.observe();
            e.lastPollAt = now();
            if (e.pollFailing) {
                e.pollFailing = false;
                e.state = "running";
                LOG.info("Observer {} polls again", e.name());
                send(e);
            }
        } catch (Exception | Error x) {
            String error = describe(x);
            boolean repeated = e.pollFailing && error.equals(e.lastError);
            e.lastError = error;
            e.lastErrorAt = now();
            if (x instanceof Error) LOG.error("Observer {} poll failed", e.name(), x);
            else if (repeated) LOG.debug("Observer {} poll failed again: {}", e.name(), error);
            else LOG.warn("Observer {} poll failed (retried every {}): {}", e.name(), e.settings.pollInterval(), error);
            if (!e.pollFailing && running) {
                e.pollFailing = true;
                e.state = "retrying";
                send(e);
            }
            e.pollFailing = true;
        }
    }

    /** Stops polling, finishes polls in progress, polls once more, closes the observers, flushes, reports. */
    public synchronized void stop() {
        if (!running) return;
        running = false;
        if (reporting != null) reporting.cancel(false);
        for (Entry e : entries) {
            synchronized (e) {
                if (e.poll != null) e.poll.cancel(false);
                if (e.retry != null) e.retry.cancel(false);
            }
        }
        scheduler.shutdown();
        long waitMs = entries.stream()
                .mapToLong(e -> e.settings.stopTimeout().toMillis())
                .max()
                .orElse(0);
        try {
            if (!scheduler.awaitTermination(waitMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("Observer polls still running after {} ms; interrupting them", waitMs);
                scheduler.shutdownNow();
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            scheduler.shutdownNow();
        }
        for (Entry e : entries) if (e.started && e.settings.polled()) poll(e);
        for (Entry e : entries) {
            if (!e.tried) continue;
            try {
                e.observer.close();
            } catch (RuntimeException x) {
                LOG.warn("Observer {} failed to close: {}", e.name(), x.toString());
            }
        }
        if (!emitter.flush(FLUSH_TIMEOUT)) LOG.warn("Emitter not flushed within {}", FLUSH_TIMEOUT);
        for (Entry e : entries) {
            e.state = "stopped";
            e.started = false;
            e.tried = false;
            send(e);
        }
        if (reports.enabled() && !emitter.flush(FLUSH_TIMEOUT))
            LOG.warn("Final status reports not flushed within {}", FLUSH_TIMEOUT);
    }

    @Override
    public void close() {
        stop();
    }

    // ------------------------------------------------------------------ status reports

    private void reportAll() {
        for (Entry e : entries) send(e);
    }

    private void send(Entry e) {
        if (!reports.enabled()) return;
        try {
            ObserverEvent r = report(e, now());
            reportsSent.incrementAndGet();
            emitter.emit(r);
        } catch (RuntimeException x) { // a closed emitter, or counters an observer got wrong
            reportsSent.decrementAndGet();
            LOG.warn("Status report of observer {} not sent: {}", e.name(), x.toString());
        }
    }

    private ObserverEvent report(Entry e, double at) {
        var counters = new LinkedHashMap<String, Object>();
        try {
            for (var c : e.observer.counters().entrySet())
                if (c.getValue() != null && c.getValue() >= 0) counters.put(c.getKey(), c.getValue());
        } catch (RuntimeException x) {
            LOG.debug("Observer {} counters failed", e.name(), x);
        }
        Emitter.Stats s = emitter.stats();
        long own = reportsSent.get();
        counters.put("emitted", Math.max(0, s.emitted() - own));
        counters.put("rejected", s.rejected());
        counters.put("spilled", s.spilled());
        counters.put("dropped", s.dropped());
        counters.put("flushed", s.flushed());
        counters.put("replayed", s.replayed());
        counters.put("buffered", s.buffered());
        counters.put("dead_lettered", s.deadLettered());
        counters.put("status_reports", own);
        if (e.attempts > 0) counters.put("start_failures", (long) e.attempts);
        Map<String, Object> meta = new LinkedHashMap<>(e.info.metadata());
        if (entries.size() > 1) meta.put("emitter_shared_by", entries.size());
        meta.put("redis_up", s.redisUp());
        return new ObserverEvent(
                e.observerId,
                at,
                e.name(),
                e.info.kind(),
                e.state,
                hostname,
                Versions.project(),
                ProcessHandle.current().pid(),
                reports.campaignId(),
                startedAt,
                reports.enabled() ? reports.interval().toMillis() / 1000.0 : null,
                e.lastPollAt,
                e.lastError,
                e.lastErrorAt,
                counters,
                meta,
                null);
    }

    private static String describe(Throwable x) {
        var seen = new HashSet<Throwable>();
        var sb = new StringBuilder(x.toString());
        for (Throwable c = x.getCause(); c != null && seen.add(c) && sb.length() < 500; c = c.getCause())
            if (!x.toString().contains(String.valueOf(c.getMessage())))
                sb.append("; caused by ").append(c);
        return sb.length() <= 500 ? sb.toString() : sb.substring(0, 500) + "…";
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}

package org.mida.observers.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.mida.observers.controller.ObserverController;
import org.mida.observers.controller.ObserverInfo;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the observers of an {@link AgentConfig}: each with an {@link Emitter} of its own (its own
 * spill folder and counters, so its status reports count its events alone) and an {@link
 * ObserverController} of its own (start retries, polls, status reports). {@link #stop()} stops them
 * all in parallel: last polls, offsets saved, emitters flushed (or spilled), {@code stopped} reports
 * sent. Thread-safe.
 *
 * <pre>{@code
 * try (Agent agent = Agent.start(ConfigLoader.load(Path.of("observers.yaml")))) {
 *     Thread.sleep(60_000);
 * }
 * }</pre>
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private record Running(ObserverSpec spec, Emitter emitter, ObserverController controller) {}

    private final AgentConfig config;
    private final List<Running> running = new ArrayList<>();
    private boolean stopped;

    private Agent(AgentConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Starts every observer of {@code config}; one that cannot start is retried in the background. */
    public static Agent start(AgentConfig config) {
        var agent = new Agent(config);
        agent.startAll();
        return agent;
    }

    private synchronized void startAll() {
        LOG.info(
                "MIDA observer agent '{}' ({}): {} observer(s), status every {}",
                config.agentName(),
                config.source(),
                config.observers().size(),
                config.statusInterval().isZero() ? "never" : Durations.format(config.statusInterval()));
        for (ObserverSpec spec : config.observers()) {
            EmitterConfig ec = config.emitterConfig(spec);
            Emitter emitter = Emitter.start(ec);
            Duration max = config.startRetryMax();
            Duration first = max.compareTo(ObserverController.DEFAULT_FIRST_RETRY) < 0
                    ? max
                    : ObserverController.DEFAULT_FIRST_RETRY;
            var controller = new ObserverController(emitter, config.statusReports(spec)).startRetry(first, max);
            controller.register(
                    ObserverInfo.of(spec.name(), spec.kind()).withMetadata(spec.metadata()),
                    spec.create(config.campaignOf(spec)),
                    spec.settings());
            running.add(new Running(spec, emitter, controller));
            controller.start();
        }
    }

    /** The controllers, one per observer, in the order of the settings. */
    public synchronized List<ObserverController> controllers() {
        return running.stream().map(Running::controller).toList();
    }

    /** Stops every observer (in parallel), flushes and closes the emitters; idempotent. */
    public void stop() {
        List<Running> all;
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            all = List.copyOf(running);
        }
        LOG.info("Stopping {} observer(s)", all.size());
        var threads = new ArrayList<Thread>();
        for (Running r : all) {
            Thread t = new Thread(
                    () -> {
                        try {
                            r.controller().stop();
                        } catch (RuntimeException e) {
                            LOG.warn(
                                    "Observer {} did not stop cleanly: {}",
                                    r.spec().name(),
                                    e.toString());
                        } finally {
                            r.emitter().close();
                        }
                    },
                    "mida-stop-" + r.spec().name());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Running r : all) {
            Emitter.Stats s = r.emitter().stats();
            LOG.info(
                    "Observer {} stopped: emitted {}, flushed {}, spilled {}, rejected {}, dropped {}",
                    r.spec().name(),
                    s.emitted(),
                    s.flushed(),
                    s.spilled(),
                    s.rejected(),
                    s.dropped());
        }
    }

    @Override
    public void close() {
        stop();
    }
}

package org.mida.observers.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;

/**
 * The controller with a real emitter and no Redis (a closed port): what it sends lands, in order, in
 * the spill file, which the test reads back.
 */
class ObserverControllerTest {

    @TempDir
    Path dir;

    private Emitter emitter() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return EmitterConfig.builder().redisUri("redis://127.0.0.1:" + port).stream("mida:test")
                .maxAgeMillis(10)
                .spillDir(dir)
                .retryMillis(60_000)
                .start();
    }

    private List<Event> spilled() throws Exception {
        var out = new ArrayList<Event>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList())
                for (String line : Files.readAllLines(f))
                    out.addAll(EventCodec.shared().decode(line).events());
        }
        return out;
    }

    private static List<ObserverEvent> reports(List<Event> events, String name) {
        return events.stream()
                .filter(e -> e instanceof ObserverEvent o && name.equals(o.name()))
                .map(e -> (ObserverEvent) e)
                .toList();
    }

    /** Emits one task per poll. */
    static final class Ticker implements Observer {
        final AtomicInteger polls = new AtomicInteger();
        volatile boolean closed;
        private Emitter emitter;

        public String name() {
            return "ticker:main";
        }

        public void start(Emitter emitter) {
            this.emitter = emitter;
        }

        public void observe() {
            emitter.emit(TaskEvent.builder("tick-" + polls.incrementAndGet()).build());
        }

        public Map<String, Long> counters() {
            return Map.of("polls", (long) polls.get());
        }

        public void close() {
            closed = true;
        }
    }

    /** Fails to start {@code failures} times (a database that is not there yet), then works. */
    static final class Late implements Observer {
        final AtomicInteger attempts = new AtomicInteger();
        final int failures;
        volatile boolean started, closed;

        Late(int failures) {
            this.failures = failures;
        }

        public String name() {
            return "late";
        }

        public void start(Emitter emitter) throws Exception {
            if (attempts.incrementAndGet() <= failures) throw new java.sql.SQLException("no such database: late.db");
            started = true;
        }

        public void close() {
            closed = true;
        }
    }

    @Test
    void an_observer_that_cannot_start_is_retried_and_never_stops_the_others() throws Exception {
        var ticker = new Ticker();
        var late = new Late(3);
        try (Emitter emitter = emitter()) {
            var c = new ObserverController(
                            emitter, StatusReports.every(Duration.ofMillis(100)).withAgent("test"))
                    .startRetry(Duration.ofMillis(50), Duration.ofMillis(100));
            c.register(ticker, ObserverSettings.polling(Duration.ofMillis(20)));
            c.register(ObserverInfo.of("late-db", "mlflow"), late, ObserverSettings.polling(Duration.ofMillis(20)));
            c.start(); // does not throw although "late" fails
            assertThat(c.status().get(1).state()).isEqualTo("retrying");
            assertThat(c.status().get(1).lastError()).contains("no such database: late.db");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!late.started && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(late.started).as("started after three failures").isTrue();
            assertThat(late.attempts).hasValue(4);
            Thread.sleep(250);
            assertThat(c.status().get(1).state()).isEqualTo("running");
            c.stop();
            assertThat(ticker.closed).isTrue();
            assertThat(late.closed).isTrue();
        }
        List<Event> events = spilled();
        List<ObserverEvent> lates = reports(events, "late-db");
        assertThat(lates).extracting(ObserverEvent::state).contains("retrying", "running");
        assertThat(lates.get(0).state()).isEqualTo("starting");
        assertThat(lates.get(1).state()).isEqualTo("retrying");
        assertThat(lates.get(1).lastError()).contains("SQLException: no such database: late.db");
        assertThat(lates.get(0).observerId()).endsWith("/test/late-db");
        assertThat(lates.get(0).kind()).isEqualTo("mlflow");
        assertThat(lates.get(lates.size() - 1).state()).isEqualTo("stopped");
        assertThat(((Number) lates.get(lates.size() - 1).counters().get("start_failures")).longValue())
                .isEqualTo(3);

        List<ObserverEvent> ticks = reports(events, "ticker:main");
        assertThat(ticks.get(0).kind()).isEqualTo("ticker");
        ObserverEvent last = ticks.get(ticks.size() - 1);
        assertThat(last.state()).isEqualTo("stopped");
        assertThat(last.interval()).isEqualTo(0.1);
        assertThat(last.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(last.lastPollAt()).isNotNull();
        assertThat(last.customMetadata()).containsEntry("emitter_shared_by", 2);
        long taskCount = events.stream().filter(e -> e instanceof TaskEvent).count();
        assertThat(taskCount).isEqualTo(ticker.polls.get());
        assertThat(((Number) last.counters().get("polls")).longValue()).isEqualTo(ticker.polls.get());
        assertThat(((Number) last.counters().get("emitted")).longValue())
                .as("emitted leaves out the status reports")
                .isEqualTo(taskCount);
        // the stopped reports come after every task: the last poll ran before them
        int lastTask = -1, firstStopped = Integer.MAX_VALUE;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof TaskEvent) lastTask = i;
            if (events.get(i) instanceof ObserverEvent o && "stopped".equals(o.state()))
                firstStopped = Math.min(firstStopped, i);
        }
        assertThat(lastTask).isLessThan(firstStopped);
    }

    @Test
    void a_failing_poll_is_reported_as_retrying_with_its_error_then_running_again() throws Exception {
        var fails = new AtomicInteger(2);
        var flaky = new Observer() {
            public String name() {
                return "flaky";
            }

            public void start(Emitter e) {}

            public void observe() throws Exception {
                if (fails.getAndDecrement() > 0) throw new IllegalStateException("database is locked");
            }

            public void close() {}
        };
        try (Emitter emitter = emitter();
                var c = new ObserverController(emitter, StatusReports.every(Duration.ofSeconds(60)))) {
            c.register(flaky, ObserverSettings.polling(Duration.ofMillis(20)));
            c.start();
            Thread.sleep(300);
        }
        List<String> states =
                reports(spilled(), "flaky").stream().map(ObserverEvent::state).toList();
        assertThat(states).containsExactly("starting", "running", "retrying", "running", "stopped");
        ObserverEvent retrying = reports(spilled(), "flaky").get(2);
        assertThat(retrying.lastError()).contains("database is locked");
        assertThat(retrying.lastErrorAt()).isNotNull();
    }

    @Test
    void no_reports_when_they_are_off() throws Exception {
        var ticker = new Ticker();
        try (Emitter emitter = emitter();
                var c = new ObserverController(emitter, StatusReports.off())) {
            c.register(ticker, ObserverSettings.polling(Duration.ofMillis(20)));
            c.start();
            Thread.sleep(100);
        }
        assertThat(spilled()).isNotEmpty().allMatch(e -> e instanceof TaskEvent);
    }
}

package org.mida.observers.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.TaskScope;
import org.mida.observers.sdk.WorkflowContext;

/**
 * What the executor wrapper and the SDK send for short and long tasks, read back from the emitter's
 * spill file (Redis is a closed port here; the spill file holds exactly what Redis would have got).
 */
class ObservedExecutorServiceTest {

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private Emitter emitter(long lingerMillis) throws Exception {
        return emitter(lingerMillis, true, dir);
    }

    private Emitter emitter(long lingerMillis, boolean compactTelemetry, Path spillDir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return EmitterConfig.builder().redisUri("redis://127.0.0.1:" + port).stream("mida:test")
                .spillDir(spillDir)
                .retryMillis(60_000)
                .lingerMillis(lingerMillis)
                .compactTelemetry(compactTelemetry)
                .start();
    }

    private List<TaskEvent> sentTaskEvents() throws Exception {
        var out = new ArrayList<TaskEvent>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList())
                for (String line : Files.readAllLines(f))
                    EventCodec.shared().decode(line).events().stream()
                            .filter(e -> e instanceof TaskEvent)
                            .forEach(e -> out.add((TaskEvent) e));
        }
        return out;
    }

    @Test
    void a_task_classs_activity_is_worked_out_once_per_class() {
        Runnable a = () -> {};
        Runnable b = () -> {};
        String first = ObservedExecutorService.activityOf(a);
        assertThat(first).isEqualTo("ObservedExecutorServiceTest.lambda");
        assertThat(ObservedExecutorService.activityOf(a)).isSameAs(first); // not a new string per task
        assertThat(ObservedExecutorService.activityOf(b)).isEqualTo(first);
        assertThat(ObservedExecutorService.activityOf(new Thread())).isEqualTo("Thread");
    }

    @Test
    void a_task_that_ends_within_the_linger_is_one_final_event_with_what_running_said() throws Exception {
        Emitter emitter = emitter(60_000);
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf").start()) {
            var observed = ObservedExecutorService.wrap(pool, wf);
            assertThat(observed.supply("inc", Map.of("x", 1), () -> 2).get()).isEqualTo(2);
        }
        emitter.close();

        List<TaskEvent> events = sentTaskEvents();
        assertThat(events).hasSize(1);
        TaskEvent e = events.get(0);
        assertThat(e.status()).isEqualTo(Status.FINISHED);
        assertThat(e.activityId()).isEqualTo("inc");
        assertThat(e.submittedAt()).isNotNull();
        assertThat(e.startedAt()).isNotNull();
        assertThat(e.endedAt()).isGreaterThanOrEqualTo(e.startedAt());
        assertThat(e.used()).containsEntry("x", 1);
        assertThat(e.generated()).containsEntry("result", 2);
        assertThat(e.telemetryAtStart()).isNotEmpty();
        assertThat(e.telemetryAtEnd()).isNotEmpty();
        assertThat(emitter.stats().coalesced()).isEqualTo(1);
    }

    @Test
    void a_task_still_running_after_the_linger_is_seen_running_then_finished() throws Exception {
        Emitter emitter = emitter(1);
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf").start()) {
            var observed = ObservedExecutorService.wrap(pool, wf);
            long before = emitter.stats().emitted();
            observed.supply("wait", Map.of(), () -> {
                        // runs until its RUNNING event has left the linger for the buffer
                        while (emitter.stats().emitted() == before) Thread.onSpinWait();
                        return 1;
                    })
                    .get();
        }
        emitter.close();

        List<TaskEvent> events = sentTaskEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(Status.RUNNING, Status.FINISHED);
        assertThat(events.get(0).telemetryAtStart()).isNotEmpty();
        TaskEvent merged = events.get(0).merge(events.get(1));
        assertThat(merged.status()).isEqualTo(Status.FINISHED);
        assertThat(merged.startedAt()).isEqualTo(events.get(0).startedAt());
        assertThat(emitter.stats().coalesced()).isZero();
    }

    /** A task whose {@code used} map it changes while it runs. */
    static final class Mutating implements java.util.concurrent.Callable<Integer>, ProvenanceAware {
        final Map<String, Object> used = new java.util.concurrent.ConcurrentHashMap<>(Map.of("phase", "start"));
        final Emitter emitter;
        final long before;

        Mutating(Emitter emitter) {
            this.emitter = emitter;
            this.before = emitter.stats().emitted();
        }

        @Override
        public Map<String, Object> used() {
            return used;
        }

        @Override
        public Integer call() {
            // runs until its RUNNING event has been built and has joined the buffer
            while (emitter.stats().emitted() == before) Thread.onSpinWait();
            used.put("phase", "changed while running");
            return 7;
        }
    }

    @Test
    void the_running_event_of_a_long_task_is_built_late_but_says_what_the_task_had_at_its_start() throws Exception {
        Emitter emitter = emitter(1);
        String parent;
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf").start()) {
            var observed = ObservedExecutorService.wrap(pool, wf);
            TaskFuture<Integer> a = observed.supply("first", Map.of("x", 1), () -> 1);
            a.get();
            long before = emitter.stats().emitted();
            TaskFuture<Integer> b = observed.thenApply(a, "second", v -> {
                while (emitter.stats().emitted() == before) Thread.onSpinWait();
                return v + 1;
            });
            assertThat(b.get()).isEqualTo(2);
            parent = b.taskId();
            Mutating m = new Mutating(emitter);
            assertThat(observed.submit(m).get()).isEqualTo(7);
        }
        emitter.close();

        List<TaskEvent> events = sentTaskEvents();
        TaskEvent running = events.stream()
                .filter(e -> e.taskId().equals(parent) && e.status() == Status.RUNNING)
                .findFirst()
                .orElseThrow();
        assertThat(running.activityId()).isEqualTo("second");
        assertThat(running.used()).containsEntry("input", 1);
        assertThat(running.dependencies()).hasSize(1);
        assertThat(running.workflowId()).isEqualTo("wf");
        assertThat(running.submittedAt()).isNotNull();
        assertThat(running.startedAt()).isGreaterThanOrEqualTo(running.submittedAt());
        assertThat(running.telemetryAtStart()).isNotEmpty();
        assertThat(running.endedAt()).isNull();
        List<TaskEvent> mutating =
                events.stream().filter(e -> "Mutating".equals(e.activityId())).toList();
        assertThat(mutating).extracting(TaskEvent::status).containsExactly(Status.RUNNING, Status.FINISHED);
        assertThat(mutating).allSatisfy(e -> assertThat(e.used()).containsEntry("phase", "start"));
    }

    /**
     * Issue 15 (obs18): the executor's final event is made without the builder; it says what the builder
     * made it say: every field of the workflow (ids, host, user, adapter), the task's parent,
     * dependencies, used, generated, times and telemetry, sent and read back.
     */
    @Test
    void a_finished_event_made_without_the_builder_has_every_field_the_builder_gave_it() throws Exception {
        Emitter emitter = emitter(60_000);
        String parent;
        WorkflowContext wf =
                Mida.workflow(emitter).workflowId("wf-lean").campaignId("camp").start();
        try (wf) {
            var observed = ObservedExecutorService.wrap(pool, wf);
            try (TaskScope t = wf.task("outer").start()) {
                parent = t.taskId();
                TaskFuture<Integer> a = observed.supply("inc", Map.of("x", 1), () -> 2);
                assertThat(observed.thenApply(a, "double", v -> 2 * v).get()).isEqualTo(4);
            }
        }
        emitter.close();

        List<TaskEvent> events = sentTaskEvents();
        TaskEvent dbl = events.stream()
                .filter(e -> "double".equals(e.activityId()))
                .findFirst()
                .orElseThrow();
        TaskEvent inc = events.stream()
                .filter(e -> "inc".equals(e.activityId()))
                .findFirst()
                .orElseThrow();
        for (TaskEvent e : List.of(inc, dbl)) {
            TaskEvent expected = wf.taskEvent(e.taskId())
                    .activityId(e.activityId())
                    .status(Status.FINISHED)
                    .submittedAt(e.submittedAt())
                    .startedAt(e.startedAt())
                    .endedAt(e.endedAt())
                    .parentTaskId(e == inc ? parent : e.parentTaskId()) // double: submitted wherever a ended
                    .dependencies(e == dbl ? List.of(inc.taskId()) : List.of())
                    .used(e == inc ? Map.of("x", 1) : Map.of("input", 2))
                    .generated(Map.of("result", e == inc ? 2 : 4))
                    .telemetryAtStart(e.telemetryAtStart())
                    .telemetryAtEnd(e.telemetryAtEnd())
                    .build();
            assertThat(e).isEqualTo(expected);
            assertThat(e.workflowId()).isEqualTo("wf-lean");
            assertThat(e.campaignId()).isEqualTo("camp");
            assertThat(e.adapterId()).isEqualTo(WorkflowContext.ADAPTER_ID);
            assertThat(e.hostname()).isNotBlank();
            assertThat(e.telemetryAtStart()).isNotEmpty();
            assertThat(e.telemetryAtEnd()).isNotEmpty();
        }
    }

    @Test
    void a_short_sdk_task_is_one_event_too() throws Exception {
        Emitter emitter = emitter(60_000);
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf").start()) {
            try (TaskScope t = wf.task("train").used("lr", 0.01).start()) {
                t.generated("loss", 0.5);
            }
        }
        emitter.close();

        List<TaskEvent> events = sentTaskEvents();
        assertThat(events).hasSize(1);
        TaskEvent e = events.get(0);
        assertThat(e.status()).isEqualTo(Status.FINISHED);
        assertThat(e.submittedAt()).isEqualTo(e.startedAt());
        assertThat(e.used()).containsEntry("lr", 0.01);
        assertThat(e.generated()).containsEntry("loss", 0.5);
        assertThat(e.telemetryAtStart()).isNotEmpty();
    }

    /** The spill files' text: what Redis would have got. */
    private static String sentText(Path spillDir) throws Exception {
        var b = new StringBuilder();
        try (var files = Files.list(spillDir)) {
            for (Path f : files.toList()) b.append(Files.readString(f));
        }
        return b.toString();
    }

    @Test
    void a_short_task_sends_its_end_telemetry_as_the_start_snapshot_in_fewer_bytes() throws Exception {
        Path full = Files.createDirectories(dir.resolve("full")),
                compact = Files.createDirectories(dir.resolve("compact"));
        for (boolean on : new boolean[] {false, true}) {
            Emitter emitter = emitter(60_000, on, on ? compact : full);
            try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf").start()) {
                var observed = ObservedExecutorService.wrap(pool, wf);
                for (int i = 0; i < 20; i++)
                    observed.supply("inc", Map.of("x", i), () -> 2).get();
            }
            emitter.close();
        }
        String compactText = sentText(compact), fullText = sentText(full);
        assertThat(fullText).doesNotContain("=telemetry_at_start");
        // 20 tasks of microseconds within a 1 s sampling period: (nearly) all end with the start's snapshot
        int n = compactText.split("\"telemetry_at_end\":\"=telemetry_at_start\"", -1).length - 1;
        assertThat(n).isGreaterThanOrEqualTo(10);
        List<TaskEvent> events = new ArrayList<>();
        for (String line : compactText.split("\n")) {
            var d = EventCodec.shared().decode(line);
            assertThat(d.rejections()).isEmpty();
            d.events().stream().filter(e -> e instanceof TaskEvent).forEach(e -> events.add((TaskEvent) e));
        }
        assertThat(events).hasSize(20).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(Status.FINISHED);
            assertThat(e.telemetryAtStart()).isNotEmpty();
            assertThat(e.telemetryAtEnd()).isNotEmpty();
        });
        assertThat(events.stream()
                        .filter(e -> e.telemetryAtEnd().equals(e.telemetryAtStart()))
                        .count())
                .isGreaterThanOrEqualTo(n);
        // each compact event leaves out one telemetry snapshot's text
        assertThat((double) compactText.length()).isLessThan(0.9 * fullText.length());
    }
}

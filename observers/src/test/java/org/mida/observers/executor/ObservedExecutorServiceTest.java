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
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return EmitterConfig.builder().redisUri("redis://127.0.0.1:" + port).stream("mida:test")
                .spillDir(dir)
                .retryMillis(60_000)
                .lingerMillis(lingerMillis)
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
}

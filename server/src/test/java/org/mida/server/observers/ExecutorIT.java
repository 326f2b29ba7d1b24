package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mida.server.testing.TestServer.seconds;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.executor.ObservedExecutorService;
import org.mida.observers.executor.ObservedExecutorService.EventMode;
import org.mida.observers.executor.TaskFuture;
import org.mida.observers.executor.Tracked;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.WorkflowContext;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class ExecutorIT {

    @TempDir
    Path spill;

    private TestServer server;
    private Emitter emitter;
    private ExecutorService pool;

    @BeforeEach
    void start() {
        server = TestServer.start();
        emitter = EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                .spillDir(spill)
                .maxAgeMillis(20)
                .start();
        pool = Executors.newFixedThreadPool(16);
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
        if (emitter != null) emitter.close();
        if (server != null) server.close();
    }

    @Test
    void every_submitted_task_becomes_a_finished_task_with_times_and_lineage() throws Exception {
        int n = 300;
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf-exec").start()) {
            ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf);
            var futures = new ArrayList<Future<?>>();
            for (int i = 0; i < n; i++) {
                int k = i;
                if (i % 3 == 0)
                    futures.add(observed.submit(() -> {
                        Thread.sleep(1);
                        return k;
                    }));
                else if (i % 3 == 1) futures.add(observed.submit(() -> {}));
                else
                    futures.add(observed.submit(Tracked.task(
                            "scale",
                            Map.of("x", k, "in", Mida.entity("file:///in/" + k, "file")),
                            () -> k * 2,
                            r -> Map.of("out", Mida.entity("file:///out/" + r, "file")))));
            }
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);

            TaskFuture<Integer> a = observed.supply("load", Map.of("n", 3), () -> 3);
            TaskFuture<Integer> b = observed.thenApply(a, "double", x -> 2 * x);
            TaskFuture<Integer> c = observed.thenCombine(a, b, "sum", Integer::sum);
            assertThat(c.get(30, TimeUnit.SECONDS)).isEqualTo(9);

            Future<Object> bad = observed.submit(Tracked.task("fail", Map.of(), () -> {
                throw new IllegalArgumentException("no such sample");
            }));
            assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

            assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
            server.awaitIngested(seconds(60));

            assertThat(server.count("MATCH (t:Task)-[:PART_OF]->(:Workflow {workflow_id:'wf-exec'}) RETURN count(t)"))
                    .isEqualTo(n + 4);
            assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) WHERE t.duration >= 0"
                            + " AND t.submitted_at <= t.started_at AND t.started_at <= t.ended_at RETURN count(t)"))
                    .isEqualTo(n + 3);
            assertThat(server.count("MATCH (t:Task {activity_id:'scale'})-[:USED]->(:Entity) RETURN count(t)"))
                    .isEqualTo(n / 3);
            assertThat(server.count(
                            "MATCH (:Entity)-[:WAS_GENERATED_BY]->(t:Task {activity_id:'scale'}) RETURN count(t)"))
                    .isEqualTo(n / 3);
            assertThat(server.count(
                            "MATCH (t:Task {task_id:$b})-[:WAS_INFORMED_BY]->(:Task {task_id:$a}) RETURN count(t)",
                            "a",
                            a.taskId(),
                            "b",
                            b.taskId()))
                    .isEqualTo(1);
            assertThat(server.count(
                            "MATCH (t:Task {task_id:$c})-[:WAS_INFORMED_BY]->(u:Task) WHERE u.task_id IN [$a, $b]"
                                    + " RETURN count(u)",
                            "a",
                            a.taskId(),
                            "b",
                            b.taskId(),
                            "c",
                            c.taskId()))
                    .isEqualTo(2);
            assertThat(server.count(
                            "MATCH (t:Task {task_id:$c, `used.input_1`: 3, `used.input_2`: 6, `generated.result`: 9})"
                                    + " RETURN count(t)",
                            "c",
                            c.taskId()))
                    .isEqualTo(1);
            String failId = server.query("MATCH (t:Task {activity_id:'fail', status:'ERROR'}) RETURN t.task_id AS id")
                    .get(0)
                    .get("id")
                    .asString();
            assertThat(server.get("/api/tasks/" + failId).body()).contains("IllegalArgumentException: no such sample");
        }
    }

    @Test
    void every_event_mode_gives_the_same_final_tasks() throws Exception {
        try (WorkflowContext wf = Mida.workflow(emitter).workflowId("wf-modes").start()) {
            List<Future<?>> fs = new ArrayList<>();
            for (EventMode mode : EventMode.values()) {
                ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf, mode);
                for (int i = 0; i < 20; i++)
                    fs.add(observed.submit(Tracked.runnable(mode.name(), Map.of("i", i), () -> {})));
            }
            for (Future<?> f : fs) f.get(30, TimeUnit.SECONDS);
        }
        assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
        server.awaitIngested(seconds(60));
        for (EventMode mode : EventMode.values())
            assertThat(server.count(
                            "MATCH (t:Task {activity_id:$m, status:'FINISHED'}) WHERE t.submitted_at IS NOT NULL"
                                    + " AND t.started_at IS NOT NULL AND t.ended_at IS NOT NULL RETURN count(t)",
                            "m",
                            mode.name()))
                    .as(mode.name())
                    .isEqualTo(20);
    }
}

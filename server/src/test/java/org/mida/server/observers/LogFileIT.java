package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.controller.ObserverController;
import org.mida.observers.controller.ObserverSettings;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.logfile.LineMapper;
import org.mida.observers.logfile.LogFileObserver;
import org.mida.observers.logfile.LogFileSettings;
import org.mida.observers.logfile.RegexLineMapper;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

@ExtendWith(Backends.class)
class LogFileIT {

    @TempDir
    Path dir;

    private static void append(Path p, String s) throws Exception {
        Files.writeString(p, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String jsonTask(int i) {
        return "{\"type\":\"task\",\"task_id\":\"log-" + i + "\",\"workflow_id\":\"wf-log\",\"status\":\"FINISHED\","
                + "\"started_at\":1700000000,\"ended_at\":1700000001}\n";
    }

    private Emitter emitter(TestServer server) {
        return EmitterConfig.builder().redisUri(Backends.redisUri()).stream(server.stream())
                .spillDir(dir.resolve("spill"))
                .maxAgeMillis(20)
                .start();
    }

    @Test
    void json_lines_survive_rotation_and_restart_with_the_exact_task_count() throws Exception {
        Path log = dir.resolve("sim.log");
        Path state = dir.resolve("sim.state");
        int i = 0;
        long linesRead = 0;
        try (TestServer server = TestServer.start();
                Emitter emitter = emitter(server)) {
            var observer = new LogFileObserver(log, LineMapper.jsonLines(), state);
            var controller =
                    new ObserverController(emitter).register(observer, ObserverSettings.polling(Duration.ofMillis(20)));
            controller.start();
            for (; i < 50; i++) append(log, jsonTask(i));
            append(log, "INFO not an event\n");
            // each file change waits until the observer has read the lines before it (a poll every 20 ms;
            // a fixed sleep lost the race on a loaded machine)
            TestServer.await(seconds(30), "51 lines read", () -> observer.counts()[0] >= 51);
            Files.move(log, dir.resolve("sim.log.1")); // rename + recreate
            for (; i < 100; i++) append(log, jsonTask(i));
            TestServer.await(seconds(30), "101 lines read", () -> observer.counts()[0] >= 101);
            Files.copy(log, dir.resolve("sim.log.2"));
            Files.writeString(log, ""); // copytruncate
            for (; i < 150; i++) append(log, jsonTask(i));
            controller.stop(); // last poll, save the offset, flush
            linesRead += observer.counts()[0];

            for (; i < 200; i++) append(log, jsonTask(i)); // written while nobody watches
            var observer2 = new LogFileObserver(log, LineMapper.jsonLines(), state);
            var controller2 = new ObserverController(emitter)
                    .register(observer2, ObserverSettings.polling(Duration.ofMillis(20)));
            controller2.start();
            for (; i < 250; i++) append(log, jsonTask(i));
            TestServer.await(seconds(30), "the new lines read", () -> observer2.counts()[0] >= 100);
            controller2.stop();
            linesRead += observer2.counts()[0];
            assertThat(observer2.counts()[1])
                    .as("the restarted observer re-read nothing")
                    .isEqualTo(100);

            server.awaitIngested(seconds(30));
            assertThat(server.count("MATCH (t:Task {workflow_id:'wf-log', status:'FINISHED'}) RETURN count(t)"))
                    .isEqualTo(250);
        }
        assertThat(linesRead).isEqualTo(251);
    }

    @Test
    void regex_lines_become_running_then_finished_tasks() throws Exception {
        Path log = dir.resolve("app.log");
        var mapper = new RegexLineMapper(
                Pattern.compile("^(?<timestamp>\\S+) (?<status>\\w+) task=(?<taskId>\\S+)(?: in=(?<usedIn>\\S+))?"
                        + "(?: out=(?<genOut>\\S+))?"),
                "wf-regex",
                null,
                "logfile");
        try (TestServer server = TestServer.start();
                Emitter emitter = emitter(server);
                var controller = new ObserverController(emitter)) {
            controller.register(
                    new LogFileObserver(log, mapper, dir.resolve("app.state")),
                    ObserverSettings.polling(Duration.ofMillis(20)));
            controller.start();
            for (int i = 0; i < 20; i++) append(log, "1700000000." + i + " START task=r" + i + " in=" + i + "\n");
            for (int i = 0; i < 20; i++) append(log, "1700000010." + i + " DONE task=r" + i + " out=" + i * 2 + "\n");
            controller.stop();
            server.awaitIngested(seconds(30));
            assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) WHERE t.workflow_id STARTS WITH 'wf-regex@'"
                            + " AND t.duration > 9.9 AND t.`used.in` >= 0 AND t.`generated.out` >= 0 RETURN count(t)"))
                    .isEqualTo(20);
        }
    }

    /** The log of {@code python/microscope_log.py}: START and DONE lines, the image as a generated entity. */
    static final Pattern MICROSCOPE = Pattern.compile(
            "^(?<timestamp>\\S+ \\S+) INFO (?<status>START|DONE) image=(?<taskId>\\d+) exposure_ms=(?<usedExposureMs>\\S+)"
                    + " stage_x=(?<usedStageX>\\S+)(?: file=(?<image>\\S+))?$");

    /**
     * A real Python script that only logs (the paper's Workflow 1), run three times on the same log
     * path — the second run rewrites it, the third deletes and recreates it — while the observer
     * tails it: three workflows named {@code microscope} side by side, none rewriting another's
     * tasks, each image a {@code file://} entity of type {@code image}, broken records in the dead
     * letters.
     */
    @Test
    void a_python_logging_script_run_three_times_gives_three_workflow_runs_with_image_entities() throws Exception {
        Path python = PythonPeers.require("logging");
        Path script = PythonPeers.script("microscope_log.py", dir);
        Path log = dir.resolve("microscope.log");
        int n = 15;
        var mapper = RegexLineMapper.builder(MICROSCOPE)
                .snakeCase(true)
                .generatedEntity("image", "image")
                .recordMarker(Pattern.compile(" image="))
                .build();
        var settings = LogFileSettings.of(log).withWorkflowName("microscope").withCampaignId("scope-camp");
        try (TestServer server = TestServer.start();
                Emitter emitter = emitter(server)) {
            var observer = new LogFileObserver(settings, mapper);
            var controller =
                    new ObserverController(emitter).register(observer, ObserverSettings.polling(Duration.ofMillis(20)));
            controller.start();
            var runs = new java.util.ArrayList<String>();
            long linesPerRun = 2L * n + 2;
            for (int run = 1; run <= 3; run++) {
                var args = new java.util.ArrayList<>(
                        List.of(script.toString(), log.toString(), "run-" + run, String.valueOf(n)));
                if (run == 3) args.add("--fresh");
                PythonPeers.runOk(python, args, dir, Map.of(), 60);
                long want = linesPerRun * (run == 1 ? 1 : run - 1); // the second observer reads runs 2 and 3
                var watching = observer;
                TestServer.await(seconds(20), "run " + run + " read", () -> watching.counts()[0] >= want);
                runs.add(observer.runId());
                if (run == 1) { // a restarted observer finds the same run again and re-reads nothing
                    controller.stop();
                    observer = new LogFileObserver(settings, mapper);
                    controller = new ObserverController(emitter)
                            .register(observer, ObserverSettings.polling(Duration.ofMillis(20)));
                    controller.start();
                    var o = observer;
                    TestServer.await(seconds(10), "resumed", () -> o.counters().get("polls") > 1);
                    assertThat(observer.runId()).isEqualTo(runs.get(0));
                    assertThat(observer.counts()[0]).isZero();
                }
            }
            controller.stop();
            assertThat(runs).doesNotHaveDuplicates().hasSize(3);
            assertThat(observer.counters()).containsEntry("rejected", 2L).containsEntry("runs", 2L);
            assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
            server.awaitIngested(seconds(30));

            var perRun = server.query(
                    "MATCH (w:Workflow {name:'microscope'})-[:PART_OF]->(:Campaign {campaign_id:'scope-camp'})"
                            + " OPTIONAL MATCH (t:Task {status:'FINISHED'})-[:PART_OF]->(w)"
                            + " RETURN w.workflow_id AS w, count(t) AS n ORDER BY w");
            assertThat(perRun).hasSize(3);
            assertThat(perRun).allSatisfy(r -> assertThat(r.get("n").asLong()).isEqualTo(n));
            String abs = log.toAbsolutePath().normalize().toString();
            assertThat(perRun).allSatisfy(r -> assertThat(r.get("w").asString()).startsWith("logfile:" + abs + "@"));
            assertThat(server.count(
                            "MATCH (t:Task) WHERE t.workflow_id STARTS WITH $p RETURN count(t)", "p", "logfile:" + abs))
                    .isEqualTo(3L * n);
            // each run's image i is one entity, generated by that run's task i, with its exposure
            for (int run = 1; run <= 3; run++) {
                String image =
                        dir.resolve("run-" + run).resolve("img_003.png").toUri().toString();
                assertThat(server.count(
                                "MATCH (e:Entity {id:$e, type:'image'})-[:WAS_GENERATED_BY]->(t:Task {status:'FINISHED'})"
                                        + " WHERE t.`used.exposure_ms` = 13.0 AND t.`used.stage_x` = 1.5"
                                        + " AND t.task_id ENDS WITH '/3' RETURN count(t)",
                                "e",
                                image))
                        .as(image)
                        .isEqualTo(1);
            }
            String image = dir.resolve("run-2").resolve("img_007.png").toUri().toString();
            JsonNode lineage = server.get("/api/lineage?direction=upstream&depth=2&id="
                            + URLEncoder.encode(image, StandardCharsets.UTF_8))
                    .json();
            assertThat(lineage.toString()).contains(image).contains("/7");
            // the broken record of each run: a dead letter with its line
            try (var jedis = new redis.clients.jedis.Jedis(java.net.URI.create(Backends.redisUri()))) {
                var letters = jedis.xrange(server.stream() + ":dead", (redis.clients.jedis.StreamEntryID) null, null);
                assertThat(letters).hasSize(3);
                assertThat(letters).allSatisfy(l -> {
                    assertThat(l.getFields().get("reason")).contains("looks like a record");
                    assertThat(l.getFields().get("source_id")).startsWith(log.toUri() + "#L");
                    assertThat(l.getFields().get("event")).endsWith("DONE image=" + n);
                });
            }
        }
    }
}

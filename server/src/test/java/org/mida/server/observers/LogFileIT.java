package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
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
            Thread.sleep(100);
            Files.move(log, dir.resolve("sim.log.1")); // rename + recreate
            for (; i < 100; i++) append(log, jsonTask(i));
            Thread.sleep(100);
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
            Thread.sleep(100);
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
            assertThat(
                            server.count(
                                    "MATCH (t:Task {workflow_id:'wf-regex', status:'FINISHED'})"
                                            + " WHERE t.duration > 9.9 AND t.`used.in` >= 0 AND t.`generated.out` >= 0 RETURN count(t)"))
                    .isEqualTo(20);
        }
    }
}

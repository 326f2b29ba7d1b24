package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.TaskEvent;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The observer agent as a user runs it: {@code java -jar observers/target/mida-observer.jar}, a
 * separate process, against the real (embedded) Redis. The agent writes to a stream of its own
 * that no server consumes, so the test reads every raw entry (tasks and status reports) with
 * Jedis; then it hands those entries to a real server and checks the graph.
 */
@ExtendWith(Backends.class)
class AgentIT {

    private static final String PATTERN = "^(?<status>\\w+) task=(?<taskId>\\S+)(?: loss=(?<genLoss>\\S+))?";

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final String stream = "agent-it:" + UUID.randomUUID();

    @AfterEach
    void killLeftovers() {
        for (Process p : processes) if (p.isAlive()) p.destroyForcibly();
    }

    /** The agent jar: {@code -Dmida.observer.jar} (server/pom.xml's failsafe config) or the reactor path. */
    static Path jar() {
        String prop = System.getProperty("mida.observer.jar");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("../observers/target/mida-observer.jar");
        assertThat(p)
                .as("the agent jar (mvn package builds it in observers/target)")
                .exists();
        return p.toAbsolutePath();
    }

    private Process agent(String... args) throws Exception {
        return agent(Map.of(), args);
    }

    /** Starts the agent jar in {@code dir}, as a user would; {@code env} adds variables. */
    private Process agent(Map<String, String> env, String... args) throws Exception {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("agent.out").toFile());
        pb.environment().remove("MIDA_REDIS_URI");
        pb.environment().remove("MIDA_STREAM");
        pb.environment().remove("MIDA_CAMPAIGN_ID");
        pb.environment().put("MIDA_SPILL_DIR", dir.resolve("spill").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String output() throws Exception {
        File f = dir.resolve("agent.out").toFile();
        return f.exists() ? Files.readString(f.toPath()) : "";
    }

    private static void append(Path p, String s) throws Exception {
        Files.writeString(p, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private List<String> entries() {
        try (var jedis = new Jedis(URI.create(Backends.redisUri()))) {
            return jedis.xrange(stream, (StreamEntryID) null, (StreamEntryID) null).stream()
                    .map(StreamEntry::getFields)
                    .map(f -> f.get("event"))
                    .toList();
        }
    }

    private List<Event> events() {
        var out = new ArrayList<Event>();
        for (String json : entries()) {
            var d = EventCodec.shared().decode(json);
            assertThat(d.rejections())
                    .as("entries the agent wrote are valid wire events")
                    .isEmpty();
            out.addAll(d.events());
        }
        return out;
    }

    private List<ObserverEvent> reports(String name) {
        return events().stream()
                .filter(e -> e instanceof ObserverEvent o && name.equals(o.name()))
                .map(e -> (ObserverEvent) e)
                .toList();
    }

    private long finished(String prefix) {
        return events().stream()
                .filter(e -> e instanceof TaskEvent t
                        // regex task ids are scoped to the log's run: <workflow>@<run>/<logged id>
                        && (t.taskId().startsWith(prefix) || t.taskId().contains("/" + prefix))
                        && "FINISHED".equals(String.valueOf(t.status())))
                .count();
    }

    @Test
    void runs_the_settings_file_keeps_going_past_an_observer_that_cannot_start_and_stops_cleanly_on_sigterm()
            throws Exception {
        Path log = dir.resolve("logs/scope.log");
        Files.createDirectories(log.getParent());
        Path config = dir.resolve("lab.yaml");
        Files.writeString(config, """
                agent: agent-it
                redis_uri: ${AGENT_IT_REDIS}
                stream: %s
                campaign: c-agent
                status_interval: 300ms
                observers:
                  - kind: logfile
                    name: microscope
                    file: logs/scope.log
                    pattern: '%s'
                    workflow_id: wf-agent
                    poll_interval: 100ms
                  - kind: mlflow
                    name: mlflow-eval
                    tracking_uri: sqlite:///not-yet/mlflow.db
                    poll_interval: 200ms
                """.formatted(stream, PATTERN));
        for (int i = 0; i < 3; i++) append(log, "START task=a" + i + "\nDONE task=a" + i + " loss=0." + i + "\n");

        // ${AGENT_IT_REDIS} in the file: environment substitution, as a user would write it
        Process p = agent(Map.of("AGENT_IT_REDIS", Backends.redisUri()), "--config", config.toString());
        TestServer.await(seconds(60), "three FINISHED tasks from the log in the stream", () -> finished("a") == 3);
        TestServer.await(
                seconds(30),
                "the MLflow observer reported as retrying",
                () -> reports("mlflow-eval").stream().anyMatch(r -> "retrying".equals(r.state())));
        assertThat(p.isAlive())
                .as("one observer failing to start does not end the agent")
                .isTrue();

        // the log-file observer keeps working while the MLflow one retries
        for (int i = 0; i < 2; i++) append(log, "START task=b" + i + "\nDONE task=b" + i + "\n");
        TestServer.await(seconds(30), "the later lines in the stream", () -> finished("b") == 2);
        TestServer.await(
                seconds(30),
                "a running report counting the log's events",
                () -> reports("microscope").stream()
                        .anyMatch(r -> "running".equals(r.state())
                                && ((Number) r.counters().get("emitted")).longValue() >= 10));

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the agent stops").isTrue();
        String out = output();
        assertThat(p.exitValue())
                .as("exit code after SIGTERM; output:%n%s", out)
                .isZero();
        assertThat(out).contains("Observer mlflow-eval failed to start (attempt 1)", "retrying in");
        assertThat(out).contains("SIGTERM received");

        List<ObserverEvent> scope = reports("microscope");
        ObserverEvent first = scope.get(0);
        assertThat(first.observerId()).endsWith("/agent-it/microscope");
        assertThat(first.kind()).isEqualTo("logfile");
        assertThat(first.campaignId()).isEqualTo("c-agent");
        assertThat(first.version()).isNotBlank().isNotEqualTo("dev");
        assertThat(first.pid()).isEqualTo(p.pid());
        assertThat(first.interval()).isEqualTo(0.3);
        assertThat(first.startedAt()).isNotNull();
        assertThat(first.counters()).containsKeys("emitted", "rejected", "spilled", "dropped");
        ObserverEvent lastScope = scope.get(scope.size() - 1);
        assertThat(lastScope.state()).isEqualTo("stopped");
        assertThat(lastScope.lastPollAt()).isNotNull();
        // 10 task events from the lines, and the workflow event that announces the log's run
        assertThat(((Number) lastScope.counters().get("emitted")).longValue()).isEqualTo(11);
        assertThat(((Number) lastScope.counters().get("dropped")).longValue()).isZero();

        List<ObserverEvent> ml = reports("mlflow-eval");
        ObserverEvent retrying = ml.stream()
                .filter(r -> "retrying".equals(r.state()))
                .findFirst()
                .orElseThrow();
        assertThat(retrying.lastError()).contains("SQLITE_CANTOPEN");
        assertThat(retrying.lastErrorAt()).isNotNull();
        assertThat(ml.get(ml.size() - 1).state()).isEqualTo("stopped");
        assertThat(ml.stream().map(ObserverEvent::observerId).distinct()).hasSize(1);

        // the offset was saved: it points at the end of the log
        Path offset = dir.resolve("logs/scope.log.mida-offset");
        assertThat(offset).exists();
        assertThat(Files.readString(offset)).contains("\"offset\":" + Files.size(log));

        // what the agent wrote is what the server takes: the tasks reach the graph, nothing is refused
        List<String> raw = entries();
        try (TestServer server = TestServer.start()) {
            for (String json : raw) server.xadd(json);
            server.awaitIngested(seconds(30));
            assertThat(server.count("MATCH (t:Task {status:'FINISHED', campaign_id:'c-agent'})"
                            + " WHERE t.workflow_id STARTS WITH 'wf-agent@' RETURN count(t)"))
                    .isEqualTo(5);
            assertThat(server.query("MATCH (t:Task) WHERE t.task_id ENDS WITH '/a2' RETURN t.`generated.loss` AS loss")
                            .get(0)
                            .get("loss")
                            .asDouble())
                    .isEqualTo(0.2);
            assertThat(server.get("/api/health").json().path("dead_letters").asLong())
                    .isZero();
        }
    }

    @Test
    void an_mlflow_store_written_by_real_mlflow_after_the_agent_started_is_picked_up_by_the_retries() throws Exception {
        Path python = PythonPeers.require("mlflow", "sqlalchemy", "alembic");
        Path script = PythonPeers.script("mlflow_runs.py", dir);
        Files.createDirectories(dir.resolve("later"));
        Path config = dir.resolve("eval.yaml");
        Files.writeString(config, """
                redis_uri: %s
                stream: %s
                status_interval: 500ms
                start_retry_max: 2s
                observers:
                  - kind: mlflow
                    name: mlflow-eval
                    tracking_uri: sqlite:///later/mlflow.db
                    poll_interval: 500ms
                """.formatted(Backends.redisUri(), stream));
        Process p = agent("--config", config.toString());
        TestServer.await(
                seconds(30),
                "the MLflow observer reported as retrying",
                () -> reports("mlflow-eval").stream().anyMatch(r -> "retrying".equals(r.state())));

        String uri = "sqlite:///" + dir.resolve("later/mlflow.db");
        PythonPeers.runOk(
                python,
                List.of(script.toString(), uri, dir.resolve("state.json").toString(), "phase1"),
                dir,
                Map.of(),
                300);
        TestServer.await(
                seconds(60),
                "MLflow's five runs in the stream",
                () -> events().stream()
                                .filter(e ->
                                        e instanceof TaskEvent t && t.taskId().startsWith("mlflow:"))
                                .map(Event::key)
                                .distinct()
                                .count()
                        == 5);
        p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = output();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Observer mlflow-eval started after");
        List<ObserverEvent> r = reports("mlflow-eval");
        assertThat(r.get(0).observerId()).endsWith("/eval/mlflow-eval"); // the agent is named after the file
        assertThat(r).extracting(ObserverEvent::state).contains("retrying", "running");
        assertThat(r.get(r.size() - 1).state()).isEqualTo("stopped");
        assertThat(((Number) r.get(r.size() - 1).counters().get("start_failures")).longValue())
                .isPositive();
    }

    @Test
    void the_quick_form_runs_one_log_file_observer_and_stops_with_exit_0() throws Exception {
        Path log = dir.resolve("run.log");
        append(log, "START task=q1\nDONE task=q1\n");
        Process p = agent(
                "logfile",
                "--file",
                log.toString(),
                "--pattern",
                PATTERN,
                "--workflow-id",
                "wf-quick",
                "--redis-uri",
                Backends.redisUri(),
                "--stream",
                stream,
                "--campaign",
                "c-quick",
                "--status-interval",
                "1s");
        TestServer.await(seconds(60), "the task in the stream", () -> finished("q1") == 1);
        p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output()).isZero();
        List<ObserverEvent> r = reports("logfile");
        assertThat(r.get(0).observerId()).endsWith("/logfile/logfile");
        assertThat(r.get(0).campaignId()).isEqualTo("c-quick");
        assertThat(r.get(r.size() - 1).state()).isEqualTo("stopped");
        TaskEvent t = (TaskEvent) events().stream()
                .filter(e -> e instanceof TaskEvent)
                .findFirst()
                .orElseThrow();
        assertThat(t.workflowId()).startsWith("wf-quick@"); // one workflow per run of the log
        assertThat(t.campaignId()).isEqualTo("c-quick");
    }

    @Test
    void a_bad_settings_file_exits_2_naming_the_key() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, """
                observers:
                  - kind: logfile
                    file: a.log
                  - kind: mlflow
                    tracking_uri: sqlite:///m.db
                    poll_interval: every now and then
                """);
        Process p = agent("--config", config.toString());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(output())
                .contains("bad.yaml: observers[1].poll_interval: expected a duration like 500ms")
                .contains("got 'every now and then'");
        assertThat(entries()).as("nothing was sent").isEmpty();
    }
}

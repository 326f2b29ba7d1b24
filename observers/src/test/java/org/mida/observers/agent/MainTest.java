package org.mida.observers.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line up to the point where observers would start (that part: AgentIT, a real process). */
class MainTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cmd = Main.commandLine();
        var out = new StringWriter();
        var err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void help_on_every_command() {
        Run top = run("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("--config", "--redis-uri", "--stream", "--campaign", "--spill-dir");
        assertThat(top.out()).contains("mlflow", "logfile", "flowcept", "Exit codes");
        assertThat(run("mlflow", "--help").out()).contains("--tracking-uri", "--poll-interval", "--redis-uri");
        assertThat(run("logfile", "--help").out()).contains("--file", "--pattern", "--state-file", "--campaign");
        assertThat(run("flowcept", "--help").out()).contains("--redis", "--channel", "AUTO, MSGPACK, JSON");
        assertThat(run("logfile", "-h").exit()).isZero();
    }

    @Test
    void version() {
        Run v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).startsWith("mida-observer ");
    }

    @Test
    void usage_and_configuration_errors_exit_2_with_a_message() throws Exception {
        Run none = run();
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("give --config FILE");

        Run unknown = run("--confg", "x.yaml");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown options: '--confg'", "Possible solutions: --config");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "observers:\n  - kind: logfile\n    file: a.log\n    poll_interval: soon\n");
        Run config = run("--config", bad.toString());
        assertThat(config.exit()).isEqualTo(2);
        assertThat(config.err()).contains(bad + ": observers[0].poll_interval: expected a duration");

        Run missing = run("mlflow");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option: '--tracking-uri=URI'");

        Run uri = run("mlflow", "--tracking-uri", "http://mlflow:5000");
        assertThat(uri.exit()).isEqualTo(2);
        assertThat(uri.err()).contains("--tracking-uri: unsupported MLflow tracking URI");

        Run poll = run("logfile", "--file", "a.log", "--poll-interval", "often");
        assertThat(poll.exit()).isEqualTo(2);
        assertThat(poll.err()).contains("--poll-interval", "expected a duration like 500ms");

        Run pattern = run("logfile", "--file", "a.log", "--pattern", "(?<status>\\w+)");
        assertThat(pattern.exit()).isEqualTo(2);
        assertThat(pattern.err()).contains("--pattern", "(?<taskId>");

        Run redis = run("--redis-uri", "localhost:6379", "flowcept");
        assertThat(redis.exit()).isEqualTo(2);
        assertThat(redis.err()).contains("--redis-uri: expected redis://");
    }
}

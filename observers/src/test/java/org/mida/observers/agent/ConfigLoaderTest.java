package org.mida.observers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.observers.flowcept.FlowceptMessages;
import org.mida.observers.logfile.LogFileObserver;
import org.mida.observers.mlflow.MlflowObserver;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static final Map<String, String> ENV = Map.of("LOGS", "/var/log/lab", "MLFLOW_PW", "s3cret", "EMPTY", "");

    private AgentConfig load(String yaml) throws Exception {
        Path f = dir.resolve("lab-7.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, ENV::get);
    }

    private void refused(String yaml, String... messageParts) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertThatThrownBy(() -> ConfigLoader.load(f, ENV::get))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void a_full_file_maps_onto_each_observers_settings() throws Exception {
        AgentConfig c = load("""
                agent: node17
                redis_uri: redis://mida:6379/0
                stream: lab:events
                campaign: c1
                spill_dir: spill
                status_interval: 30s
                start_retry_max: 5s
                observers:
                  - kind: logfile
                    name: microscope
                    file: ${LOGS}/scope.log
                    pattern: '^(?<timestamp>\\S+) (?<status>\\w+) task=(?<taskId>\\S+)'
                    workflow_id: wf-scope
                    poll_interval: 250ms
                    state_file: scope.offset
                  - kind: mlflow
                    name: mlflow-main
                    tracking_uri: sqlite:///mlflow.db
                    poll_interval: 2s
                    lookback: 1m
                    reconcile_interval: 0
                    metric_history: false
                    campaign: c2
                  - kind: mlflow
                    name: mlflow-pg
                    tracking_uri: postgresql://mlflow@db:5432/mlflow
                    password: ${MLFLOW_PW}
                  - kind: flowcept
                    redis: redis://flowcept:6379
                    channel: interception
                    format: msgpack
                    reconnect_delay: 2s
                  - kind: logfile
                    name: off
                    file: x.log
                    enabled: false
                """);
        assertThat(c.agentName()).isEqualTo("node17");
        assertThat(c.redisUri()).isEqualTo("redis://mida:6379/0");
        assertThat(c.stream()).isEqualTo("lab:events");
        assertThat(c.campaignId()).isEqualTo("c1");
        assertThat(c.spillDir()).isEqualTo(dir.toAbsolutePath().resolve("spill"));
        assertThat(c.statusInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.startRetryMax()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.observers())
                .extracting(ObserverSpec::name)
                .containsExactly("microscope", "mlflow-main", "mlflow-pg", "flowcept");

        var log = (ObserverSpec.LogFile) c.observers().get(0);
        assertThat(log.file()).isEqualTo(Path.of("/var/log/lab/scope.log"));
        assertThat(log.stateFile()).isEqualTo(dir.toAbsolutePath().resolve("scope.offset"));
        assertThat(log.pollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(log.workflowId()).isEqualTo("wf-scope");
        assertThat(log.pattern().pattern()).contains("(?<taskId>\\S+)");
        assertThat(log.create("c1")).isInstanceOf(LogFileObserver.class);

        var ml = (ObserverSpec.Mlflow) c.observers().get(1);
        assertThat(ml.mlflow().jdbcUrl())
                .isEqualTo("jdbc:sqlite:" + dir.toAbsolutePath().resolve("mlflow.db"));
        assertThat(ml.mlflow().pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ml.mlflow().lookback()).isEqualTo(Duration.ofMinutes(1));
        assertThat(ml.mlflow().reconcileInterval()).isZero();
        assertThat(ml.mlflow().metricHistory()).isFalse();
        assertThat(c.campaignOf(ml)).isEqualTo("c2");
        assertThat(((MlflowObserver) ml.create(c.campaignOf(ml))).settings().campaignId())
                .isEqualTo("c2");

        var pg = (ObserverSpec.Mlflow) c.observers().get(2);
        assertThat(pg.mlflow().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/mlflow");
        assertThat(pg.mlflow().user()).isEqualTo("mlflow");
        assertThat(pg.mlflow().password()).isEqualTo("s3cret");
        assertThat(c.campaignOf(pg)).isEqualTo("c1");

        var fc = (ObserverSpec.Flowcept) c.observers().get(3);
        assertThat(fc.flowcept().redisUri()).isEqualTo("redis://flowcept:6379");
        assertThat(fc.flowcept().format()).isEqualTo(FlowceptMessages.Format.MSGPACK);
        assertThat(fc.flowcept().reconnectDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(fc.settings().polled()).isFalse();

        // each observer gets a spill folder of its own; the status reports name the agent
        assertThat(c.emitterConfig(ml).spillDir()).isEqualTo(c.spillDir().resolve("mlflow-main"));
        assertThat(c.emitterConfig(ml).stream()).isEqualTo("lab:events");
        assertThat(c.statusReports(ml).agent()).isEqualTo("node17");
        assertThat(c.statusReports(ml).campaignId()).isEqualTo("c2");
    }

    @Test
    void defaults_the_agent_is_named_after_the_file_and_a_log_without_pattern_reads_json_lines() throws Exception {
        AgentConfig c = load("observers:\n  - kind: logfile\n    file: /tmp/a.log\n");
        assertThat(c.agentName()).isEqualTo("lab-7");
        assertThat(c.redisUri()).isNull();
        assertThat(c.stream()).isNull();
        assertThat(c.statusInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.startRetryMax()).isEqualTo(Duration.ofMinutes(1));
        var log = (ObserverSpec.LogFile) c.observers().get(0);
        assertThat(log.name()).isEqualTo("logfile");
        assertThat(log.pattern()).isNull();
        assertThat(log.pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(log.metadata()).containsEntry("format", "json");
    }

    @Test
    void environment_variables_with_and_without_defaults() throws Exception {
        AgentConfig c = load("""
                redis_uri: ${MIDA_REDIS:-redis://127.0.0.1:6390}
                campaign: ${EMPTY:-fallback}
                stream: "$${literal}"
                observers:
                  - kind: logfile
                    file: ${LOGS}/a.log
                """);
        assertThat(c.redisUri()).isEqualTo("redis://127.0.0.1:6390");
        assertThat(c.campaignId()).isEqualTo("fallback");
        assertThat(c.stream()).isEqualTo("${literal}");
        refused(
                "observers:\n  - kind: logfile\n    file: ${NOPE}/a.log\n",
                "observers[0].file",
                "environment variable NOPE is not set",
                "${NOPE:-default}");
    }

    @Test
    void an_unknown_key_is_refused_with_its_path_and_the_allowed_keys() throws Exception {
        refused(
                "observers:\n  - kind: mlflow\n    tracking_uri: sqlite:///m.db\n  - kind: logfile\n    file: a\n"
                        + "    poll_intervall: 1s\n",
                "observers[1].poll_intervall: unknown key",
                "allowed keys for kind logfile: kind, name, enabled, campaign, poll_interval, file, format, pattern");
        refused("redis: redis://x:1\nobservers: []\n", "redis: unknown key", "allowed keys: agent, redis_uri");
    }

    @Test
    void wrong_values_are_refused_with_the_key_and_the_expected_form() throws Exception {
        refused(
                "observers:\n  - kind: logfile\n    file: a\n  - kind: logfile\n    name: b\n    file: b\n"
                        + "    poll_interval: fast\n",
                "observers[1].poll_interval",
                "expected a duration like 500ms, 5s",
                "got 'fast'");
        refused("observers:\n  - kind: logfile\n    file: a\n    poll_interval: 0\n", "must be more than 0");
        refused("observers:\n  - kind: kafka\n", "observers[0].kind", "expected one of mlflow, logfile, flowcept");
        refused("observers:\n  - name: x\n", "observers[0].kind: missing");
        refused("observers:\n  - kind: mlflow\n", "observers[0].tracking_uri: missing");
        refused(
                "observers:\n  - kind: mlflow\n    tracking_uri: ./mlruns\n",
                "observers[0].tracking_uri",
                "expected sqlite:///path.db or postgresql://");
        refused(
                "observers:\n  - kind: logfile\n    file: a\n    pattern: '(?<status>\\w+)'\n",
                "observers[0].pattern",
                "(?<taskId>");
        refused("observers:\n  - kind: logfile\n    file: a\n    pattern: '(unclosed'\n", "not a valid regular");
        refused("observers:\n  - kind: flowcept\n    format: xml\n", "observers[0].format", "auto, msgpack or json");
        refused("observers:\n  - kind: flowcept\n    poll_interval: 1s\n", "observers[0].poll_interval", "not polled");
        refused(
                "observers:\n  - kind: mlflow\n    tracking_uri: sqlite:///a.db\n    metric_history: maybe\n",
                "observers[0].metric_history",
                "expected true or false");
        refused("redis_uri: localhost:6379\nobservers:\n  - kind: flowcept\n", "redis_uri", "expected redis://");
        refused(
                "observers:\n  - kind: logfile\n    file: a\n  - kind: logfile\n    file: b\n",
                "two observers are named 'logfile'");
        refused("observers:\n  kind: logfile\n", "observers: expected a list of observers, got a mapping");
        refused("stream: mida\n", "observers: missing");
        refused("", "the settings file is empty");
        refused("observers: [\n", "not valid YAML");
        refused("campaign: a\ncampaign: b\nobservers: []\n", "not valid YAML", "campaign");
        refused("observers:\n  - kind: logfile\n    file: [a, b]\n", "observers[0].file: expected a single value");
    }

    @Test
    void the_example_file_in_the_repository_loads() {
        Path example = Path.of("observers.example.yaml");
        if (!Files.exists(example)) example = Path.of("observers/observers.example.yaml");
        AgentConfig c = ConfigLoader.load(example, name -> null);
        assertThat(c.agentName()).isEqualTo("observers.example");
        assertThat(c.observers()).extracting(ObserverSpec::name).containsExactly("microscope", "mlflow-eval");
        AgentConfig withFlowcept = ConfigLoader.load(example, name -> name.equals("FLOWCEPT_BRIDGE") ? "true" : null);
        assertThat(withFlowcept.observers()).hasSize(3);
    }

    @Test
    void a_missing_file_is_a_configuration_error() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml: no such settings file");
    }

    @Test
    void durations_in_the_forms_people_write() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("0.25")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("got '-1s'");
        assertThatThrownBy(() -> Durations.parse("5 parsecs")).hasMessageContaining(Durations.FORMS);
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10s");
    }

    @Test
    void log_line_mappings_and_mlflow_data_options_reach_the_observers() throws Exception {
        AgentConfig c = load("""
                observers:
                  - kind: logfile
                    name: microscope
                    file: scope.log
                    pattern: '^(?<timestamp>\\S+ \\S+) INFO scan=(?<taskId>\\d+) image=(?<image>\\S+) dwell=(?<usedDwellTime>\\S+)$'
                    workflow_name: W1 microscope
                    snake_case: true
                    fields: {timestamp: timestamp}
                    generated_entities: {image: image}
                    record_marker: ' scan='
                  - kind: mlflow
                    tracking_uri: sqlite:///mlflow.db
                    data_params: [model, weights]
                    data_schemes: file
                    path_params: off
                    list_artifacts: no
                    max_artifact_files: 7
                """);
        var log = (ObserverSpec.LogFile) c.observers().get(0);
        assertThat(log.workflowName()).isEqualTo("W1 microscope");
        assertThat(log.mapping().snakeCase()).isTrue();
        assertThat(log.mapping().generatedEntities()).containsExactly(Map.entry("image", "image"));
        assertThat(log.mapping().recordMarker().pattern()).isEqualTo(" scan=");
        assertThat(log.create("c1")).isInstanceOf(LogFileObserver.class);
        var mlflow = (ObserverSpec.Mlflow) c.observers().get(1);
        assertThat(mlflow.mlflow().dataParams()).containsExactlyInAnyOrder("model", "weights");
        assertThat(mlflow.mlflow().dataSchemes()).containsExactly("file");
        assertThat(mlflow.mlflow().pathParams()).isFalse();
        assertThat(mlflow.mlflow().listArtifacts()).isFalse();
        assertThat(mlflow.mlflow().maxArtifactFiles()).isEqualTo(7);
    }

    @Test
    void a_line_mapping_that_names_a_missing_group_or_has_no_pattern_is_refused() throws Exception {
        refused("""
                observers:
                  - kind: logfile
                    file: a.log
                    pattern: 'task=(?<taskId>\\S+)'
                    generated_entities: {image: image}
                """, "observers[0].pattern", "image");
        refused("""
                observers:
                  - kind: logfile
                    file: a.log
                    generated_entities: {image: image}
                """, "observers[0]", "need a pattern");
        refused("""
                observers:
                  - kind: mlflow
                    tracking_uri: sqlite:///m.db
                    max_artifact_files: lots
                """, "observers[0].max_artifact_files", "whole number");
        refused("""
                observers:
                  - kind: logfile
                    file: a.log
                    pattern: 'task=(?<taskId>\\S+)'
                    fields: [a, b]
                """, "observers[0].fields", "expected a mapping");
    }
}

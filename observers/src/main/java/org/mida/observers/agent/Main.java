package org.mida.observers.agent;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.mida.observers.controller.StatusReports;
import org.mida.observers.controller.Versions;
import org.mida.observers.flowcept.FlowceptMessages;
import org.mida.observers.flowcept.FlowceptSettings;
import org.mida.observers.mlflow.MlflowSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar mida-observer.jar}: the observer agent's command line.
 *
 * <pre>
 * mida-observer --config observers.yaml                     # every observer the file declares
 * mida-observer mlflow --tracking-uri sqlite:///mlflow.db --campaign c1
 * mida-observer logfile --file run.log --pattern '(?&lt;taskId&gt;\S+) (?&lt;status&gt;\w+)'
 * mida-observer flowcept --redis redis://host:6379
 * </pre>
 *
 * Exit codes: 0 after a clean stop (SIGTERM, SIGINT), 2 for a configuration or usage error, 1 for
 * anything else.
 */
@Command(
        name = "mida-observer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        subcommands = {Main.MlflowCommand.class, Main.LogFileCommand.class, Main.FlowceptCommand.class},
        description = {
            "Runs MIDA observers beside your workflows and sends what they see to MIDA's Redis stream.",
            "With --config, every observer the settings file declares; or one observer with a command below.",
            "Stops cleanly on SIGTERM/SIGINT (last polls, buffers flushed or spilled, offsets saved)."
        },
        footer = {
            "",
            "Exit codes: 0 stopped cleanly, 2 configuration or usage error, 1 other failure.",
            "Settings file reference: docs/OBSERVERS.md (Agent)."
        })
public final class Main implements Callable<Integer> {

    static {
        // before the first logger: the agent's console pattern, unless the user names a logback file
        if (System.getProperty("logback.configurationFile") == null)
            System.setProperty("logback.configurationFile", "mida-observer-logback.xml");
    }

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "Settings file (YAML) listing the observers to run.")
    Path config;

    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line; returns the exit code. Blocks until stopped when observers run. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof ConfigException) {
                err.println("mida-observer: " + e.getMessage());
                err.flush();
                return ConfigException.EXIT_CODE;
            }
            err.println("mida-observer: " + e);
            err.flush();
            LOG.error("mida-observer failed", e);
            return 1;
        });
    }

    @Override
    public Integer call() {
        if (config == null)
            throw new ParameterException(
                    spec.commandLine(),
                    "give --config FILE, or one of the commands: mlflow, logfile, flowcept (see --help)");
        AgentConfig c = ConfigLoader.load(config);
        return run(common.applyTo(c));
    }

    /** A quick form: one observer from the command line. */
    Integer runOne(Common sub, String defaultAgent, ObserverSpec observer) {
        var c = new AgentConfig(
                "command line",
                defaultAgent,
                null,
                null,
                null,
                null,
                StatusReports.DEFAULT_INTERVAL,
                List.of(observer),
                null);
        return run(sub.applyTo(common.applyTo(c)));
    }

    /** Starts the agent and waits for SIGTERM/SIGINT; then stops it and returns 0. */
    static int run(AgentConfig config) {
        var stopRequested = new CountDownLatch(1);
        installSignalHandlers(stopRequested);
        Agent agent = Agent.start(config);
        // other ways out (SIGHUP, System.exit elsewhere): still a clean stop, from the shutdown hook
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "mida-shutdown"));
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent.stop();
        LOG.info("MIDA observer agent '{}' stopped", config.agentName());
        return 0;
    }

    /**
     * SIGTERM and SIGINT release {@code latch} instead of starting the JVM's shutdown, so the agent
     * stops from its main thread and exits 0 (a JVM ended by the signal exits 143). Where the
     * signals cannot be handled this way, the shutdown hook still stops the agent cleanly.
     */
    private static void installSignalHandlers(CountDownLatch latch) {
        var first = new AtomicBoolean(true);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    if (first.getAndSet(false)) LOG.info("SIG{} received: stopping the observers", s.getName());
                    else LOG.info("SIG{} received again: still stopping (SIGKILL ends it at once)", s.getName());
                    latch.countDown();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                LOG.debug("cannot handle SIG{} ({}); the shutdown hook will stop the agent", name, e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ options

    /** Options every command takes; a command's own value wins over its parent's, both over the file. */
    static final class Common {
        @Option(
                names = "--redis-uri",
                paramLabel = "URI",
                description = "MIDA's Redis (default: $MIDA_REDIS_URI, else the embedded server's with the password"
                        + " in $MIDA_DATA_DIR/redis/password, else redis://127.0.0.1:6379).")
        String redisUri;

        @Option(
                names = "--stream",
                paramLabel = "KEY",
                description = "Stream the events go to (default: $MIDA_STREAM, else mida:events).")
        String stream;

        @Option(
                names = "--campaign",
                paramLabel = "ID",
                description = "Campaign of the observers' events (default: $MIDA_CAMPAIGN_ID).")
        String campaign;

        @Option(
                names = "--spill-dir",
                paramLabel = "DIR",
                description = "Where events wait while Redis is unreachable, one folder per observer"
                        + " (default: $MIDA_SPILL_DIR, else ~/.mida/spill).")
        Path spillDir;

        @Option(
                names = "--status-interval",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Time between two status reports of each observer; 0 = none (default: 10s).")
        Duration statusInterval;

        @Option(
                names = "--agent-name",
                paramLabel = "NAME",
                description = "Middle part of the observers' ids <host>/<agent>/<observer> (default: the"
                        + " settings file's name without .yaml, or the command).")
        String agentName;

        AgentConfig applyTo(AgentConfig c) {
            if (redisUri != null && !redisUri.matches("(?i)rediss?://.+"))
                throw new ConfigException(
                        "--redis-uri: expected redis://[user:password@]host:port[/db], got '" + redisUri + "'");
            if (agentName != null && !agentName.matches("[A-Za-z0-9_.-]+"))
                throw new ConfigException(
                        "--agent-name: expected letters, digits, '.', '_' or '-', got '" + agentName + "'");
            AgentConfig out = c.withOverrides(agentName, redisUri, stream, campaign, spillDir, statusInterval);
            if (out.campaignId() == null) {
                String env = System.getenv("MIDA_CAMPAIGN_ID");
                if (env != null && !env.isBlank()) out = out.withOverrides(null, null, null, env, null, null);
            }
            return out;
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "mida-observer " + Versions.project(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }

    private static Duration positive(Duration d, String option) {
        if (d.isZero() || d.isNegative()) throw new ConfigException(option + ": must be more than 0");
        return d;
    }

    // ------------------------------------------------------------------ quick forms

    @Command(
            name = "mlflow",
            mixinStandardHelpOptions = true,
            versionProvider = Version.class,
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Polls an MLflow backend store (SQLite or PostgreSQL, read only) and sends its experiments"
                        + " as workflows and its runs as tasks."
            })
    static final class MlflowCommand implements Callable<Integer> {
        @ParentCommand
        Main parent;

        @Option(
                names = "--tracking-uri",
                required = true,
                paramLabel = "URI",
                description = "The store, as given to mlflow.set_tracking_uri: sqlite:///mlflow.db,"
                        + " sqlite:////abs/mlflow.db, postgresql://user:password@host:5432/db.")
        String trackingUri;

        @Option(
                names = "--poll-interval",
                paramLabel = "DURATION",
                defaultValue = "5s",
                converter = DurationConverter.class,
                description = "Time between two polls (default: ${DEFAULT-VALUE}).")
        Duration pollInterval;

        @Option(
                names = "--store-id",
                paramLabel = "ID",
                description = "Names the store inside workflow ids (default: the URI without credentials).")
        String storeId;

        @Option(
                names = "--name",
                defaultValue = "mlflow",
                description = "The observer's name (default: ${DEFAULT-VALUE}).")
        String name;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            MlflowSettings s;
            try {
                s = MlflowSettings.fromTrackingUri(trackingUri);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--tracking-uri: " + e.getMessage());
            }
            s = s.withPollInterval(positive(pollInterval, "--poll-interval"));
            if (storeId != null) s = s.withStoreId(storeId);
            return parent.runOne(common, "mlflow", new ObserverSpec.Mlflow(name, null, s));
        }
    }

    @Command(
            name = "logfile",
            mixinStandardHelpOptions = true,
            versionProvider = Version.class,
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Follows a log file (like tail -F: rotation and restarts survived, offset saved) and turns"
                        + " its lines into task events: JSON lines as they are, or lines matched by --pattern."
            })
    static final class LogFileCommand implements Callable<Integer> {
        @ParentCommand
        Main parent;

        @Option(
                names = "--file",
                required = true,
                paramLabel = "FILE",
                description = "The log file (may not exist yet).")
        Path file;

        @Option(
                names = "--pattern",
                paramLabel = "REGEX",
                description = "Java regex with named groups: taskId (required), status, timestamp,"
                        + " workflowId, activityId, usedXyz, genXyz, … Without it: JSON lines.")
        String pattern;

        @Option(names = "--workflow-id", paramLabel = "ID", description = "Workflow of lines that name none.")
        String workflowId;

        @Option(
                names = "--state-file",
                paramLabel = "FILE",
                description = "Where the offset is kept (default: <file>.mida-offset).")
        Path stateFile;

        @Option(
                names = "--poll-interval",
                paramLabel = "DURATION",
                defaultValue = "1s",
                converter = DurationConverter.class,
                description = "Time between two reads (default: ${DEFAULT-VALUE}).")
        Duration pollInterval;

        @Option(
                names = "--name",
                defaultValue = "logfile",
                description = "The observer's name (default: ${DEFAULT-VALUE}).")
        String name;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            Pattern p = null;
            if (pattern != null) {
                try {
                    p = Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    throw new ConfigException("--pattern: not a valid regular expression: " + e.getDescription());
                }
            }
            ObserverSpec spec;
            try {
                spec = new ObserverSpec.LogFile(
                        name,
                        null,
                        file.toAbsolutePath(),
                        p,
                        workflowId,
                        stateFile,
                        positive(pollInterval, "--poll-interval"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--pattern: " + e.getMessage());
            }
            return parent.runOne(common, "logfile", spec);
        }
    }

    @Command(
            name = "flowcept",
            mixinStandardHelpOptions = true,
            versionProvider = Version.class,
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Subscribes to Flowcept's Redis channel and forwards its task and workflow messages"
                        + " (start it before the workflow: pub/sub keeps nothing)."
            })
    static final class FlowceptCommand implements Callable<Integer> {
        @ParentCommand
        Main parent;

        @Option(
                names = "--redis",
                paramLabel = "URI",
                defaultValue = FlowceptSettings.DEFAULT_REDIS_URI,
                description = "Flowcept's MQ Redis (its mq.host/mq.port; default: ${DEFAULT-VALUE}).")
        String redis;

        @Option(
                names = "--channel",
                paramLabel = "NAME",
                defaultValue = FlowceptSettings.DEFAULT_CHANNEL,
                description = "Flowcept's mq.channel (default: ${DEFAULT-VALUE}).")
        String channel;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "AUTO",
                description = "Payload format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        FlowceptMessages.Format format;

        @Option(
                names = "--name",
                defaultValue = "flowcept",
                description = "The observer's name (default: ${DEFAULT-VALUE}).")
        String name;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            if (!redis.matches("(?i)rediss?://.+"))
                throw new ConfigException("--redis: expected redis://host:port, got '" + redis + "'");
            var s = FlowceptSettings.of(redis).withChannel(channel).withFormat(format);
            return parent.runOne(common, "flowcept", new ObserverSpec.Flowcept(name, null, s));
        }
    }
}

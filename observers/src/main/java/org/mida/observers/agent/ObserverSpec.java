package org.mida.observers.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.mida.observers.controller.Observer;
import org.mida.observers.controller.ObserverSettings;
import org.mida.observers.flowcept.FlowceptBridge;
import org.mida.observers.flowcept.FlowceptSettings;
import org.mida.observers.logfile.LineMapper;
import org.mida.observers.logfile.LogFileObserver;
import org.mida.observers.logfile.LogFileSettings;
import org.mida.observers.logfile.RegexLineMapper;
import org.mida.observers.mlflow.MlflowObserver;
import org.mida.observers.mlflow.MlflowSettings;

/**
 * One observer the agent runs, validated: what {@code observers[i]} of the settings file (or a quick
 * form on the command line) declares. {@link #create(String)} builds the observer (no I/O).
 */
public sealed interface ObserverSpec {

    /** Unique within the agent; the last part of the status reports' {@code observer_id}. */
    String name();

    /** {@code mlflow}, {@code logfile} or {@code flowcept}. */
    String kind();

    /** This observer's campaign, overriding the agent's; may be null. */
    String campaignId();

    /** How the controller drives it. */
    ObserverSettings settings();

    /** Builds the observer; {@code campaignId} is the effective campaign (this one's, else the agent's). */
    Observer create(String campaignId);

    /** What the status reports carry in {@code custom_metadata} (never a password). */
    Map<String, Object> metadata();

    /** The MLflow observer: {@code settings} without the campaign, which {@link #create} adds. */
    record Mlflow(String name, String campaignId, MlflowSettings mlflow) implements ObserverSpec {
        public Mlflow {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mlflow, "mlflow");
        }

        @Override
        public String kind() {
            return "mlflow";
        }

        @Override
        public ObserverSettings settings() {
            return ObserverSettings.polling(mlflow.pollInterval());
        }

        @Override
        public Observer create(String campaign) {
            return new MlflowObserver(campaign == null ? mlflow : mlflow.withCampaignId(campaign));
        }

        @Override
        public Map<String, Object> metadata() {
            return Map.of("store", mlflow.storeId());
        }
    }

    /**
     * How a regex log line maps to an event beyond the group-name conventions ({@link
     * RegexLineMapper.Builder}): snake_case names, group → field targets, groups that are entities (group →
     * {@code @type}), the record marker, run scoping (null: the mapper's default).
     */
    record LineMapping(
            boolean snakeCase,
            Map<String, String> fields,
            Map<String, String> usedEntities,
            Map<String, String> generatedEntities,
            Pattern recordMarker,
            Boolean scopeRuns) {
        public static final LineMapping NONE = new LineMapping(false, Map.of(), Map.of(), Map.of(), null, null);

        public LineMapping {
            fields = Map.copyOf(new LinkedHashMap<>(fields == null ? Map.of() : fields));
            usedEntities = usedEntities == null
                    ? Map.of()
                    : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(usedEntities));
            generatedEntities = generatedEntities == null
                    ? Map.of()
                    : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(generatedEntities));
        }

        boolean isNone() {
            return !snakeCase
                    && fields.isEmpty()
                    && usedEntities.isEmpty()
                    && generatedEntities.isEmpty()
                    && recordMarker == null
                    && scopeRuns == null;
        }

        RegexLineMapper mapper(Pattern pattern, String workflowId, String campaign, Path baseDir) {
            var b = RegexLineMapper.builder(pattern)
                    .workflowId(workflowId)
                    .campaignId(campaign)
                    .snakeCase(snakeCase)
                    .baseDir(baseDir);
            fields.forEach(b::field);
            usedEntities.forEach(b::usedEntity);
            generatedEntities.forEach(b::generatedEntity);
            if (recordMarker != null) b.recordMarker(recordMarker);
            if (scopeRuns != null) b.scopeRuns(scopeRuns);
            return b.build();
        }
    }

    /**
     * The log-file observer.
     *
     * @param pattern a regex with named groups ({@link RegexLineMapper}); null: JSON lines
     * @param stateFile null: {@code <file>.mida-offset}
     * @param workflowName the runs' workflow name; null: the file's name
     * @param mapping how regex lines map beyond the conventions ({@link LineMapping#NONE}: none)
     */
    record LogFile(
            String name,
            String campaignId,
            Path file,
            Pattern pattern,
            String workflowId,
            Path stateFile,
            Duration pollInterval,
            String workflowName,
            LineMapping mapping)
            implements ObserverSpec {
        public LogFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (mapping == null) mapping = LineMapping.NONE;
            if (pattern == null && !mapping.isNone())
                throw new IllegalArgumentException("fields, entities, snake_case, record_marker and scope_runs"
                        + " need a pattern (JSON lines are events as they are)");
            if (pattern != null) mapping.mapper(pattern, workflowId, null, file.getParent()); // checks the groups
        }

        /** Without a workflow name or mapping options (the command line's quick form). */
        public LogFile(
                String name,
                String campaignId,
                Path file,
                Pattern pattern,
                String workflowId,
                Path stateFile,
                Duration pollInterval) {
            this(name, campaignId, file, pattern, workflowId, stateFile, pollInterval, null, LineMapping.NONE);
        }

        @Override
        public String kind() {
            return "logfile";
        }

        @Override
        public ObserverSettings settings() {
            return ObserverSettings.polling(pollInterval);
        }

        @Override
        public Observer create(String campaign) {
            LineMapper mapper = pattern == null
                    ? LineMapper.jsonLines()
                    : mapping.mapper(pattern, workflowId, campaign, file.getParent());
            var settings = LogFileSettings.of(file).withPollInterval(pollInterval);
            if (stateFile != null) settings = settings.withStateFile(stateFile);
            if (workflowName != null) settings = settings.withWorkflowName(workflowName);
            if (workflowId != null) settings = settings.withWorkflowId(workflowId);
            if (campaign != null) settings = settings.withCampaignId(campaign);
            return new LogFileObserver(settings, mapper);
        }

        @Override
        public Map<String, Object> metadata() {
            var m = new LinkedHashMap<String, Object>();
            m.put("file", file.toString());
            m.put("format", pattern == null ? "json" : "regex");
            return m;
        }
    }

    /** The Flowcept bridge (callback-driven: never polled). */
    record Flowcept(String name, String campaignId, FlowceptSettings flowcept) implements ObserverSpec {
        public Flowcept {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(flowcept, "flowcept");
        }

        @Override
        public String kind() {
            return "flowcept";
        }

        @Override
        public ObserverSettings settings() {
            return ObserverSettings.callbackOnly();
        }

        @Override
        public Observer create(String campaign) {
            return new FlowceptBridge(flowcept);
        }

        @Override
        public Map<String, Object> metadata() {
            return Map.of("channel", flowcept.channel(), "redis", AgentConfig.maskUri(flowcept.redisUri()));
        }
    }
}

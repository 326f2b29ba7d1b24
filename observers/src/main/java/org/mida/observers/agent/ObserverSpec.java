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
     * The log-file observer.
     *
     * @param pattern a regex with named groups ({@link RegexLineMapper}); null: JSON lines
     * @param stateFile null: {@code <file>.mida-offset}
     */
    record LogFile(
            String name,
            String campaignId,
            Path file,
            Pattern pattern,
            String workflowId,
            Path stateFile,
            Duration pollInterval)
            implements ObserverSpec {
        public LogFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (pattern != null) new RegexLineMapper(pattern, workflowId, null, "logfile"); // checks the groups
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
                    : new RegexLineMapper(pattern, workflowId, campaign, "logfile");
            return new LogFileObserver(file, mapper, stateFile);
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

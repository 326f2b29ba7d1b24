package org.mida.observers.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.mida.observers.controller.ObserverController;
import org.mida.observers.controller.StatusReports;
import org.mida.observers.emit.EmitterConfig;

/**
 * What the agent runs, validated: from a settings file ({@link ConfigLoader}) or a quick form on the
 * command line. A null {@code redisUri}, {@code stream} or {@code spillDir} means the SDK's default
 * ({@code $MIDA_REDIS_URI}, {@code $MIDA_STREAM}, {@code $MIDA_SPILL_DIR}, then the built-in ones).
 *
 * @param source where it came from (the file, or {@code "command line"}), for messages
 * @param agentName the middle part of the observers' {@code observer_id}
 * @param statusInterval time between status reports; zero = none
 * @param startRetryMax the longest wait between two start attempts of an observer that failed to
 *     start (the waits double from 1 s up to it)
 */
public record AgentConfig(
        String source,
        String agentName,
        String redisUri,
        String stream,
        String campaignId,
        Path spillDir,
        Duration statusInterval,
        List<ObserverSpec> observers,
        Duration startRetryMax) {

    public AgentConfig {
        Objects.requireNonNull(source, "source");
        if (agentName == null || agentName.isBlank()) throw new ConfigException(source + ": the agent needs a name");
        Objects.requireNonNull(statusInterval, "statusInterval");
        observers = List.copyOf(observers);
        if (startRetryMax == null) startRetryMax = ObserverController.DEFAULT_MAX_RETRY;
        var names = new HashSet<String>();
        for (ObserverSpec o : observers)
            if (!names.add(o.name()))
                throw new ConfigException(
                        source + ": two observers are named '" + o.name() + "'; give each a unique 'name'");
    }

    /** This config with the values given on the command line (null = keep). */
    public AgentConfig withOverrides(
            String agentName, String redisUri, String stream, String campaignId, Path spillDir, Duration interval) {
        return new AgentConfig(
                source,
                agentName != null ? agentName : this.agentName,
                redisUri != null ? redisUri : this.redisUri,
                stream != null ? stream : this.stream,
                campaignId != null ? campaignId : this.campaignId,
                spillDir != null ? spillDir : this.spillDir,
                interval != null ? interval : this.statusInterval,
                observers,
                startRetryMax);
    }

    /** The emitter settings of one observer: its own spill directory under the agent's. */
    public EmitterConfig emitterConfig(ObserverSpec observer) {
        var b = EmitterConfig.builder();
        if (redisUri != null) b.redisUri(redisUri);
        if (stream != null) b.stream(stream);
        if (spillDir != null) b.spillDir(spillDir);
        EmitterConfig base = b.build();
        return base.toBuilder()
                .spillDir(base.spillDir().resolve(observer.name().replaceAll("[^A-Za-z0-9_.-]", "_")))
                .build();
    }

    /** The status reports of one observer. */
    public StatusReports statusReports(ObserverSpec observer) {
        return new StatusReports(statusInterval, agentName, campaignOf(observer));
    }

    /** The observer's campaign, else the agent's. */
    public String campaignOf(ObserverSpec observer) {
        return observer.campaignId() != null ? observer.campaignId() : campaignId;
    }

    /** A URI with its password replaced by {@code ***}, for logs and reports. */
    static String maskUri(String uri) {
        return uri == null ? null : uri.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }
}

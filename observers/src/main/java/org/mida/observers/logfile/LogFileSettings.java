package org.mida.observers.logfile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link LogFileObserver} follows and how its runs are named. Immutable; {@code with…}
 * methods return a copy.
 *
 * @param file the log file (it may not exist yet)
 * @param stateFile where the offset and the current run are kept; null = {@code <file>.mida-offset}
 * @param workflowName the workflow's name in the graph; null = the file's name
 * @param workflowId the base of each run's workflow id ({@code <base>@<run>}); null = {@code
 *     logfile:<absolute path>}. A mapper's own workflow id, when it has one, wins
 * @param campaignId the campaign of the runs when the mapper and the lines name none (may be null)
 * @param pollInterval how often the controller should poll (default 1 s)
 */
public record LogFileSettings(
        Path file, Path stateFile, String workflowName, String workflowId, String campaignId, Duration pollInterval) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    public LogFileSettings {
        Objects.requireNonNull(file, "file");
        if (stateFile == null) stateFile = file.resolveSibling(file.getFileName() + ".mida-offset");
        if (workflowName == null || workflowName.isBlank()) workflowName = String.valueOf(file.getFileName());
        if (workflowId == null || workflowId.isBlank())
            workflowId = "logfile:" + file.toAbsolutePath().normalize();
        if (pollInterval == null) pollInterval = DEFAULT_POLL_INTERVAL;
        if (pollInterval.isNegative() || pollInterval.isZero())
            throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
    }

    /** Defaults for {@code file}. */
    public static LogFileSettings of(Path file) {
        return new LogFileSettings(file, null, null, null, null, null);
    }

    public LogFileSettings withStateFile(Path v) {
        return new LogFileSettings(file, v, workflowName, workflowId, campaignId, pollInterval);
    }

    public LogFileSettings withWorkflowName(String v) {
        return new LogFileSettings(file, stateFile, v, workflowId, campaignId, pollInterval);
    }

    public LogFileSettings withWorkflowId(String v) {
        return new LogFileSettings(file, stateFile, workflowName, v, campaignId, pollInterval);
    }

    public LogFileSettings withCampaignId(String v) {
        return new LogFileSettings(file, stateFile, workflowName, workflowId, v, pollInterval);
    }

    public LogFileSettings withPollInterval(Duration v) {
        return new LogFileSettings(file, stateFile, workflowName, workflowId, campaignId, v);
    }
}

package org.mida.observers.logfile;

import java.nio.file.Path;

/**
 * Where a line comes from, as the {@link LogFileObserver} knows it: the file, the line's number in
 * the current file (1-based; 0 when unknown), the workflow run it belongs to and the defaults for
 * workflow and campaign. A run-scoped mapper ({@link RegexLineMapper}) puts its task ids under the
 * run's workflow id, so a second run of the same script never rewrites the first.
 *
 * @param file the log file (absolute), or null outside an observer
 * @param line the line's number in the file it was read from, 0 when unknown
 * @param workflowBase the workflow id runs are derived from (e.g. {@code logfile:/data/sim.log}); null
 *     outside an observer
 * @param runId the current run (see docs/OBSERVERS.md "Log files"), null when not known
 * @param campaignId the observer's campaign, used when the mapper names none (may be null)
 */
public record LineContext(Path file, long line, String workflowBase, String runId, String campaignId) {

    private static final LineContext NONE = new LineContext(null, 0, null, null, null);

    /** No file, no run: mappers map a line on its own (ids as captured). */
    public static LineContext none() {
        return NONE;
    }

    /** The workflow id of the run: {@code <workflowBase>@<runId>}; null without a run. */
    public String runWorkflowId() {
        return workflowBase == null || runId == null ? null : workflowBase + "@" + runId;
    }

    /** The same context in another run. */
    public LineContext withRun(String run) {
        return new LineContext(file, line, workflowBase, run, campaignId);
    }
}

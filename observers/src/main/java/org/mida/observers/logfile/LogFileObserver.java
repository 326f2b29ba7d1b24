package org.mida.observers.logfile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.observers.controller.Observer;
import org.mida.observers.emit.Emitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log-file observer (the paper's Workflow 1): a polling {@link Observer} that follows a log file
 * with a {@link FileTailer} (rotation and restarts survived) and turns its lines into events with a
 * {@link LineMapper}. After each poll it waits for the emitter to send what it read, then saves its
 * offset, so a crash re-reads at most one poll's lines (and the server's merge makes that harmless).
 *
 * <p><b>Runs.</b> Each run of the script that writes the file is its own workflow, {@code
 * <workflowId>@<run>}, announced once with a workflow event (name, campaign, {@code adapter_id
 * logfile}); a run-scoped mapper ({@link RegexLineMapper}) puts task ids under it. A run is one
 * incarnation of the file: its id is a hash of the file's path, its identity ({@code fileKey}: device
 * and inode) and its first line, so a re-run that rewrites the file (truncates it, or deletes and
 * recreates it) starts a new run, while a rename-and-recreate rotation continues the run, and a
 * restarted observer finds the same id again. A {@code run_id} written in the log (a {@code runId}
 * group) wins: that line and the following ones belong to it.
 *
 * <p>Lines the mapper refuses (they look like records but cannot be mapped) go to the dead-letter
 * stream ({@link Emitter#reject}) with the reason, the source {@code file://<path>#L<line>} and the
 * line, and are counted.
 *
 * <pre>{@code
 * var obs = new LogFileObserver(LogFileSettings.of(Path.of("/var/log/microscope.log")).withCampaignId("c1"),
 *         RegexLineMapper.builder(pattern).snakeCase(true).generatedEntity("image", "image").build());
 * controller.register(obs, ObserverSettings.polling(Duration.ofSeconds(1)));
 * }</pre>
 */
public final class LogFileObserver implements Observer {

    private static final Logger LOG = LoggerFactory.getLogger(LogFileObserver.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_ANNOUNCED = 10_000;

    private final LogFileSettings settings;
    private final LineMapper mapper;
    private final Path absFile;
    private Emitter emitter;
    private FileTailer tailer;
    private String runId; // the run of the lines read now; null until the first line of a new file
    private long lineNo; // line number in the file read now
    private final Set<String> announced = new HashSet<>();
    private long lines, events, rejected, runs, polls;

    /**
     * @param file the log file to follow (it may not exist yet)
     * @param mapper how lines become events
     * @param stateFile where the offset is kept; null = {@code <file>.mida-offset} next to it
     */
    public LogFileObserver(Path file, LineMapper mapper, Path stateFile) {
        this(LogFileSettings.of(file).withStateFile(stateFile), mapper);
    }

    public LogFileObserver(LogFileSettings settings, LineMapper mapper) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.absFile = settings.file().toAbsolutePath().normalize();
    }

    @Override
    public String name() {
        return "logfile:" + settings.file().getFileName();
    }

    public LogFileSettings settings() {
        return settings;
    }

    @Override
    public void start(Emitter emitter) {
        this.emitter = Objects.requireNonNull(emitter, "emitter");
        Map<String, Object> saved = FileTailer.loadExtra(settings.stateFile());
        this.tailer = FileTailer.open(settings.file(), settings.stateFile());
        this.savedRun = saved.get("run_id") instanceof String s ? s : null;
        this.savedLine = saved.get("line") instanceof Number n ? n.longValue() : 0;
    }

    private String savedRun;
    private long savedLine;

    /** Reads the new lines, emits their events, waits until they are sent, saves the offset. */
    @Override
    public synchronized void observe() throws IOException {
        if (tailer == null) throw new IllegalStateException("observer not started");
        polls++;
        int read = tailer.poll(this::line, this::switched);
        lines += read;
        if (read == 0) return;
        if (!emitter.flush(FLUSH_TIMEOUT))
            LOG.warn("Events of {} not yet sent after {}", settings.file(), FLUSH_TIMEOUT);
        saveState();
    }

    private void switched(FileTailer.Switch how) {
        switch (how) {
            case RESUMED -> {
                runId = savedRun;
                lineNo = savedLine;
            }
            case ROTATED -> lineNo = 0; // the same run goes on in the new file
            case NEW, REPLACED, TRUNCATED -> {
                runId = null;
                lineNo = 0;
            }
        }
        savedRun = null;
        savedLine = 0;
    }

    private void line(String line) {
        lineNo++;
        if (runId == null) runId = fileRunId();
        var ctx = new LineContext(absFile, lineNo, settings.workflowId(), runId, settings.campaignId());
        LineMapper.Mapped m;
        try {
            m = mapper.mapLine(line, ctx);
        } catch (RuntimeException e) {
            m = LineMapper.Mapped.refused("the mapper failed: " + e);
        }
        if (m.runId() != null && !m.runId().equals(runId)) {
            LOG.info("{}: run {} starts at line {}", settings.file(), m.runId(), lineNo);
            runId = m.runId();
        }
        if (m.isRefused()) {
            rejected++;
            emitter.reject(m.refusal(), absFile.toUri() + "#L" + lineNo, line);
            return;
        }
        for (Event e : m.events()) {
            if (mapper.runScoped() && e instanceof TaskEvent t && t.workflowId() != null) announce(t);
            emitter.emit(e);
            events++;
        }
    }

    /** The workflow event of a run, once per observer (the server's merge makes repeats harmless). */
    private void announce(TaskEvent t) {
        if (announced.contains(t.workflowId())) return;
        if (announced.size() >= MAX_ANNOUNCED) announced.clear();
        announced.add(t.workflowId());
        runs++;
        var meta = new LinkedHashMap<String, Object>();
        meta.put("log_file", absFile.toString());
        if (runId != null) meta.put("run_id", runId);
        String key = tailer.fileKey();
        if (key != null) meta.put("file_key", key);
        Double at = t.submittedAt() != null ? t.submittedAt() : t.startedAt() != null ? t.startedAt() : t.endedAt();
        emitter.emit(new WorkflowEvent(
                t.workflowId(),
                t.campaignId(),
                settings.workflowName(),
                null,
                "logfile",
                null,
                null,
                null,
                null,
                null,
                null,
                meta,
                at,
                null,
                null,
                null));
    }

    /** sha-256(path, file identity, first line), 12 hex digits: stable for one incarnation of the file. */
    private String fileRunId() {
        String first;
        try {
            first = tailer.firstLine();
        } catch (IOException e) {
            first = "";
        }
        try {
            var md = MessageDigest.getInstance("SHA-256");
            md.update((absFile + "\n" + tailer.fileKey() + "\n" + first).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void saveState() throws IOException {
        var extra = new LinkedHashMap<String, Object>();
        if (runId != null) extra.put("run_id", runId);
        extra.put("line", lineNo);
        tailer.saveState(settings.stateFile(), extra);
    }

    /** Lines read and events emitted since start. */
    public synchronized long[] counts() {
        return new long[] {lines, events};
    }

    /** The current run's id (null before the first line). */
    public synchronized String runId() {
        return runId;
    }

    /**
     * {@code polls}, {@code lines}, {@code events}, {@code rejected} (lines refused, in the dead
     * letters), {@code runs} (workflow runs announced).
     */
    @Override
    public synchronized Map<String, Long> counters() {
        var c = new LinkedHashMap<String, Long>();
        c.put("polls", polls);
        c.put("lines", lines);
        c.put("events", events);
        c.put("rejected", rejected);
        c.put("runs", runs);
        return c;
    }

    @Override
    public synchronized void close() {
        if (tailer == null) return;
        try {
            saveState();
            tailer.close();
        } catch (IOException e) {
            LOG.warn("Cannot save the offset of {} in {}: {}", settings.file(), settings.stateFile(), e.toString());
        } finally {
            tailer = null;
        }
    }
}

package org.mida.observers.logfile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.mida.event.Event;
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
 * <pre>{@code
 * var obs = new LogFileObserver(Path.of("/var/log/sim.log"), LineMapper.jsonLines(), null);
 * controller.register(obs, ObserverSettings.polling(Duration.ofSeconds(1)));
 * }</pre>
 */
public final class LogFileObserver implements Observer {

    private static final Logger LOG = LoggerFactory.getLogger(LogFileObserver.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);

    private final Path file;
    private final LineMapper mapper;
    private final Path stateFile;
    private Emitter emitter;
    private FileTailer tailer;
    private long lines, events;

    /**
     * @param file the log file to follow (it may not exist yet)
     * @param mapper how lines become events
     * @param stateFile where the offset is kept; null = {@code <file>.mida-offset} next to it
     */
    public LogFileObserver(Path file, LineMapper mapper, Path stateFile) {
        this.file = Objects.requireNonNull(file, "file");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.stateFile = stateFile != null ? stateFile : file.resolveSibling(file.getFileName() + ".mida-offset");
    }

    @Override
    public String name() {
        return "logfile:" + file.getFileName();
    }

    @Override
    public void start(Emitter emitter) {
        this.emitter = Objects.requireNonNull(emitter, "emitter");
        this.tailer = FileTailer.open(file, stateFile);
    }

    /** Reads the new lines, emits their events, waits until they are sent, saves the offset. */
    @Override
    public synchronized void observe() throws IOException {
        if (tailer == null) throw new IllegalStateException("observer not started");
        int[] mapped = {0};
        int read = tailer.poll(line -> {
            try {
                for (Event e : mapper.map(line).stream().toList()) {
                    emitter.emit(e);
                    mapped[0]++;
                }
            } catch (RuntimeException e) {
                LOG.debug("Skipping a line of {} that cannot be mapped: {}", file, e.toString());
            }
        });
        lines += read;
        events += mapped[0];
        if (read == 0) return;
        if (!emitter.flush(FLUSH_TIMEOUT)) LOG.warn("Events of {} not yet sent after {}", file, FLUSH_TIMEOUT);
        tailer.saveState(stateFile);
    }

    /** Lines read and events emitted since start. */
    public synchronized long[] counts() {
        return new long[] {lines, events};
    }

    @Override
    public synchronized void close() {
        if (tailer == null) return;
        try {
            tailer.saveState(stateFile);
            tailer.close();
        } catch (IOException e) {
            LOG.warn("Cannot save the offset of {} in {}: {}", file, stateFile, e.toString());
        } finally {
            tailer = null;
        }
    }
}

package org.mida.observers.logfile;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mida.event.EventCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a text file the way {@code tail -F} does, line by line, and remembers where it is.
 *
 * <ul>
 *   <li><b>rename + recreate</b> rotation (logrotate's default): when the path names a different
 *       file (another {@code fileKey}), the old file is read to its end, then the new one from 0;
 *   <li><b>copytruncate</b>: when the file is shorter than the offset, or its first bytes changed,
 *       it is read again from 0;
 *   <li><b>restarts</b>: {@link #state()} (file identity, offset, a fingerprint of the first bytes)
 *       is saved to a small JSON file by {@link #saveState(Path)} and read back by {@link
 *       #open(Path, Path)}. If the file was rotated while nobody followed it, the rotated file is
 *       found in the same directory by its identity and read to its end first.
 * </ul>
 *
 * Only complete lines ({@code \n}-terminated; {@code \r} stripped) are handed out; a partial last
 * line waits for its end. Not thread-safe: one poller.
 *
 * <pre>{@code
 * try (FileTailer t = FileTailer.open(Path.of("app.log"), Path.of("app.log.state"))) {
 *     t.poll(line -> System.out.println(line));
 *     t.saveState(Path.of("app.log.state"));
 * }
 * }</pre>
 */
public final class FileTailer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(FileTailer.class);
    static final int FINGERPRINT_BYTES = 64;
    private static final int CHUNK = 64 * 1024;

    /** What is needed to resume: which file, how far, and its first bytes. */
    public record State(String fileKey, long offset, String fingerprint) {}

    /**
     * What the tailer found when it (re)opened or left a file; reported to the {@code switches}
     * consumer of {@link #poll(Consumer, Consumer)} in order with the lines (lines of the old file
     * first).
     */
    public enum Switch {
        /** The first file followed, without a saved state. */
        NEW,
        /** Opened at the saved offset of the same file. */
        RESUMED,
        /** Renamed away (still in the directory under another name) and recreated: rotation. */
        ROTATED,
        /** The path names another file and the old one is gone (deleted and recreated), or a saved state no longer fits. */
        REPLACED,
        /** The same file got shorter or its first bytes changed (rewritten from the start, copytruncate). */
        TRUNCATED
    }

    private static final Consumer<Switch> IGNORE = s -> {};
    private Consumer<Switch> switches = IGNORE;

    private final Path path;
    private FileChannel channel;
    private Object fileKey;
    private long offset; // end of the last complete line handed out
    private byte[] fingerprint = new byte[0];
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private State resume;

    private FileTailer(Path path, State resume) {
        this.path = path;
        this.resume = resume;
    }

    /** Follows {@code path}, resuming from the state saved in {@code stateFile} when there is one. */
    public static FileTailer open(Path path, Path stateFile) {
        return new FileTailer(path, stateFile == null ? null : loadState(stateFile));
    }

    public Path path() {
        return path;
    }

    /** Reads every complete line written since the last poll; returns how many were handed out. */
    public int poll(Consumer<String> lines) throws IOException {
        return poll(lines, IGNORE);
    }

    /**
     * Like {@link #poll(Consumer)}, and tells {@code switches} which file the following lines come from
     * (a new one, a resumed one, a rotation, a replacement, a truncation), so a caller can tell runs
     * apart.
     */
    public int poll(Consumer<String> lines, Consumer<Switch> switches) throws IOException {
        this.switches = Objects.requireNonNull(switches, "switches");
        try {
            if (channel == null && !openCurrent(lines)) return 0;
            int n = 0;
            Object now = keyOf(path);
            if (now != null && !now.equals(fileKey)) { // the path names another file
                n += readToEnd(lines); // what was written to the old file before the switch
                flushPartial(lines);
                boolean renamed = fileKey != null && findByKey(fileKey.toString()) != null;
                LOG.info("{} was {}; following the new file", path, renamed ? "rotated" : "replaced");
                switchTo(path, 0);
                switches.accept(renamed ? Switch.ROTATED : Switch.REPLACED);
            } else if (now != null && truncated()) {
                LOG.info("{} was truncated or rewritten; reading it from the start", path);
                partial.reset();
                offset = 0;
                fingerprint = new byte[0];
                switches.accept(Switch.TRUNCATED);
            }
            return n + readToEnd(lines);
        } finally {
            this.switches = IGNORE;
        }
    }

    /** The first line of the file followed now (at most 4 KiB; empty while it has no complete line). */
    public String firstLine() throws IOException {
        byte[] head = readHead(4096);
        int end = 0;
        while (end < head.length && head[end] != '\n') end++;
        if (end == head.length && head.length < 4096) return "";
        return new String(head, 0, end, StandardCharsets.UTF_8);
    }

    /** The identity ({@code fileKey}) of the file followed now; null before the first poll. */
    public String fileKey() {
        return fileKey == null ? null : fileKey.toString();
    }

    /** Where the tailer is now (for {@link #saveState}). */
    public State state() {
        return new State(
                fileKey == null ? null : fileKey.toString(),
                offset,
                HexFormat.of().formatHex(fingerprint));
    }

    /** Writes {@link #state()} atomically (temp file + rename). */
    public void saveState(Path stateFile) throws IOException {
        saveState(stateFile, Map.of());
    }

    /**
     * Writes {@link #state()} and the caller's own {@code extra} values (read back by {@link
     * #loadExtra}) atomically.
     */
    public void saveState(Path stateFile, Map<String, ?> extra) throws IOException {
        State s = state();
        var m = new LinkedHashMap<String, Object>();
        if (!extra.isEmpty()) m.put("extra", extra);
        m.put("path", path.toString());
        m.put("file_key", s.fileKey());
        m.put("offset", s.offset());
        m.put("fingerprint", s.fingerprint());
        Path dir = stateFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(stateFile.getFileName() + ".tmp");
        Files.writeString(tmp, EventCodec.shared().toJson(m));
        Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The {@code extra} values saved with the state; empty when none (or unreadable). */
    public static Map<String, Object> loadExtra(Path stateFile) {
        try {
            if (stateFile == null || !Files.exists(stateFile)) return Map.of();
            Object o = EventCodec.shared().parse(Files.readString(stateFile));
            if (o instanceof Map<?, ?> m && m.get("extra") instanceof Map<?, ?> x) {
                var out = new LinkedHashMap<String, Object>();
                x.forEach((k, v) -> out.put(String.valueOf(k), v));
                return out;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable tail state {}: {}", stateFile, e.toString());
        }
        return Map.of();
    }

    static State loadState(Path stateFile) {
        try {
            if (!Files.exists(stateFile)) return null;
            Object o = EventCodec.shared().parse(Files.readString(stateFile));
            if (!(o instanceof Map<?, ?> m)) return null;
            return new State(
                    (String) m.get("file_key"),
                    ((Number) m.get("offset")).longValue(),
                    Objects.toString(m.get("fingerprint"), ""));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable tail state {}: {}", stateFile, e.toString());
            return null;
        }
    }

    private boolean openCurrent(Consumer<String> lines) throws IOException {
        Object key = keyOf(path);
        if (key == null) return false;
        State r = resume;
        resume = null;
        Switch how = r == null ? Switch.NEW : null;
        if (r != null && r.fileKey() != null && !r.fileKey().equals(key.toString())) {
            Path rotated = findByKey(r.fileKey());
            if (rotated != null) {
                LOG.info("{} was rotated while not followed; reading the rest of {} first", path, rotated);
                switchTo(rotated, r.offset());
                if (!matchesFingerprint(r)) {
                    offset = 0;
                    switches.accept(Switch.REPLACED);
                } else switches.accept(Switch.RESUMED);
                readToEnd(lines);
                flushPartial(lines);
                how = Switch.ROTATED;
            } else how = Switch.REPLACED;
            r = null;
        }
        switchTo(path, 0);
        if (r != null && channel.size() >= r.offset() && matchesFingerprint(r)) {
            offset = r.offset();
            fingerprint = HexFormat.of().parseHex(r.fingerprint());
            how = Switch.RESUMED;
        } else if (how == null) how = r.offset() == 0 ? Switch.RESUMED : Switch.TRUNCATED;
        switches.accept(how);
        return true;
    }

    private boolean matchesFingerprint(State r) throws IOException {
        byte[] want = HexFormat.of().parseHex(r.fingerprint());
        return Arrays.equals(want, readHead(want.length));
    }

    private void switchTo(Path p, long from) throws IOException {
        closeChannel();
        try {
            channel = FileChannel.open(p, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            channel = null;
            fileKey = null;
            return;
        }
        fileKey = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        offset = from;
        fingerprint = new byte[0];
        partial.reset();
    }

    private int readToEnd(Consumer<String> lines) throws IOException {
        if (channel == null) return 0;
        int n = 0;
        long pos = offset + partial.size();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        while (true) {
            buf.clear();
            int r = channel.read(buf, pos);
            if (r <= 0) break;
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < r; i++) {
                if (a[i] != '\n') continue;
                partial.write(a, start, i - start);
                byte[] line = partial.toByteArray();
                partial.reset();
                int len = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                offset += line.length + 1;
                lines.accept(new String(line, 0, len, StandardCharsets.UTF_8));
                n++;
                start = i + 1;
            }
            partial.write(a, start, r - start);
            pos += r;
        }
        if (fingerprint.length < FINGERPRINT_BYTES) fingerprint = readHead(FINGERPRINT_BYTES);
        return n;
    }

    /** A last line without its newline, handed out when its file is left for good. */
    private void flushPartial(Consumer<String> lines) {
        if (partial.size() == 0) return;
        offset += partial.size();
        lines.accept(partial.toString(StandardCharsets.UTF_8));
        partial.reset();
    }

    private boolean truncated() throws IOException {
        if (channel == null) return false;
        long size = channel.size();
        if (size < offset + partial.size()) return true;
        return fingerprint.length > 0 && !Arrays.equals(fingerprint, readHead(fingerprint.length));
    }

    private byte[] readHead(int max) throws IOException {
        if (channel == null) return new byte[0];
        int len = (int) Math.min(max, channel.size());
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {}
        return Arrays.copyOf(b.array(), b.position());
    }

    private Path findByKey(String key) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Object k = keyOf(p);
                if (k != null && k.toString().equals(key) && Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }

    private static Object keyOf(Path p) {
        try {
            Object k = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
            return k != null ? k : "size-less:" + p.toAbsolutePath(); // platforms without inodes
        } catch (IOException e) {
            return null;
        }
    }

    private void closeChannel() throws IOException {
        if (channel != null) channel.close();
        channel = null;
    }

    @Override
    public void close() throws IOException {
        closeChannel();
    }
}

package org.mida.observers.emit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One append-only spill file: one stream entry per line (a JSON array of events), in the order the
 * events were emitted. The owner holds an exclusive lock on it for as long as it is open, so a file
 * that can be locked belongs to a process that is gone and may be replayed by anyone. Each append is
 * forced to disk before it returns. Not thread-safe: the emitter's flusher thread is its only user.
 */
final class SpillFile implements Closeable {

    static final String SUFFIX = ".spill.jsonl";
    private static final JsonFactory JSON = new JsonFactory();
    private static final int READ_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private long readOffset;

    private SpillFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates a new, locked spill file in {@code dir}; its name sorts after older ones. */
    static SpillFile create(Path dir, String prefix) throws IOException {
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(String.format(
                    "%s-%013d-%d-%d%s",
                    prefix,
                    System.currentTimeMillis(),
                    ProcessHandle.current().pid(),
                    System.nanoTime() & 0xffff,
                    SUFFIX));
            if (Files.exists(p) && attempt < 10) continue;
            FileChannel ch =
                    FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                throw new IOException("cannot lock new spill file " + p);
            }
            return new SpillFile(p, ch, l);
        }
    }

    /** Locks an existing spill file left by another emitter; empty if someone alive holds it. */
    static Optional<SpillFile> claim(Path p) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.NoSuchFileException gone) {
            return Optional.empty();
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException ownedHere) {
            l = null;
        }
        if (l == null) {
            ch.close();
            return Optional.empty();
        }
        return Optional.of(new SpillFile(p, ch, l));
    }

    /** The spill files in {@code dir}, oldest first. */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .sorted()
                    .toList();
        }
    }

    Path path() {
        return path;
    }

    /** Appends entries, one per line, and forces them to disk. */
    void append(List<String> entries) throws IOException {
        var sb = new StringBuilder();
        for (String e : entries) sb.append(e).append('\n');
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        long pos = channel.size();
        while (buf.hasRemaining()) pos += channel.write(buf, pos);
        channel.force(false);
    }

    /** {@link #append} of entries that are already UTF-8 bytes (the emitter's). */
    void appendBytes(List<byte[]> entries) throws IOException {
        int n = 0;
        for (byte[] e : entries) n += e.length + 1;
        ByteBuffer buf = ByteBuffer.allocate(n);
        for (byte[] e : entries) buf.put(e).put((byte) '\n');
        buf.flip();
        long pos = channel.size();
        while (buf.hasRemaining()) pos += channel.write(buf, pos);
        channel.force(false);
    }

    /** True when lines are written that were not yet {@linkplain #advance consumed}. */
    boolean hasPending() throws IOException {
        return readOffset < channel.size();
    }

    /** A line read by {@link #next}: the entry, its event count, and the offset just after it. */
    record Line(String entry, int events, long end) {}

    /**
     * Reads up to {@code maxLines} complete lines from the read offset without consuming them. A torn
     * last line (a write cut short by a crash) is returned as an entry of 0 events, so it gets skipped.
     */
    List<Line> next(int maxLines) throws IOException {
        var out = new ArrayList<Line>();
        long pos = readOffset;
        long size = channel.size();
        int chunk = READ_CHUNK;
        while (out.size() < maxLines && pos < size) {
            int len = (int) Math.min(chunk, size - pos);
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining() && channel.read(buf, pos + buf.position()) >= 0) {}
            byte[] bytes = buf.array();
            int start = 0;
            boolean any = false;
            for (int i = 0; i < bytes.length && out.size() < maxLines; i++) {
                if (bytes[i] != '\n') continue;
                String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                out.add(new Line(line, countEvents(line), pos + i + 1));
                start = i + 1;
                any = true;
            }
            if (!any) {
                if (pos + len >= size) { // no newline up to the end: a torn write
                    out.add(new Line("", 0, size));
                    break;
                }
                chunk *= 2; // a line longer than the chunk
                continue;
            }
            pos += start;
        }
        return out;
    }

    /** Marks everything up to {@code offset} as sent. */
    void advance(long offset) {
        readOffset = offset;
    }

    /** Empties the file once everything in it is sent, so it does not grow forever. */
    void reset() throws IOException {
        channel.truncate(0);
        channel.force(true);
        readOffset = 0;
    }

    /** How many events a line (a JSON array, or one object) holds; 0 when it is not valid JSON. */
    static int countEvents(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) return 1;
            if (t != JsonToken.START_ARRAY) return 0;
            int n = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) return 0;
                n++;
                p.skipChildren();
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) lock.release();
        } finally {
            channel.close();
        }
    }
}

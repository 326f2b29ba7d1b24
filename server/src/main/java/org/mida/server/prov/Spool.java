package org.mida.server.prov;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bytes written now and copied out later: kept in memory up to a threshold, then in a temporary file,
 * so a section of a very large export never has to fit in the heap. {@link #close()} deletes the file.
 */
final class Spool extends OutputStream {
    static final int MEMORY_LIMIT = 4 * 1024 * 1024;

    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (fileOut == null && memory.size() + len > MEMORY_LIMIT) {
            file = Files.createTempFile("mida-prov-", ".json");
            fileOut = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (fileOut != null) fileOut.write(b, off, len);
        else memory.write(b, off, len);
        size += len;
    }

    long size() {
        return size;
    }

    /** Copies everything written so far to {@code out}. */
    void copyTo(OutputStream out) throws IOException {
        if (fileOut == null) {
            memory.writeTo(out);
            return;
        }
        fileOut.flush();
        Files.copy(file, out);
    }

    @Override
    public void close() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            Files.deleteIfExists(file);
            fileOut = null;
        }
        memory = null;
    }
}

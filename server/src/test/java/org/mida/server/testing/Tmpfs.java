package org.mida.server.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small tmpfs as the full disk of the disk-full tests ({@code DiskFullIT}, {@code EmbeddedRedisFaultIT}):
 * mount it over a temp dir, {@link #fill} it, delete the filler to free it, unmount it. Needs Linux and
 * root (CI runs {@code .ci/run} as root); elsewhere {@link #mount} skips the calling test.
 *
 * <pre>{@code
 * Tmpfs.mount(dir, "64m");
 * try {
 *     long bytes = Tmpfs.fill(dir.resolve("filler"));
 *     ...
 * } finally {
 *     Tmpfs.unmount(dir);
 * }
 * }</pre>
 */
public final class Tmpfs {
    private static final Logger LOG = LoggerFactory.getLogger(Tmpfs.class);

    private Tmpfs() {}

    /** Mounts a tmpfs of {@code size} (e.g. {@code "64m"}, mode 0700) at {@code dir}; skips the test where that is not allowed. */
    public static void mount(Path dir, String size) throws Exception {
        Assumptions.assumeTrue(
                System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
                "needs Linux (tmpfs) to play a full disk");
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "needs root to mount a small tmpfs as the full disk (CI runs .ci/run as root)");
        var p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean done = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(
                done, () -> "cannot mount a tmpfs here (" + out.strip() + "): the disk-full test needs it");
    }

    /** Unmounts {@code dir} lazily (a process still holding a file there keeps it until it lets go). */
    public static void unmount(Path dir) {
        try {
            var p = new ProcessBuilder("umount", "-l", dir.toString())
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            LOG.warn("umount {}: {}", dir, e.toString());
        }
    }

    /** Writes zeros to {@code file} until its file system is full; returns the bytes written. */
    public static long fill(Path file) throws IOException {
        long n = 0;
        byte[] block = new byte[1 << 16];
        try (var out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                n += block.length;
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) throw full;
        }
        // the last partial block may have gone to the page cache only: take the rest in small writes
        try (var ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
            var one = ByteBuffer.allocate(4096);
            while (true) {
                one.clear();
                n += ch.write(one);
            }
        } catch (IOException full) {
            // full
        }
        return n;
    }
}

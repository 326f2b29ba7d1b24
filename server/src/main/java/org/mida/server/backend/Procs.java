package org.mida.server.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Small process and port helpers shared by the embedded backends. */
final class Procs {

    static final String LOOPBACK = "127.0.0.1";

    private Procs() {}

    /** A port that was free on 127.0.0.1 a moment ago. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /** Whether nothing listens on 127.0.0.1:port (TIME_WAIT leftovers do not count). */
    static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the process runs. Unlike {@link ProcessHandle#isAlive()}, a zombie (exited, not yet
     * reaped by its parent) counts as gone.
     */
    static boolean running(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.isReadable(stat)) {
            return true; // not Linux, or not ours to inspect
        }
        try {
            String s = Files.readString(stat, StandardCharsets.US_ASCII);
            int paren = s.lastIndexOf(')');
            if (paren < 0 || paren + 2 >= s.length()) {
                return true;
            }
            char state = s.charAt(paren + 2);
            return state != 'Z' && state != 'X' && state != 'x';
        } catch (IOException e) {
            return false; // vanished between the checks
        }
    }

    /** Waits until the process is gone; true if it is. */
    static boolean awaitExit(long pid, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (running(pid)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

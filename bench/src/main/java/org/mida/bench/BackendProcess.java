package org.mida.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@link BackendMain} as a child {@code java} process on a fixed dir and port; restartable. */
final class BackendProcess implements AutoCloseable {
    final String kind;
    final Path dir;
    final int port;
    private Process process;
    private String uri;

    BackendProcess(String kind, Path dir) throws IOException {
        this.kind = kind;
        this.dir = dir;
        this.port = BenchSupport.freePort();
    }

    /** Starts it and waits for its {@code ready} line; the seconds that took. */
    double start() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new ArrayList<>(List.of(javaBin, "-Xmx2g"));
        String logback = System.getProperty("logback.configurationFile");
        if (logback != null) cmd.add("-Dlogback.configurationFile=" + logback);
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                BackendMain.class.getName(),
                kind,
                dir.toString(),
                String.valueOf(port)));
        Path log = dir.resolveSibling(dir.getFileName() + "-" + kind + ".log");
        process = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("ready "))
            throw new IllegalStateException(kind + " did not start (" + line + "); see " + log + ":\n"
                    + String.join("\n", Files.readAllLines(log)));
        uri = line.substring("ready ".length()).trim();
        return (System.nanoTime() - t0) / 1e9;
    }

    String uri() {
        return uri;
    }

    /** The generated password the backend keeps in its dir. */
    String password() throws IOException {
        return Files.readString(dir.resolve("password"), StandardCharsets.UTF_8).strip();
    }

    /** {@code redis://:PASSWORD@127.0.0.1:PORT} for a Redis backend. */
    String redisUriWithPassword() throws IOException {
        return "redis://:" + password() + "@127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        try {
            process.getOutputStream().close(); // stdin EOF: a graceful stop
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill9();
    }
}

package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python interpreter with the real peers (MLflow, Flowcept) that the observer ITs drive. Found
 * from the system property {@code mida.test.python}, the environment variable {@code
 * MIDA_TEST_PYTHON} (set by {@code .ci/run}), or {@code .venv/mida-ci/bin/python} in the repository.
 * When none has the modules: the test FAILS under CI ({@code CI=true}) and is skipped otherwise.
 */
public final class PythonPeers {

    private PythonPeers() {}

    /** A python that can import every module in {@code modules}, or a failed/aborted test. */
    public static Path require(String... modules) {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("mida.test.python");
        if (prop != null && !prop.isBlank()) candidates.add(Path.of(prop));
        String env = System.getenv("MIDA_TEST_PYTHON");
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        Path root = repoRoot();
        if (root != null) candidates.add(root.resolve(".venv/mida-ci/bin/python"));
        var tried = new ArrayList<String>();
        for (Path p : candidates) {
            if (!Files.isExecutable(p)) {
                tried.add(p + " (missing)");
                continue;
            }
            String imports = "import " + String.join(", ", modules);
            Result r = run(p, List.of("-c", imports), null, Map.of(), 120);
            if (r.exit() == 0) return p;
            tried.add(p + " (" + lastLine(r.output()) + ")");
        }
        String msg = "no Python with " + String.join(", ", modules) + " for this test; run the python-peers block of"
                + " .ci/run or set MIDA_TEST_PYTHON. Tried: " + tried;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(msg);
        Assumptions.abort(msg);
        return null;
    }

    /**
     * A python from a venv of its own (for peers whose pins clash with {@code .venv/mida-ci}, e.g.
     * Flowcept's Dask plugin, which needs dask &lt;= 2024.10): the system property {@code
     * mida.test.<name>.python}, the environment variable {@code envVar}, or {@code .venv/<name>/bin/python}
     * in the repository ({@code .ci/run} installs it). Fails under CI, aborts otherwise, like {@link
     * #require}.
     */
    public static Path requireVenv(String name, String envVar, String... modules) {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("mida.test." + name + ".python");
        if (prop != null && !prop.isBlank()) candidates.add(Path.of(prop));
        String env = System.getenv(envVar);
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        Path root = repoRoot();
        if (root != null) candidates.add(root.resolve(".venv/" + name + "/bin/python"));
        var tried = new ArrayList<String>();
        for (Path p : candidates) {
            if (!Files.isExecutable(p)) {
                tried.add(p + " (missing)");
                continue;
            }
            Result r = run(p, List.of("-c", "import " + String.join(", ", modules)), null, Map.of(), 120);
            if (r.exit() == 0) return p;
            tried.add(p + " (" + lastLine(r.output()) + ")");
        }
        String msg = "no Python with " + String.join(", ", modules) + " in .venv/" + name + "; run the python-peers"
                + " block of .ci/run or set " + envVar + ". Tried: " + tried;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(msg);
        Assumptions.abort(msg);
        return null;
    }

    /** Copies a script from the test resources ({@code python/<name>}) into {@code dir}. */
    public static Path script(String name, Path dir) {
        try (InputStream in = PythonPeers.class.getResourceAsStream("/python/" + name)) {
            assertThat(in).as("test resource python/" + name).isNotNull();
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public record Result(int exit, String output) {}

    /** Runs python with args in {@code workDir} (null: current), merging stderr into the output. */
    public static Result run(
            Path python, List<String> args, Path workDir, Map<String, String> env, int timeoutSeconds) {
        var cmd = new ArrayList<String>();
        cmd.add(python.toString());
        cmd.addAll(args);
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (workDir != null) pb.directory(workDir.toFile());
        pb.environment().putAll(env);
        try {
            Path log = Files.createTempFile("mida-python", ".log");
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd + "\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Like {@link #run} but fails the test on a non-zero exit. */
    public static String runOk(
            Path python, List<String> args, Path workDir, Map<String, String> env, int timeoutSeconds) {
        Result r = run(python, args, workDir, env, timeoutSeconds);
        if (r.exit() != 0) throw new AssertionError("python " + args + " exited " + r.exit() + ":\n" + r.output());
        return r.output();
    }

    private static String lastLine(String s) {
        String t = s.strip();
        int i = t.lastIndexOf('\n');
        return i >= 0 ? t.substring(i + 1) : t;
    }

    private static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (; p != null; p = p.getParent()) if (Files.isDirectory(p.resolve(".ci"))) return p;
        return null;
    }
}

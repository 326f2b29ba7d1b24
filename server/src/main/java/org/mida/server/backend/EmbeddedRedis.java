package org.mida.server.backend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A redis-server child process, run from the binary shipped in the embedded-redis jar, listening on
 * {@code 127.0.0.1} only, with an append-only file in its directory.
 *
 * <p>Closed to other local users (binding to loopback does not stop them): its directory is {@code
 * 0700}; it requires the password kept in {@code dir/password} ({@code 0600}, generated at first
 * start, see {@link Secrets}), given to redis-server in {@code dir/redis.conf} ({@code 0600}) rather
 * than on the command line, where {@code ps} would show it; and the commands that reach the file
 * system, the configuration or other servers ({@link #DISABLED_COMMANDS}) are renamed away, so even
 * a client holding the password cannot make redis-server write a file elsewhere. It is stopped with
 * SIGTERM (which flushes the append-only file like SHUTDOWN).
 *
 * <p>It is never left behind: {@link #close()} and a JVM shutdown hook stop it, and on Unix it runs
 * under a small {@code /bin/sh} watchdog that kills it within about a second once this JVM is gone
 * (even after {@code kill -9}). Its pid is kept in {@code dir/redis.pid}; a live redis-server left
 * there by a crashed run is stopped before a new one starts.
 *
 * <p>It is supervised: when redis-server exits while this object is open (a crash, an out-of-memory
 * kill, {@code kill -9}), it is started again with the same configuration, password, port and
 * directory, after 0.5 s and then with a backoff doubling up to 30 s while it keeps failing or keeps dying
 * within {@link #STABLE_MS} of its start. Before each start it waits until the file system of its
 * directory has {@link #FREE_SPACE_WANTED} free (logged once; with {@code appendfsync always} a redis-server
 * exits on its first failed AOF write, so on a full disk it would otherwise die again at once). A
 * redis-server loading its append-only file answers {@code LOADING} to PING: it is starting, not dead,
 * and is waited for as long as it keeps loading. What
 * survives is what its append-only file holds: with {@code appendfsync always} (the default, {@link
 * Fsync#ALWAYS}) every write Redis acknowledged, with {@link Fsync#EVERYSEC} all but the last second or
 * so. {@link #state()} says whether it is up, restarting, and how often it was restarted.
 *
 * <p>Its memory is bounded when a {@code maxmemory} is given: {@code maxmemory-policy noeviction}, so a
 * full Redis refuses writes with an {@code OOM} error (the observers buffer and spill them, {@code POST
 * /api/events} answers 503) instead of silently evicting events.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);

    private static final long START_TIMEOUT_MILLIS = 10_000;
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    /**
     * The watchdog. Arguments: jvm pid, pid file, then the redis-server command line. It starts
     * redis-server in the background, records its pid, and a watcher subshell polls the JVM every
     * 0.25 s: once the JVM is gone it sends SIGTERM to redis-server, then SIGKILL after 5 s. The main
     * shell waits for redis-server and passes SIGTERM/SIGINT/SIGHUP on to it.
     */
    private static final String WATCHDOG = String.join(
            "\n",
            "jvm=$1; pidfile=$2; shift 2",
            "\"$@\" </dev/null &",
            "r=$!",
            "echo \"$r\" > \"$pidfile.tmp\" && mv -f \"$pidfile.tmp\" \"$pidfile\"",
            "(",
            "  while kill -0 \"$jvm\" 2>/dev/null && kill -0 \"$r\" 2>/dev/null; do sleep 0.25; done",
            "  if kill -0 \"$r\" 2>/dev/null; then",
            "    kill -TERM \"$r\" 2>/dev/null; i=0",
            "    while kill -0 \"$r\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done",
            "    kill -KILL \"$r\" 2>/dev/null",
            "  fi",
            ") </dev/null >/dev/null 2>&1 &",
            "w=$!",
            "trap 'kill -TERM \"$r\" 2>/dev/null' TERM INT HUP",
            "wait \"$r\"; s=$?",
            "while kill -0 \"$r\" 2>/dev/null; do wait \"$r\"; s=$?; done",
            "kill \"$w\" 2>/dev/null",
            "exit $s",
            "");

    /**
     * Commands disabled with {@code rename-command X ""}: they change the configuration (CONFIG SET dir
     * + dbfilename + SAVE writes an attacker-chosen file), write snapshots, load code, talk to other
     * servers or stop the server.
     */
    public static final List<String> DISABLED_COMMANDS = List.of(
            "CONFIG",
            "DEBUG",
            "MODULE",
            "SHUTDOWN",
            "REPLICAOF",
            "SLAVEOF",
            "SYNC",
            "PSYNC",
            "MIGRATE",
            "SAVE",
            "BGSAVE",
            "BGREWRITEAOF",
            "MONITOR");

    /** Only in Redis 6 (not in the Windows build, 5.0). */
    private static final List<String> DISABLED_COMMANDS_6 = List.of("ACL", "FAILOVER");

    /** The password file in the Redis directory. */
    public static final String PASSWORD_FILE = "password";

    /** When the append-only file is flushed to disk: what a {@code kill -9} of redis-server can lose. */
    public enum Fsync {
        /** Before every reply: an acknowledged write survives a crash of redis-server. */
        ALWAYS("always"),
        /** Once a second: a crash may lose the last second or so of acknowledged writes. */
        EVERYSEC("everysec");

        final String value;

        Fsync(String value) {
            this.value = value;
        }
    }

    /**
     * What the embedded Redis is doing: {@code up}, {@code restarting}, {@code waiting for free disk
     * space} or {@code starting (loading its append-only file)}; how many times it was restarted, and the
     * latest exit (status and time, ISO-8601), null before any.
     */
    public record State(String state, int restarts, String lastExit) {}

    private static final long RESTART_FIRST_MS = 500;
    private static final long RESTART_MAX_MS = 30_000;
    /** A redis-server that ran this long before it died is restarted after the first backoff again. */
    static final long STABLE_MS = 10_000;
    /** Free space wanted on the file system of the data dir before redis-server is started again. */
    static final long FREE_SPACE_WANTED = 16L << 20;

    private static final long SPACE_POLL_FIRST_MS = 250;
    private static final long SPACE_POLL_MAX_MS = 5_000;

    private final Path dir;
    private final int port;
    private final String password;
    private final List<String> command;
    private final Path log;
    private final boolean watchdog;
    private volatile Process process;
    private volatile long redisPid;
    private volatile State state = new State("up", 0, null);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private final Thread supervisor;

    private EmbeddedRedis(
            Path dir,
            int port,
            String password,
            List<String> command,
            Path log,
            boolean watchdog,
            Process process,
            long redisPid) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.command = List.copyOf(command);
        this.log = log;
        this.watchdog = watchdog;
        this.process = process;
        this.redisPid = redisPid;
        this.shutdownHook = new Thread(this::stop, "mida-redis-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.supervisor = new Thread(this::supervise, "mida-redis-supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    /**
     * Starts redis-server with its files (binary, AOF, log, pid file) under {@code dir}, no memory bound
     * and {@code appendfsync always}.
     *
     * @param port the port on 127.0.0.1; 0 picks a free one
     * @throws IllegalStateException if it does not answer PING within 10 s
     */
    public static EmbeddedRedis start(Path dir, int port) {
        return start(dir, port, 0, Fsync.ALWAYS);
    }

    /**
     * Starts redis-server with its files (binary, AOF, log, pid file) under {@code dir}.
     *
     * @param port the port on 127.0.0.1; 0 picks a free one
     * @param maxMemoryBytes {@code maxmemory} with {@code noeviction}; 0 = no bound
     * @param fsync when the append-only file is flushed
     * @throws IllegalStateException if it does not answer PING within 10 s
     */
    public static EmbeddedRedis start(Path dir, int port, long maxMemoryBytes, Fsync fsync) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        long t0 = System.nanoTime();
        Path home = dir.toAbsolutePath().normalize();
        Path log = home.resolve("redis.log");
        Path pidFile = home.resolve("redis.pid");
        Path conf = home.resolve("redis.conf");
        Path binary;
        String password;
        try {
            Secrets.privateDir(home);
            Files.createDirectories(home.resolve("bin"));
            binary = extractBinary(home.resolve("bin"));
            password = Secrets.password(home.resolve(PASSWORD_FILE));
            Secrets.writePrivate(conf, config(password, maxMemoryBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare redis-server in " + home, e);
        }
        boolean stoppedStale = stopStale(pidFile);

        int chosen = port == 0 ? Procs.freePort() : port;
        // after stopping a stale server, give the kernel a moment to release its port
        long portDeadline = System.nanoTime() + (stoppedStale ? START_TIMEOUT_MILLIS : 0) * 1_000_000;
        while (!Procs.portFree(chosen)) {
            if (System.nanoTime() - portDeadline >= 0) {
                throw new IllegalStateException(
                        "cannot start redis-server: port 127.0.0.1:" + chosen + " is already in use");
            }
            Procs.sleep(100);
        }

        List<String> redisCommand = List.of(
                binary.toString(),
                conf.toString(),
                "--bind",
                Procs.LOOPBACK,
                "--port",
                Integer.toString(chosen),
                "--dir",
                home.toString(),
                "--appendonly",
                "yes",
                "--appendfsync",
                fsync.value,
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
                "--logfile",
                log.toString());
        List<String> command = new ArrayList<>();
        boolean watchdog = !isWindows();
        if (watchdog) {
            command.addAll(List.of(
                    "/bin/sh",
                    "-c",
                    WATCHDOG,
                    "mida-redis-watchdog",
                    Long.toString(ProcessHandle.current().pid()),
                    pidFile.toString()));
        }
        command.addAll(redisCommand);
        Child child = spawn(
                command,
                home,
                log,
                chosen,
                password,
                watchdog,
                () -> LOG.info("redis-server is loading its append-only file in {}; waiting for it", home));
        EmbeddedRedis redis =
                new EmbeddedRedis(home, chosen, password, command, log, watchdog, child.process(), child.pid());
        LOG.info(
                "Embedded Redis started in {} ms: pid {}, redis://127.0.0.1:{} (password in {}), data in {}",
                (System.nanoTime() - t0) / 1_000_000,
                child.pid(),
                chosen,
                home.resolve(PASSWORD_FILE),
                home);
        return redis;
    }

    private record Child(Process process, long pid) {}

    /** Runs the command (the watchdog and redis-server) and waits until redis-server answers PING. */
    private static Child spawn(
            List<String> command,
            Path home,
            Path log,
            int chosen,
            String password,
            boolean watchdog,
            Runnable onLoading) {
        Path pidFile = home.resolve("redis.pid");
        Path binary = Path.of(command.get(watchdog ? 6 : 0));

        Process process;
        try {
            Files.deleteIfExists(pidFile);
            process = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }

        long redisPid = -1;
        String lastReply = null;
        boolean loading = false;
        long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000;
        try {
            if (!watchdog) {
                redisPid = process.pid();
                Files.writeString(pidFile, redisPid + "\n");
            }
            while (true) {
                if (redisPid < 0) {
                    redisPid = readPid(pidFile).orElse(-1L);
                }
                if (redisPid > 0) {
                    try {
                        lastReply = command(chosen, 500, password, "PING");
                    } catch (IOException notYet) {
                        lastReply = notYet.toString();
                    }
                    if ("+PONG".equals(lastReply)) {
                        break;
                    }
                    // loading its append-only file: alive and busy; wait as long as it keeps loading
                    if (lastReply != null && lastReply.startsWith("-LOADING")) {
                        if (!loading) onLoading.run();
                        loading = true;
                        deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000;
                    }
                }
                if (!process.isAlive() || (redisPid > 0 && !Procs.running(redisPid))) {
                    throw new IllegalStateException("redis-server exited during start-up (exit status "
                            + (process.isAlive() ? "unknown" : process.exitValue()) + ")");
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("redis-server did not answer PING on 127.0.0.1:" + chosen
                            + " within " + START_TIMEOUT_MILLIS / 1000 + " s (last reply: " + lastReply + ")");
                }
                Procs.sleep(50);
            }
        } catch (IOException | RuntimeException e) {
            kill(process, redisPid);
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + log + " ---\n" + tail(log, 30), e);
        }
        return new Child(process, redisPid);
    }

    /** The redis.conf lines: the password and the disabled commands. */
    private static String config(String password, long maxMemoryBytes) {
        var sb = new StringBuilder("# written by MIDA at every start; edit MIDA's settings, not this file\n");
        sb.append("requirepass ").append(password).append('\n');
        if (maxMemoryBytes > 0) {
            // a full Redis refuses writes (OOM error) rather than evicting events nobody has read yet
            sb.append("maxmemory ").append(maxMemoryBytes).append('\n');
            sb.append("maxmemory-policy noeviction\n");
        }
        List<String> disabled = new ArrayList<>(DISABLED_COMMANDS);
        if (!isWindows()) disabled.addAll(DISABLED_COMMANDS_6);
        for (String c : disabled) sb.append("rename-command ").append(c).append(" \"\"\n");
        return sb.toString();
    }

    /**
     * {@code redis://:PASSWORD@127.0.0.1:PORT}: the URI clients connect with. It holds the password:
     * do not log it (see {@link #uriWithoutPassword()}).
     */
    public String uri() {
        return "redis://:" + password + "@127.0.0.1:" + port;
    }

    /** {@code redis://127.0.0.1:PORT}, for logs. */
    public String uriWithoutPassword() {
        return "redis://127.0.0.1:" + port;
    }

    /** The password clients must give (AUTH), kept in {@code dir/password}. */
    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** The redis-server process id (not the watchdog's). */
    public long pid() {
        return redisPid;
    }

    public Path dir() {
        return dir;
    }

    /** Up or restarting, and how often it was restarted (thread-safe). */
    public State state() {
        return state;
    }

    /**
     * Waits for redis-server to exit; unless this object was closed, starts it again (same command:
     * config, password, port, directory) once the disk has room, with a backoff while it fails to start
     * or dies soon after starting.
     */
    private void supervise() {
        long backoff = RESTART_FIRST_MS;
        long upSince = System.nanoTime();
        while (!closed.get()) {
            try {
                // the watchdog shell exits with redis-server (or it is redis-server, on Windows)
                process.waitFor();
            } catch (InterruptedException e) {
                return;
            }
            if (closed.get()) return;
            if ((System.nanoTime() - upSince) / 1_000_000 >= STABLE_MS) backoff = RESTART_FIRST_MS;
            int status = process.exitValue();
            String exit = "exit status " + status + " at " + java.time.Instant.now();
            state = new State("restarting", state.restarts(), exit);
            LOG.warn(
                    "redis-server (pid {}) died ({}); restarting it in {} ms with the same configuration and data"
                            + " dir\n--- tail of {} ---\n{}",
                    redisPid,
                    exit,
                    backoff,
                    log,
                    tail(log, 10));
            while (!closed.get()) {
                if (!awaitFreeSpace(exit)) return;
                Procs.sleep(backoff);
                if (closed.get()) return;
                try {
                    synchronized (this) {
                        if (closed.get()) return;
                        Child child = spawn(command, dir, log, port, password, watchdog, () -> {
                            state = new State("starting (loading its append-only file)", state.restarts(), exit);
                            LOG.info("restarted redis-server is loading its append-only file; waiting for it");
                        });
                        process = child.process();
                        redisPid = child.pid();
                    }
                    state = new State("up", state.restarts() + 1, exit);
                    upSince = System.nanoTime();
                    LOG.warn(
                            "redis-server restarted: pid {} on 127.0.0.1:{} (restart {})",
                            redisPid,
                            port,
                            state.restarts());
                    // if it dies again within STABLE_MS, the next restart waits longer
                    backoff = Math.min(backoff * 2, RESTART_MAX_MS);
                    break;
                } catch (RuntimeException e) {
                    backoff = Math.min(backoff * 2, RESTART_MAX_MS);
                    LOG.error("redis-server did not restart ({}); trying again in {} ms", e.getMessage(), backoff);
                }
            }
        }
    }

    /**
     * Waits until the file system of the data dir has {@link #FREE_SPACE_WANTED} free, polling with a
     * backoff from 0.25 s to 5 s; logs once when it starts waiting and once when it ends. False when this
     * object was closed meanwhile.
     */
    private boolean awaitFreeSpace(String exit) {
        long poll = SPACE_POLL_FIRST_MS;
        boolean waiting = false;
        while (!closed.get()) {
            long free = usableSpace(dir);
            if (free < 0 || free >= FREE_SPACE_WANTED) {
                if (waiting) {
                    state = new State("restarting", state.restarts(), exit);
                    LOG.warn("{} bytes free in {} again; restarting redis-server", free, dir);
                }
                return true;
            }
            if (!waiting) {
                waiting = true;
                state = new State("waiting for free disk space", state.restarts(), exit);
                LOG.warn(
                        "not restarting redis-server: only {} bytes free in {} (wants {}); waiting for free space",
                        free,
                        dir,
                        FREE_SPACE_WANTED);
            }
            Procs.sleep(poll);
            poll = Math.min(poll * 2, SPACE_POLL_MAX_MS);
        }
        return false;
    }

    /** Usable bytes on the file system holding {@code dir}, or -1 when that cannot be told. */
    static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Leaves stopping this on JVM exit to an owner that closes it in order from a shutdown hook of its own
     * (the server: HTTP and the ingest before the backends). Without this, this object's own hook runs at
     * the same time as the owner's and stops the redis-server under an ingest still writing.
     */
    public void leaveShutdownToOwner() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already; the hook runs (or ran) anyway
        }
    }

    /** Stops redis-server (SIGTERM, which flushes the AOF like SHUTDOWN); idempotent. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting; the hook runs (or ran) anyway
        }
    }

    // synchronized: a second caller (e.g. the shutdown hook) waits until the first one is done
    private synchronized void stop() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        supervisor.interrupt();
        long t0 = System.nanoTime();
        // SHUTDOWN is disabled (any client could stop the server): SIGTERM, which redis-server
        // handles the same way (flushes the append-only file, then exits)
        ProcessHandle.of(redisPid).ifPresent(ProcessHandle::destroy);
        boolean stopped = Procs.awaitExit(redisPid, STOP_TIMEOUT_MILLIS);
        if (!stopped) {
            LOG.warn(
                    "redis-server (pid {}) did not stop within {} s; killing it", redisPid, STOP_TIMEOUT_MILLIS / 1000);
        }
        try {
            if (!stopped || !process.waitFor(2, TimeUnit.SECONDS)) {
                kill(process, redisPid);
                process.waitFor(2, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(dir.resolve("redis.pid"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process, redisPid);
        } catch (IOException e) {
            LOG.debug("cannot delete redis.pid", e);
        }
        LOG.info("Embedded Redis stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static void kill(Process process, long redisPid) {
        if (redisPid > 0 && Procs.running(redisPid)) {
            ProcessHandle.of(redisPid).ifPresent(ProcessHandle::destroyForcibly);
            Procs.awaitExit(redisPid, 2_000);
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** Stops a redis-server recorded in the pid file by an earlier run that did not clean up. */
    private static boolean stopStale(Path pidFile) {
        Optional<Long> pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get()).filter(h -> Procs.running(h.pid()));
        boolean isRedis = handle.flatMap(h -> h.info().command())
                .map(c -> c.contains("redis-server"))
                .orElse(false);
        boolean stale = handle.isPresent() && isRedis;
        if (stale) {
            LOG.warn("Stopping redis-server (pid {}) left running by a previous run", pid.get());
            handle.get().destroy();
            if (!Procs.awaitExit(pid.get(), STOP_TIMEOUT_MILLIS)) {
                handle.get().destroyForcibly();
                if (!Procs.awaitExit(pid.get(), STOP_TIMEOUT_MILLIS)) {
                    throw new IllegalStateException("cannot stop stale redis-server, pid " + pid.get());
                }
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stale;
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            String s = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Copies the platform's redis-server out of the classpath, unless an equal-sized copy is there. */
    private static Path extractBinary(Path binDir) throws IOException {
        String resource = binaryResource();
        URL url = EmbeddedRedis.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException(
                    "redis-server binary " + resource + " not on the classpath (embedded-redis jar missing?)");
        }
        Path target = binDir.resolve(isWindows() ? "redis-server.exe" : "redis-server");
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false);
        long size = connection.getContentLengthLong();
        try (InputStream in = connection.getInputStream()) {
            if (size < 0 || !Files.isRegularFile(target) || Files.size(target) != size) {
                Path tmp = Files.createTempFile(binDir, "redis-server", ".tmp");
                try {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
                LOG.debug("Extracted {} to {}", resource, target);
            }
        }
        if (!isWindows()) {
            try {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException e) {
                target.toFile().setExecutable(true);
            }
        }
        return target;
    }

    /** The resource name of the redis-server build for this OS and CPU. */
    static String binaryResource() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        boolean x86 = arch.equals("x86") || arch.equals("i386") || arch.equals("i686");
        if (os.contains("linux")) {
            if (x64) return "redis-server-6.2.6-v5-linux-amd64";
            if (arm64) return "redis-server-6.2.7-linux-arm64";
            if (x86) return "redis-server-6.2.7-linux-386";
        } else if (os.contains("mac") || os.contains("darwin")) {
            if (x64) return "redis-server-6.2.6-v5-darwin-amd64";
            if (arm64) return "redis-server-6.2.6-v5-darwin-arm64";
        } else if (os.contains("windows") && x64) {
            return "redis-server-5.0.14.1-windows-amd64.exe";
        }
        throw new IllegalStateException(
                "no embedded redis-server for " + os + "/" + arch + "; run Redis yourself and set MIDA_REDIS_URI");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows");
    }

    /**
     * Sends one command as RESP (after AUTH when {@code password} is not null) and returns the first
     * line of its reply, or null if the server closed the connection without answering.
     */
    static String command(int port, int timeoutMillis, String password, String... args) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Procs.LOOPBACK, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (password != null) {
                out.write(resp("AUTH", password));
                out.flush();
                String auth = readLine(in);
                if (!"+OK".equals(auth)) {
                    return auth;
                }
            }
            out.write(resp(args));
            out.flush();
            return readLine(in);
        }
    }

    private static byte[] resp(String... args) {
        StringBuilder request =
                new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        return request.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    static String tail(Path file, int lines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - 8192);
            byte[] buf = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(buf);
            String[] all = new String(buf, StandardCharsets.UTF_8).split("\r?\n");
            int start = Math.max(0, all.length - lines);
            return String.join("\n", java.util.Arrays.asList(all).subList(start, all.length));
        } catch (IOException e) {
            return "(" + file + " not readable: " + e.getMessage() + ")";
        }
    }
}

package org.mida.server.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.graphdb.event.DatabaseEventContext;
import org.neo4j.graphdb.event.DatabaseEventListenerAdapter;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.kernel.impl.transaction.log.files.LogFiles;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.monitoring.ExceptionalDatabaseEvent;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.FileUserRepository;
import org.neo4j.storageengine.api.TransactionIdStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neo4j Community running inside this JVM, reachable over Bolt on {@code 127.0.0.1} only, with
 * authentication: user {@code neo4j}, the password kept in {@code home/password} ({@code 0600},
 * generated at first start, see {@link Secrets}). The store and Neo4j's own logs live under the home
 * directory given to {@link #start(Path, int, String)}, made {@code 0700}.
 *
 * <p>A new store gets the password before Neo4j first starts (the initial-user file that {@code
 * neo4j-admin dbms set-initial-password} writes), so Bolt never accepts the default {@code
 * neo4j/neo4j}; at every start the password is also set in the system database from inside the JVM
 * (a store made without authentication, or a password file replaced to rotate it, takes the file's
 * password).
 *
 * <p>It heals itself after a panic (issue 14, item 4). Neo4j "panics" when it cannot write its
 * transaction log or store files (a full disk, an I/O error): every later transaction fails with "The
 * database has encountered a critical error, and needs to be restarted", and Community Edition cannot
 * restart one database ({@code STOP/START DATABASE} are Enterprise commands), so a supervisor thread
 * restarts the whole DBMS in this JVM: it waits until the store's file system has free space again
 * (closing a database on a full disk spins until its pages can be flushed), shuts the panicked DBMS
 * down, cuts the torn end off the transaction log (see {@link #cutTornTail}), and starts it again
 * with the same settings, Bolt port and password, so the driver reconnects by itself; Neo4j's
 * recovery replays the log. While it fails it retries with a backoff from 1 s to 30 s. {@link
 * #state()} tells what it is doing.
 */
public final class EmbeddedNeo4j implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedNeo4j.class);

    /** Size-based transaction log retention (the default keeps two days of logs). */
    public static final String TX_LOG_RETENTION = "256M size";

    private static final String INTERNAL_SETTINGS = "org.neo4j.configuration.GraphDatabaseInternalSettings";

    /** The password file in the Neo4j home. */
    public static final String PASSWORD_FILE = "password";

    /** The Neo4j user the server connects as. */
    public static final String USER = "neo4j";

    private static final long RESTART_FIRST_MS = 1_000;
    private static final long RESTART_MAX_MS = 30_000;
    /** Free space wanted on the store's file system before a panicked DBMS is closed and restarted. */
    static final long FREE_SPACE_WANTED = 64L << 20;

    /**
     * What the embedded Neo4j is doing: {@code up}, {@code panicked} (a database reported a critical
     * error; the restart is about to begin), {@code waiting for free disk space} or {@code restarting};
     * how many times it was restarted after a panic; the latest panic (database, time ISO-8601, cause)
     * and when the latest restart succeeded (null before any).
     */
    public record State(String state, int restarts, String lastPanic, String recoveredAt) {}

    /** Where a panicked database's transaction log ends: all complete transactions end at or before. */
    record LogTail(String database, Path logDir, long version, long offset) {}

    private final Path homeDir;
    private final int boltPort;
    private final String password;
    private final String pageCache;
    private final long txMaxMemory;
    private volatile DatabaseManagementService service;
    private volatile State state = new State("up", 0, null, null);
    private final Map<String, LogTail> tails = new java.util.concurrent.ConcurrentHashMap<>();
    private final Semaphore panics = new Semaphore(0);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private final Thread supervisor;

    private EmbeddedNeo4j(
            Path homeDir,
            int boltPort,
            String password,
            String pageCache,
            long txMaxMemory,
            DatabaseManagementService service) {
        this.homeDir = homeDir;
        this.boltPort = boltPort;
        this.password = password;
        this.pageCache = pageCache;
        this.txMaxMemory = txMaxMemory;
        this.service = service;
        watch(service);
        this.shutdownHook = new Thread(this::shutdown, "mida-neo4j-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.supervisor = new Thread(this::supervise, "mida-neo4j-supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    /** Starts Neo4j with Neo4j's default page cache size; {@code boltPort} 0 picks a free port. */
    public static EmbeddedNeo4j start(Path homeDir, int boltPort) {
        return start(homeDir, boltPort, null);
    }

    /** Starts Neo4j with the {@link #defaultTxMaxMemory default} per-transaction memory limit. */
    public static EmbeddedNeo4j start(Path homeDir, int boltPort, String pageCache) {
        return start(homeDir, boltPort, pageCache, defaultTxMaxMemory());
    }

    /**
     * The default per-transaction memory limit: half the JVM's heap (Neo4j shares it with the server), at
     * least 64 MiB. The ingest's write transactions count too: a 5,000-event batch of 16 KB events needed
     * more than 512 MiB ({@code TransactionMemoryIT}); Neo4j's own pool for all transactions together
     * ({@code dbms.memory.transaction.total.max}) is 70 % of the heap.
     */
    public static long defaultTxMaxMemory() {
        return Math.max(TX_MAX_MEMORY_MIN, Runtime.getRuntime().maxMemory() / 2);
    }

    private static final long TX_MAX_MEMORY_MIN = 64L << 20;

    /**
     * Starts Neo4j with its store under {@code homeDir}.
     *
     * @param boltPort the Bolt port on 127.0.0.1; 0 picks a free one
     * @param pageCache page cache size in Neo4j syntax (e.g. {@code "512m"}, {@code "2g"}); null keeps
     *     Neo4j's default
     * @param txMaxMemory the most heap one transaction may use ({@code db.memory.transaction.max}), in
     *     bytes; 0 for no limit. A query that would use more (a huge {@code collect}, sort or distinct)
     *     fails with {@code Neo.ClientError.General.TransactionOutOfMemoryError} instead of exhausting the
     *     heap this JVM shares with the server. Neo4j tracks the memory of its operators, not of values an
     *     expression builds ({@code reduce}, list comprehensions): see docs/SECURITY.md.
     */
    public static EmbeddedNeo4j start(Path homeDir, int boltPort, String pageCache, long txMaxMemory) {
        if (txMaxMemory < 0) throw new IllegalArgumentException("txMaxMemory must not be negative: " + txMaxMemory);
        if (boltPort < 0 || boltPort > 65535) {
            throw new IllegalArgumentException("boltPort out of range: " + boltPort);
        }
        Path home = homeDir.toAbsolutePath().normalize();
        String password;
        try {
            Secrets.privateDir(home);
            Files.createDirectories(home.resolve("logs"));
            password = Secrets.password(home.resolve(PASSWORD_FILE));
            seedInitialPassword(home, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Neo4j home " + home, e);
        }
        int port = boltPort == 0 ? Procs.freePort() : boltPort;
        if (!Procs.portFree(port)) {
            throw new IllegalStateException("cannot start Neo4j: Bolt port 127.0.0.1:" + port + " is already in use");
        }
        long t0 = System.nanoTime();
        DatabaseManagementService service = build(home, port, password, pageCache, txMaxMemory);
        EmbeddedNeo4j neo4j = new EmbeddedNeo4j(home, port, password, pageCache, txMaxMemory, service);
        LOG.info(
                "Embedded Neo4j started in {} ms: store {}, Bolt {}, transaction memory limit {} MiB",
                (System.nanoTime() - t0) / 1_000_000,
                home,
                neo4j.boltUri(),
                txMaxMemory >> 20);
        return neo4j;
    }

    /** Builds (starts) the DBMS with MIDA's settings and sets the password; used at start and restarts. */
    private static DatabaseManagementService build(
            Path home, int port, String password, String pageCache, long txMaxMemory) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, TX_LOG_RETENTION)
                // Preallocation needs Neo4j's native access, which an embedded JVM without --add-opens
                // does not give ("Incorrect file descriptor", a warning per log file); with it, a disk
                // with less free space than one log file (256 MiB) turns the database read-only at
                // start. Off, a full disk behaves the same everywhere: a panic that the supervisor heals.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.memory_transaction_max_size, txMaxMemory);
        if (pageCache != null && !pageCache.isBlank()) {
            builder.setConfig(
                    GraphDatabaseSettings.pagecache_memory, SettingValueParsers.BYTES.parse(pageCache.trim()));
        }
        // Internal settings: without them closing takes ~10 s (Netty's quiet period).
        setInternal(builder, "netty_server_shutdown_quiet_period", 0);
        setInternal(builder, "netty_server_shutdown_timeout", Duration.ofSeconds(1));
        // -Dmida.neo4j.expressionEngine=INTERPRETED|COMPILED|ONLY_WHEN_HOT: Cypher's expression engine (Neo4j's
        // default compiles an expression to bytecode once hot; each database's plans then have classes of their
        // own for the JIT to compile again), for benchmarks side by side
        String engine = System.getProperty(EXPRESSION_ENGINE_PROPERTY, "").strip();
        Object value = engine.isEmpty() ? null : internalEnum("CypherExpressionEngine", engine);
        if (value != null) {
            setInternal(builder, "cypher_expression_engine", value);
            LOG.info("Neo4j internal setting cypher_expression_engine = {}", value);
        }

        DatabaseManagementService service = builder.build();
        try {
            setPassword(service, password);
        } catch (RuntimeException e) {
            service.shutdown();
            throw e;
        }
        return service;
    }

    /**
     * Before the first start of a new store: the initial user {@code neo4j} with {@code password},
     * in {@code data/dbms/auth.ini}, which Neo4j reads when it creates the system database.
     */
    private static void seedInitialPassword(Path home, String password) throws IOException {
        if (Files.exists(home.resolve("data/databases/system"))) {
            return;
        }
        Path authIni = home.resolve("data/dbms/auth.ini");
        Files.createDirectories(authIni.getParent());
        Files.deleteIfExists(authIni);
        var repo = new FileUserRepository(
                new DefaultFileSystemAbstraction(),
                authIni,
                NullLogProvider.getInstance(),
                EmptyMemoryTracker.INSTANCE);
        try {
            repo.start();
            repo.create(new User(
                    USER,
                    null,
                    SystemGraphCredential.createCredentialForPassword(
                            password.getBytes(StandardCharsets.UTF_8), new SecureHasher()),
                    false,
                    false));
            repo.shutdown();
        } catch (Exception e) {
            throw new IOException("cannot write Neo4j's initial password file " + authIni, e);
        }
    }

    /** Sets the user's password in the system database (no-op when it is already that password). */
    private static void setPassword(DatabaseManagementService service, String password) {
        try {
            service.database("system")
                    .executeTransactionally(
                            "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                            Map.of("password", password));
            LOG.info("Neo4j user {}: password set from the password file", USER);
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw new IllegalStateException("cannot set the Neo4j password: " + e.getMessage(), e);
            }
        }
    }

    /** The Bolt user, {@value #USER}. */
    public String user() {
        return USER;
    }

    /** The Bolt password, kept in {@code home/password}. */
    public String password() {
        return password;
    }

    /** {@code bolt://127.0.0.1:PORT}. */
    public String boltUri() {
        return "bolt://127.0.0.1:" + boltPort;
    }

    public int boltPort() {
        return boltPort;
    }

    /**
     * The management service, for in-process access (e.g. {@code database("neo4j")}): the current one,
     * a new one after each restart after a panic; null while such a restart has closed the old one and
     * not yet started the new one.
     */
    public DatabaseManagementService managementService() {
        return service;
    }

    /**
     * The default database of the current DBMS, for in-process transactions (the ingest's, issue 15): a
     * new one after each restart after a panic. While such a restart has closed the old DBMS and not yet
     * started the new one it throws {@link org.neo4j.graphdb.DatabaseShutdownException}, as the closed
     * database's own transactions do.
     */
    public GraphDatabaseService database() {
        DatabaseManagementService current = service;
        if (current == null) throw new org.neo4j.graphdb.DatabaseShutdownException();
        InProcess cached = inProcess;
        if (cached == null || cached.dbms() != current) {
            cached = new InProcess(current, current.database(defaultDatabase(current)));
            inProcess = cached;
        }
        return cached.database();
    }

    /** The default database of one DBMS (looked up once per DBMS, not per transaction). */
    private record InProcess(DatabaseManagementService dbms, GraphDatabaseService database) {}

    private volatile InProcess inProcess;

    /** Up, panicked, waiting for space or restarting, and how often it was restarted (thread-safe). */
    public State state() {
        return state;
    }

    public Path homeDir() {
        return homeDir;
    }

    /**
     * Leaves stopping this on JVM exit to an owner that closes it in order from a shutdown hook of its own
     * (the server: HTTP and the ingest before the backends). Without this, this object's own hook runs at
     * the same time as the owner's and stops the Neo4j under an ingest still writing.
     */
    public void leaveShutdownToOwner() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already; the hook runs (or ran) anyway
        }
    }

    /** Shuts Neo4j down; idempotent. */
    @Override
    public void close() {
        shutdown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting; the hook runs (or ran) anyway
        }
    }

    // synchronized: a second caller (e.g. the shutdown hook) waits until the first one is done
    private synchronized void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        supervisor.interrupt();
        long t0 = System.nanoTime();
        DatabaseManagementService current = service;
        if (current == null) return; // a restart failed: nothing runs
        try {
            current.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Neo4j shutdown failed", e);
            return;
        }
        LOG.info("Embedded Neo4j stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Listens for panics of {@code dbms}'s databases; a panic wakes the supervisor. */
    private void watch(DatabaseManagementService dbms) {
        dbms.registerDatabaseEventListener(new DatabaseEventListenerAdapter() {
            @Override
            public void databasePanic(DatabaseEventContext event) {
                panicked(dbms, event);
            }
        });
    }

    private void panicked(DatabaseManagementService dbms, DatabaseEventContext event) {
        String name = event.getDatabaseName();
        Throwable cause = event instanceof ExceptionalDatabaseEvent e ? e.getCause() : null;
        LogTail tail = logTail(dbms, name);
        if (tail != null) tails.putIfAbsent(name, tail);
        String panic = name + " at " + java.time.Instant.now() + ": " + rootMessage(cause);
        state = new State("panicked", state.restarts(), panic, state.recoveredAt());
        LOG.error(
                "Embedded Neo4j: database {} panicked ({}); it is restarted once the store can be written to"
                        + " (log tail {})",
                name,
                rootMessage(cause),
                tail);
        panics.release();
    }

    /**
     * The end of the last batch of transactions that Neo4j appended completely to {@code database}'s log,
     * read in this JVM (Neo4j internals, pinned version); null when it cannot be read.
     */
    static LogTail logTail(DatabaseManagementService dbms, String database) {
        try {
            GraphDatabaseService db = dbms.database(database);
            var resolver = ((GraphDatabaseAPI) db).getDependencyResolver();
            var position = resolver.resolveDependency(TransactionIdStore.class)
                    .getLastCommittedBatch()
                    .logPositionAfter();
            Path dir = resolver.resolveDependency(LogFiles.class).logFilesDirectory();
            return new LogTail(database, dir, position.getLogVersion(), position.getByteOffset());
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cannot read where the transaction log of {} ends: {}", database, e.toString());
            return null;
        }
    }

    /**
     * Cuts a panicked database's transaction log back to the end of the last batch Neo4j appended
     * completely, and removes later log files. A write that failed for lack of space leaves part of a
     * transaction at the end of the log, and closing the database writes the rest of its buffer after
     * it; Neo4j 5.26 then fails to start that database ("Unable to retrieve last append index", an
     * {@code OutOfMemoryError} reading the torn entry), even with lenient recovery. What is cut was
     * never committed: its transactions failed.
     */
    static void cutTornTail(LogTail tail) throws IOException {
        Path log = tail.logDir().resolve("neostore.transaction.db." + tail.version());
        if (Files.exists(log) && Files.size(log) > tail.offset()) {
            long size = Files.size(log);
            try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(tail.offset());
                ch.force(true);
            }
            LOG.warn(
                    "cut {} bytes of uncommitted transactions off the end of {} (kept {} bytes)",
                    size - tail.offset(),
                    log,
                    tail.offset());
        }
        try (var files = Files.list(tail.logDir())) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith("neostore.transaction.db.")) continue;
                try {
                    long v = Long.parseLong(n.substring("neostore.transaction.db.".length()));
                    if (v > tail.version()) {
                        Files.delete(p);
                        LOG.warn("removed {}: begun after the last complete transaction", p);
                    }
                } catch (NumberFormatException notALogFile) {
                    // not one of Neo4j's numbered log files
                }
            }
        }
    }

    /** Waits for panics; restarts the DBMS after each, with a backoff while restarts fail. */
    private void supervise() {
        while (!closed.get()) {
            try {
                panics.acquire();
            } catch (InterruptedException e) {
                return;
            }
            panics.drainPermits();
            long backoff = RESTART_FIRST_MS;
            while (!closed.get()) {
                try {
                    awaitFreeSpace();
                    restart();
                    break;
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | IOException e) {
                    State st = state;
                    state = new State("restarting", st.restarts(), st.lastPanic(), st.recoveredAt());
                    LOG.error("Embedded Neo4j did not restart ({}); trying again in {} ms", rootMessage(e), backoff, e);
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                    backoff = Math.min(backoff * 2, RESTART_MAX_MS);
                }
            }
        }
    }

    /**
     * Until the store's file system has {@link #FREE_SPACE_WANTED} free (a tenth of it when smaller):
     * closing the panicked database flushes its pages, and on a full disk Neo4j retries that flush in
     * a busy loop.
     */
    private void awaitFreeSpace() throws IOException, InterruptedException {
        var store = Files.getFileStore(homeDir);
        long wanted = Math.min(FREE_SPACE_WANTED, store.getTotalSpace() / 10);
        boolean logged = false;
        while (!closed.get() && store.getUsableSpace() < wanted) {
            State st = state;
            if (!st.state().equals("waiting for free disk space")) {
                state = new State("waiting for free disk space", st.restarts(), st.lastPanic(), st.recoveredAt());
            }
            if (!logged) {
                LOG.warn(
                        "Embedded Neo4j waits for {} MiB free on the file system of {} (free: {} MiB) to restart",
                        wanted >> 20,
                        homeDir,
                        store.getUsableSpace() >> 20);
                logged = true;
            }
            Thread.sleep(1_000);
        }
    }

    /** Closes the panicked DBMS, cuts torn log tails, starts it again and checks that it takes transactions. */
    private void restart() throws IOException {
        long t0 = System.nanoTime();
        State st = state;
        state = new State("restarting", st.restarts(), st.lastPanic(), st.recoveredAt());
        synchronized (this) {
            if (closed.get()) return;
            DatabaseManagementService old = service;
            if (old != null) {
                LOG.warn("Embedded Neo4j: shutting the panicked DBMS down");
                try {
                    old.shutdown();
                } catch (RuntimeException e) {
                    LOG.warn("shutdown of the panicked DBMS failed: {}", e.toString());
                }
                service = null;
            }
            for (LogTail tail : List.copyOf(tails.values())) cutTornTail(tail);
            tails.clear();
            DatabaseManagementService fresh = build(homeDir, boltPort, password, pageCache, txMaxMemory);
            try {
                // a database that failed to start (recovery) answers here, not in build()
                for (String name : List.of(GraphDatabaseSettings.SYSTEM_DATABASE_NAME, defaultDatabase(fresh))) {
                    try (var tx = fresh.database(name).beginTx(10, TimeUnit.SECONDS)) {
                        tx.commit();
                    }
                }
            } catch (RuntimeException e) {
                fresh.shutdown();
                throw e;
            }
            watch(fresh);
            service = fresh;
        }
        st = state;
        state = new State(
                "up", st.restarts() + 1, st.lastPanic(), java.time.Instant.now().toString());
        LOG.warn(
                "Embedded Neo4j restarted after a panic in {} ms, Bolt {} (restart {}); last panic: {}",
                (System.nanoTime() - t0) / 1_000_000,
                boltUri(),
                state.restarts(),
                st.lastPanic());
    }

    private static String defaultDatabase(DatabaseManagementService dbms) {
        List<String> names = new ArrayList<>(dbms.listDatabases());
        names.remove(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        return names.isEmpty() ? GraphDatabaseSettings.DEFAULT_DATABASE_NAME : names.get(0);
    }

    private static String rootMessage(Throwable e) {
        if (e == null) return "unknown cause";
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) root = root.getCause();
        return root == e ? e.toString() : e.getMessage() + " (cause: " + root + ")";
    }

    /** The system property that chooses Cypher's expression engine (benchmarks; Neo4j's default when unset). */
    public static final String EXPRESSION_ENGINE_PROPERTY = "mida.neo4j.expressionEngine";

    /** The constant {@code name} of the internal settings' enum {@code type}; null (a warning) when there is none. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object internalEnum(String type, String name) {
        try {
            Class<? extends Enum> c = (Class<? extends Enum>) Class.forName(INTERNAL_SETTINGS + "$" + type);
            return Enum.valueOf(c, name.toUpperCase(java.util.Locale.ROOT));
        } catch (ReflectiveOperationException | LinkageError | ClassCastException | IllegalArgumentException e) {
            LOG.warn("Neo4j internal setting value {}.{} not available: {}", type, name, e.toString());
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void setInternal(DatabaseManagementServiceBuilder builder, String field, T value) {
        try {
            Class<?> settings = Class.forName(INTERNAL_SETTINGS);
            Object setting = settings.getField(field).get(null);
            builder.setConfig((Setting<T>) setting, value);
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            LOG.debug("Neo4j internal setting {} not available; skipped", field);
        }
    }
}

package org.mida.server.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.FileUserRepository;
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

    private final Path homeDir;
    private final int boltPort;
    private final String password;
    private final DatabaseManagementService service;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private EmbeddedNeo4j(Path homeDir, int boltPort, String password, DatabaseManagementService service) {
        this.homeDir = homeDir;
        this.boltPort = boltPort;
        this.password = password;
        this.service = service;
        this.shutdownHook = new Thread(this::shutdown, "mida-neo4j-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts Neo4j with Neo4j's default page cache size; {@code boltPort} 0 picks a free port. */
    public static EmbeddedNeo4j start(Path homeDir, int boltPort) {
        return start(homeDir, boltPort, null);
    }

    /**
     * Starts Neo4j with its store under {@code homeDir}.
     *
     * @param boltPort the Bolt port on 127.0.0.1; 0 picks a free one
     * @param pageCache page cache size in Neo4j syntax (e.g. {@code "512m"}, {@code "2g"}); null keeps
     *     Neo4j's default
     */
    public static EmbeddedNeo4j start(Path homeDir, int boltPort, String pageCache) {
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
                .setConfig(GraphDatabaseSettings.udc_enabled, false);
        if (pageCache != null && !pageCache.isBlank()) {
            builder.setConfig(
                    GraphDatabaseSettings.pagecache_memory, SettingValueParsers.BYTES.parse(pageCache.trim()));
        }
        // Internal settings: without them closing takes ~10 s (Netty's quiet period).
        setInternal(builder, "netty_server_shutdown_quiet_period", 0);
        setInternal(builder, "netty_server_shutdown_timeout", Duration.ofSeconds(1));

        DatabaseManagementService service = builder.build();
        try {
            setPassword(service, password);
        } catch (RuntimeException e) {
            service.shutdown();
            throw e;
        }
        EmbeddedNeo4j neo4j = new EmbeddedNeo4j(home, port, password, service);
        LOG.info(
                "Embedded Neo4j started in {} ms: store {}, Bolt {}",
                (System.nanoTime() - t0) / 1_000_000,
                home,
                neo4j.boltUri());
        return neo4j;
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

    /** The management service, for in-process access (e.g. {@code database("neo4j")}). */
    public DatabaseManagementService managementService() {
        return service;
    }

    public Path homeDir() {
        return homeDir;
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
        long t0 = System.nanoTime();
        try {
            service.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Neo4j shutdown failed", e);
            return;
        }
        LOG.info("Embedded Neo4j stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
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

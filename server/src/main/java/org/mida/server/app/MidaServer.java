package org.mida.server.app;

import io.javalin.Javalin;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mida.cypher.Cypher;
import org.mida.event.EventCodec;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.backend.EmbeddedRedis;
import org.mida.server.fields.FieldRegistry;
import org.mida.server.ingest.Consumers;
import org.mida.server.ingest.IngestMetrics;
import org.mida.server.ingest.NodeProperties;
import org.mida.server.ingest.StreamIngestor;
import org.mida.server.stream.IngestedFeed;
import org.mida.server.stream.TaskBroadcaster;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * The running server: embedded or external Neo4j and Redis, the schema, the ingest loop and the HTTP
 * app. {@link #close()} stops them in reverse order (HTTP, ingest with its batch in hand, clients,
 * embedded services); a shutdown hook of its own does the same on JVM exit (SIGTERM, Ctrl-C), and the
 * embedded services leave their own hooks to it, so none stops under an ingest still writing.
 *
 * <pre>{@code
 * try (MidaServer s = MidaServer.start(Config.from(System.getenv(), args))) { ... }
 * }</pre>
 */
public final class MidaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MidaServer.class);

    private final Config config;
    private EmbeddedNeo4j embeddedNeo4j;
    private EmbeddedRedis embeddedRedis;
    private Driver driver;
    private String redisUri;
    private JedisPooled redis;
    private StreamIngestor ingestor;
    private ServerMetrics metrics;
    private TaskBroadcaster broadcaster;
    private IngestedFeed feed;
    private org.mida.server.columnar.TaskMirror mirror;
    private Javalin http;
    private volatile boolean closed;
    // one hook stops everything in order on JVM exit (SIGTERM, Ctrl-C); the embedded backends leave theirs to it
    private final Thread shutdownHook = new Thread(this::close, "mida-shutdown");
    private volatile boolean ready;
    private volatile org.mida.server.ingest.IngestWarmup.Report warmup;

    private MidaServer(Config config) {
        this.config = config;
    }

    public static MidaServer start(Config config) {
        var s = new MidaServer(config);
        try {
            s.startAll();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startAll() {
        long t0 = System.nanoTime();
        LOG.info("starting MIDA with {}", config);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        String neo4jUri = config.neo4jUri();
        String redisUri = config.redisUri();
        if (config.embeddedNeo4j() || config.embeddedRedis()) createDir(config.dataDir());
        String redisLog = redisUri == null ? null : redisUri.replaceAll("//[^@/]*@", "//****@");
        if (config.embeddedRedis()) {
            embeddedRedis = EmbeddedRedis.start(
                    config.dataDir().resolve("redis"),
                    config.redisPort(),
                    config.redisMaxMemory(),
                    EmbeddedRedis.Fsync.valueOf(config.redisFsync().toUpperCase(java.util.Locale.ROOT)));
            embeddedRedis.leaveShutdownToOwner();
            redisUri = embeddedRedis.uri();
            redisLog = embeddedRedis.uriWithoutPassword() + " (password in "
                    + embeddedRedis.dir().resolve(EmbeddedRedis.PASSWORD_FILE) + ")";
        }
        if (config.embeddedNeo4j()) {
            embeddedNeo4j = EmbeddedNeo4j.start(
                    config.dataDir().resolve("neo4j"),
                    config.boltPort(),
                    config.pageCache(),
                    config.neo4jTxMaxMemory() < 0 ? EmbeddedNeo4j.defaultTxMaxMemory() : config.neo4jTxMaxMemory());
            embeddedNeo4j.leaveShutdownToOwner();
            neo4jUri = embeddedNeo4j.boltUri();
        }
        // managed transactions retry for 3 s, not the driver's 30: the ingest has its own backoff and
        // tells /api/health that it is paused (issue 14, item 4)
        var driverConfig = org.neo4j.driver.Config.builder()
                .withMaxTransactionRetryTime(3, TimeUnit.SECONDS)
                .build();
        driver = config.embeddedNeo4j()
                ? GraphDatabase.driver(
                        neo4jUri, AuthTokens.basic(embeddedNeo4j.user(), embeddedNeo4j.password()), driverConfig)
                : config.neo4jPassword() == null
                        ? GraphDatabase.driver(neo4jUri, AuthTokens.none(), driverConfig)
                        : GraphDatabase.driver(
                                neo4jUri, AuthTokens.basic(config.neo4jUser(), config.neo4jPassword()), driverConfig);
        this.redisUri = redisUri;
        redis = new JedisPooled(URI.create(redisUri));
        redis.ping();
        EventCodec codec = EventCodec.shared();
        metrics = new ServerMetrics();
        broadcaster = new TaskBroadcaster(codec.mapper());
        // what every instance ingests reaches every instance's SSE clients (Redis pub/sub)
        feed = new IngestedFeed(broadcaster, redis, redisUri, config.stream(), codec.mapper()).start();
        mirror = org.mida.server.columnar.TaskMirror.fromEnv(
                        System.getenv(), driver, redis, redisUri, config.stream(), config.consumerGroup())
                .writtenCount(metrics.ingest()::eventsIngested);
        Consumers.removeStale(
                redis, config.stream(), config.consumerGroup(), config.consumerName(), Consumers.STALE_AFTER_MS);
        var settings = new StreamIngestor.Settings(
                config.stream(),
                config.consumerGroup(),
                config.consumerName(),
                config.batchSize(),
                config.claimIdleMs(),
                config.deleteAcked(),
                config.deadLetterMax(),
                config.ingestLingerMs());
        // the ingest's writes go through the embedded Neo4j's in-process API unless MIDA_INGEST_TRANSPORT=driver
        EmbeddedNeo4j inProcess = embeddedNeo4j;
        var transport = org.mida.server.ingest.IngestTransport.of(
                org.mida.server.ingest.IngestTransport.Mode.configured(),
                driver,
                inProcess == null ? null : inProcess::database);
        // the mirror's and the feed index's per-batch reads take the same way (issue 15)
        mirror.readsThrough(transport);
        ingestor = new StreamIngestor(
                redis,
                transport,
                codec,
                metrics.ingest(),
                settings,
                batch -> {
                    feed.publish(batch);
                    mirror.afterBatch(batch);
                },
                new NodeProperties(codec, config.fieldsPerTask(), config.fieldsPerCampaign()),
                new FieldRegistry());
        // The schema and the field registry, then the ingest (which plans every ingest statement before
        // its loop starts: cold Cypher planning takes seconds), side by side with the HTTP server (cold
        // Jetty). Health says "ok" only after both, so the first event sent after that is visible within
        // one batch.
        Driver schemaDriver = driver;
        StreamIngestor ingest = ingestor;
        var backend = java.util.concurrent.CompletableFuture.runAsync(() -> {
            schemaDriver.verifyConnectivity();
            applySchema(schemaDriver);
            long tb = System.nanoTime();
            if (FieldRegistry.backfill(schemaDriver))
                LOG.info(
                        "field registry built from the stored tasks and workflows in {} ms",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tb));
            // the ingest at the batch sizes a busy start brings, rolled back (issue 14: the first minute)
            if (!closed && org.mida.server.ingest.IngestWarmup.enabled())
                warmup = org.mida.server.ingest.IngestWarmup.run(transport, codec, config.batchSize());
            if (!closed) ingest.start();
        });
        http = App.create(
                        config,
                        new App.Parts(
                                driver,
                                redis,
                                codec,
                                metrics,
                                () -> ready,
                                broadcaster,
                                this::redisSupervisor,
                                () -> embeddedNeo4j == null ? null : embeddedNeo4j.state()))
                .start(config.host(), config.port());
        try {
            backend.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        mirror.start();
        ready = true;
        LOG.info(
                "MIDA ready on http://{}:{} in {} ms (neo4j {}, redis {})",
                config.host(),
                http.port(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                neo4jUri,
                redisLog);
    }

    private static final java.util.regex.Pattern SCHEMA_NAME =
            java.util.regex.Pattern.compile("(?:CONSTRAINT|INDEX)\\s+(\\w+)\\s+IF NOT EXISTS");

    /**
     * Applies the constraints and indexes from cypher/schema that are missing (idempotent), and waits
     * for new indexes to come online.
     */
    static void applySchema(Driver driver) {
        try (var session = driver.session()) {
            var existing = new java.util.HashSet<String>();
            session.run("SHOW CONSTRAINTS YIELD name")
                    .forEachRemaining(r -> existing.add(r.get(0).asString()));
            session.run("SHOW INDEXES YIELD name")
                    .forEachRemaining(r -> existing.add(r.get(0).asString()));
            int created = 0;
            for (String name : Cypher.SCHEMA) {
                String statement = Cypher.load(name);
                var m = SCHEMA_NAME.matcher(statement);
                if (m.find() && existing.contains(m.group(1))) continue;
                try {
                    // a managed transaction: schema locks taken by servers starting at once can deadlock,
                    // and the driver retries that (TransientException)
                    session.executeWriteWithoutResult(tx -> tx.run(statement).consume());
                    created++;
                } catch (org.neo4j.driver.exceptions.ClientException e) {
                    // another server starting on the same store made it between our SHOW and CREATE
                    // (IF NOT EXISTS does not cover a concurrent creation: found by bench/run faults)
                    if (e.code() == null || !e.code().startsWith("Neo.ClientError.Schema.")) throw e;
                    if (!e.code().contains("AlreadyExists")) throw e;
                    LOG.info("schema: {} was created meanwhile by another server ({})", name, e.code());
                }
            }
            if (created > 0) {
                session.run("CALL db.awaitIndexes(120)").consume();
                LOG.info("schema: {} constraints/indexes created", created);
            }
        }
    }

    /**
     * Creates the data dir {@code 0700} when it is new; an existing one is left as it is (it may be a
     * folder the user shares on purpose), with a warning when others can enter it: the embedded
     * backends' own folders in it are {@code 0700} in any case.
     */
    private static void createDir(Path dir) {
        try {
            if (!Files.exists(dir)) {
                org.mida.server.backend.Secrets.privateDir(dir);
            } else if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                var perms = Files.getPosixFilePermissions(dir);
                if (perms.stream()
                        .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")))
                    LOG.warn(
                            "MIDA_DATA_DIR {} is open to other users ({}); its redis/ and neo4j/ folders are"
                                    + " private, but consider chmod 700",
                            dir,
                            java.nio.file.attribute.PosixFilePermissions.toString(perms));
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new Config.ConfigException("MIDA_DATA_DIR " + dir + " cannot be created: " + e.getMessage());
        }
    }

    /** The embedded redis-server's supervision state for /api/health; null with an external Redis. */
    private String redisSupervisor() {
        EmbeddedRedis r = embeddedRedis;
        if (r == null) return null;
        EmbeddedRedis.State st = r.state();
        if (st.restarts() == 0 && st.state().equals("up")) return null;
        return "embedded redis-server " + st.state() + " (restarts: " + st.restarts() + ", last exit: " + st.lastExit()
                + ")";
    }

    public int port() {
        return http.port();
    }

    public Config config() {
        return config;
    }

    /** The feed of other instances' ingests to this instance's SSE clients (and of this one's to theirs). */
    public IngestedFeed ingestedFeed() {
        return feed;
    }

    /** The columnar mirror of the task table (the DSL's engine once loaded). */
    public org.mida.server.columnar.TaskMirror mirror() {
        return mirror;
    }

    public Driver driver() {
        return driver;
    }

    /** The Redis URI the server uses, with its password (the embedded one's included): do not log it. */
    public String redisUri() {
        return redisUri;
    }

    public UnifiedJedis redis() {
        return redis;
    }

    /** What the ingest's warm-up rehearsed before health said ok; null when it was off. */
    public org.mida.server.ingest.IngestWarmup.Report warmup() {
        return warmup;
    }

    /** The live-stream hub behind GET /api/stream. */
    public TaskBroadcaster broadcaster() {
        return broadcaster;
    }

    public IngestMetrics metrics() {
        return ingestor.metrics();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (AutoCloseable c : List.<AutoCloseable>of(
                () -> {
                    // ends the SSE loops first, so the HTTP server stops without waiting on them
                    if (feed != null) feed.close();
                    if (mirror != null) mirror.close();
                    if (broadcaster != null) broadcaster.close();
                },
                () -> {
                    if (http != null) http.stop();
                },
                () -> {
                    if (ingestor != null) ingestor.close();
                },
                () -> {
                    if (metrics != null) metrics.close();
                },
                () -> {
                    if (redis != null) redis.close();
                },
                () -> {
                    if (driver != null) driver.close();
                },
                () -> {
                    if (embeddedNeo4j != null) embeddedNeo4j.close();
                },
                () -> {
                    if (embeddedRedis != null) embeddedRedis.close();
                })) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping", e);
            }
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook finds the server closed
            }
        }
        LOG.info("MIDA stopped");
    }
}

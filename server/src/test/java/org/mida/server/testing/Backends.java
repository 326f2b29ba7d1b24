package org.mida.server.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.backend.EmbeddedRedis;
import org.mida.server.backend.Secrets;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import redis.clients.jedis.Jedis;

/**
 * One Neo4j and one Redis for the whole test JVM: containers ({@code neo4j:5.26-community}, {@code
 * redis:7}) when Testcontainers finds a Docker engine, otherwise {@link EmbeddedNeo4j} and {@link
 * EmbeddedRedis} in a temp directory removed at JVM exit. Neither has authentication.
 *
 * <p>Use {@code @ExtendWith(Backends.class)} and the static accessors, or declare a {@link Driver}
 * parameter (the shared driver; do not close it). Call {@link #reset()} before each test that needs
 * an empty graph and an empty Redis. The system property {@code mida.test.backends} = {@code
 * embedded} | {@code docker} | {@code auto} (default) forces a choice.
 */
public final class Backends implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private static volatile State state;

    private record State(
            String neo4jUri, String neo4jUser, String neo4jPassword, String redisUri, Driver driver, String kind) {}

    @Override
    public void beforeAll(ExtensionContext context) {
        state();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Driver.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return driver();
    }

    /** Bolt URI of the shared Neo4j (with {@link #neo4jUser()} and {@link #neo4jPassword()}). */
    public static String neo4jUri() {
        return state().neo4jUri();
    }

    public static String neo4jUser() {
        return state().neo4jUser();
    }

    public static String neo4jPassword() {
        return state().neo4jPassword();
    }

    /** {@code redis://:password@host:port} of the shared Redis. */
    public static String redisUri() {
        return state().redisUri();
    }

    /** A driver for the shared Neo4j, owned by this class: do not close it. */
    public static Driver driver() {
        return state().driver();
    }

    /** "docker" or "embedded". */
    public static String kind() {
        return state().kind();
    }

    /** Deletes every node and relationship (keeping constraints and indexes) and FLUSHALLs Redis. */
    public static void reset() {
        State s = state();
        try (Session session = s.driver().session()) {
            session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
                    .consume();
        }
        try (Jedis jedis = new Jedis(URI.create(s.redisUri()))) {
            jedis.flushAll();
        }
    }

    private static State state() {
        State s = state;
        if (s == null) {
            synchronized (Backends.class) {
                s = state;
                if (s == null) {
                    s = start();
                    state = s;
                }
            }
        }
        return s;
    }

    private static State start() {
        String mode = System.getProperty("mida.test.backends", "auto").trim().toLowerCase(Locale.ROOT);
        boolean docker = switch (mode) {
            case "docker" -> true;
            case "embedded" -> false;
            default -> dockerAvailable();
        };
        long t0 = System.nanoTime();
        State s = docker ? startContainers() : startEmbedded();
        LOG.info(
                "Test backends ({}) ready in {} ms: {} {}",
                s.kind(),
                (System.nanoTime() - t0) / 1_000_000,
                s.neo4jUri(),
                s.redisUri());
        return s;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) { // a missing or broken engine must never fail the tests
            LOG.debug("no Docker engine: {}", e.toString());
            return false;
        }
    }

    @SuppressWarnings("resource") // stopped by the shutdown hook (and by Ryuk)
    private static State startContainers() {
        String neo4jPassword = Secrets.newPassword();
        String redisPassword = Secrets.newPassword();
        GenericContainer<?> neo4j = new GenericContainer<>(DockerImageName.parse("neo4j:5.26-community"))
                .withEnv("NEO4J_AUTH", "neo4j/" + neo4jPassword)
                .withExposedPorts(7687)
                .waitingFor(Wait.forLogMessage(".*Started\\..*", 1));
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7"))
                .withCommand("redis-server", "--requirepass", redisPassword)
                .withExposedPorts(6379)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
        Stream.of(neo4j, redis).parallel().forEach(GenericContainer::start);
        String neo4jUri = "bolt://" + neo4j.getHost() + ":" + neo4j.getMappedPort(7687);
        String redisUri = "redis://:" + redisPassword + "@" + redis.getHost() + ":" + redis.getMappedPort(6379);
        Driver driver = GraphDatabase.driver(neo4jUri, AuthTokens.basic("neo4j", neo4jPassword));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            quietly(driver::close);
                            quietly(neo4j::stop);
                            quietly(redis::stop);
                        },
                        "mida-test-backends-stop"));
        return new State(neo4jUri, "neo4j", neo4jPassword, redisUri, driver, "docker");
    }

    private static State startEmbedded() {
        Path dir;
        try {
            dir = Files.createTempDirectory("mida-test-backends");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temp dir", e);
        }
        EmbeddedRedis redis = EmbeddedRedis.start(dir.resolve("redis"), 0);
        EmbeddedNeo4j neo4j;
        try {
            neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, "128m");
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        Driver driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            quietly(driver::close);
                            quietly(neo4j::close);
                            quietly(redis::close);
                            quietly(() -> deleteTree(dir));
                        },
                        "mida-test-backends-stop"));
        return new State(neo4j.boltUri(), neo4j.user(), neo4j.password(), redis.uri(), driver, "embedded");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void quietly(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            LOG.debug("test backend clean-up failed", e);
        }
    }
}

package org.mida.server.query;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.exceptions.Neo4jException;

/**
 * Runs a query a user wrote (DSL or Cypher): a READ access-mode session, one managed read transaction
 * with the time limit, and what Neo4j refuses turned into an API problem by {@link ReadErrors}.
 *
 * <p>The driver runs the transaction again after a transient failure (a leader switch, a lost
 * connection), except when Neo4j stopped the query for one of its own limits ({@link
 * ReadErrors#refusedForLimits}): the same query would cost the server the same memory again and end the
 * same way, so the user gets the answer after one attempt. Meters: {@code mida_query_reads_total} (user
 * reads run against Neo4j) and {@code mida_query_retries_total} (transactions the driver ran again).
 */
final class UserReads {
    private final Driver driver;
    private final long timeoutMs;
    private final Counter reads;
    private final Counter retries;

    /** Meters in a registry of their own (tests). */
    UserReads(Driver driver, long timeoutMs) {
        this(driver, timeoutMs, new SimpleMeterRegistry());
    }

    UserReads(Driver driver, long timeoutMs, MeterRegistry registry) {
        this.driver = driver;
        this.timeoutMs = timeoutMs;
        this.reads = Counter.builder("mida.query.reads")
                .description("User queries (/api/query, /api/cypher) run as a Neo4j read transaction")
                .register(registry);
        this.retries = Counter.builder("mida.query.retries")
                .description("User read transactions the driver ran again after a transient failure")
                .register(registry);
    }

    <T> T run(TransactionCallback<T> work) {
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        reads.increment();
        int[] attempts = {0};
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            return session.executeRead(
                    t -> {
                        if (attempts[0]++ > 0) retries.increment();
                        try {
                            return work.execute(t);
                        } catch (Neo4jException e) {
                            // not a RetryableException: the driver rolls back and hands it on at once
                            if (ReadErrors.refusedForLimits(e)) throw ReadErrors.of(e, timeoutMs);
                            throw e;
                        }
                    },
                    tx);
        } catch (Neo4jException e) {
            throw ReadErrors.of(e, timeoutMs);
        }
    }
}

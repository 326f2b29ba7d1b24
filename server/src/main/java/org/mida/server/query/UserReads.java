package org.mida.server.query;

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
 */
final class UserReads {
    private final Driver driver;
    private final long timeoutMs;

    UserReads(Driver driver, long timeoutMs) {
        this.driver = driver;
        this.timeoutMs = timeoutMs;
    }

    <T> T run(TransactionCallback<T> work) {
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            return session.executeRead(work, tx);
        } catch (Neo4jException e) {
            throw ReadErrors.of(e, timeoutMs);
        }
    }
}

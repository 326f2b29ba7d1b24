package org.mida.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.mida.server.testing.Backends;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;

/**
 * Which failed user reads the driver runs again: a transient failure that a retry can get past (a leader
 * switch, a database that is briefly unavailable) is retried; a query Neo4j stopped for one of its own
 * limits is answered after one attempt (issue 14: each retry of a hostile query cost the server the same
 * memory again for ≈ 3 s). The limits' errors are thrown by the callback here, as Neo4j's driver raises
 * them from a result; the real memory limit is {@code TransactionMemoryIT}'s, the real time limit below.
 */
@ExtendWith(Backends.class)
class UserReadsIT {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double retries() {
        return registry.counter("mida.query.retries").count();
    }

    @Test
    void a_leader_switch_or_an_unavailable_database_is_retried_and_counted() {
        var reads = new UserReads(Backends.driver(), 10_000, registry);
        int[] attempts = {0};
        long n = reads.run(tx -> {
            if (attempts[0]++ == 0) throw new SessionExpiredException("the leader moved (test)");
            if (attempts[0] == 2)
                throw new TransientException("Neo.TransientError.Database.DatabaseUnavailable", "starting (test)");
            return tx.run("RETURN 41 + 1 AS n").single().get("n").asLong();
        });
        assertThat(n).isEqualTo(42);
        assertThat(attempts[0]).isEqualTo(3);
        assertThat(retries()).isEqualTo(2);
        assertThat(registry.counter("mida.query.reads").count()).isEqualTo(1);
    }

    @Test
    void a_query_past_a_memory_limit_is_answered_after_one_attempt() {
        var reads = new UserReads(Backends.driver(), 10_000, registry);
        int[] attempts = {0};
        ApiException tooBig = catchThrowableOfType(
                ApiException.class,
                () -> reads.run(tx -> {
                    attempts[0]++;
                    tx.run("RETURN 1").consume();
                    throw new TransientException(
                            "Neo.TransientError.General.TransactionMemoryLimit",
                            "Tried to allocate 2097152 bytes, but the limit of 268435456 bytes was reached; see the"
                                    + " setting db.memory.transaction.max (test)");
                }));
        assertThat(tooBig).isNotNull();
        assertThat(tooBig.type()).isEqualTo(ProblemType.QUERY_MEMORY);
        assertThat(attempts[0]).isEqualTo(1);

        ApiException pool = catchThrowableOfType(
                ApiException.class,
                () -> reads.run(tx -> {
                    attempts[0]++;
                    throw new TransientException(
                            "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                            "the global transaction pool is full (test)");
                }));
        assertThat(pool).isNotNull();
        assertThat(pool.status()).isEqualTo(503);
        assertThat(attempts[0]).isEqualTo(2);
        assertThat(retries()).isZero();
    }

    @Test
    void a_query_past_the_time_limit_is_answered_after_one_attempt() {
        var reads = new UserReads(Backends.driver(), 500, registry);
        int[] attempts = {0};
        ApiException e = catchThrowableOfType(
                ApiException.class,
                () -> reads.run(tx -> {
                    attempts[0]++;
                    return tx.run("UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b UNWIND range(1, 3000) AS c"
                                    + " RETURN count(*) AS n")
                            .single()
                            .get("n")
                            .asLong();
                }));
        assertThat(e).isNotNull();
        assertThat(e.type()).isEqualTo(ProblemType.QUERY_TIMEOUT);
        assertThat(attempts[0]).isEqualTo(1);
        assertThat(retries()).isZero();
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.mida.server.ingest.StoreFaults.Kind;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.graphdb.DatabaseShutdownException;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.TransactionFailureException;
import org.neo4j.graphdb.TransactionTerminatedException;
import org.neo4j.graphdb.TransientTransactionFailureException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/** Which errors pause the ingest (storage faults) and which may make dead letters (content). */
class StoreFaultsTest {

    @Test
    void an_unreachable_or_unavailable_store_is_a_storage_fault() {
        assertThat(StoreFaults.classify(new ServiceUnavailableException("Unable to connect")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(
                        new TransientException("Neo.TransientError.General.DatabaseUnavailable", "unavailable")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(
                        new ClientException("Neo.ClientError.Database.DatabaseNotFound", "no database neo4j")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(new JedisConnectionException("refused")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(
                        new JedisDataException("OOM command not allowed when used memory > 'maxmemory'.")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(new UncheckedIOException(new IOException("disk"))))
                .isEqualTo(Kind.STORAGE);
    }

    @Test
    void a_full_disk_or_a_panic_is_a_storage_fault_whatever_its_code() {
        assertThat(StoreFaults.classify(new DatabaseException(
                        "Neo.DatabaseError.Transaction.TransactionCommitFailed",
                        "Could not apply the transaction: No space left on device")))
                .isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(new RuntimeException(
                        "wrapped",
                        new DatabaseException(
                                "Neo.DatabaseError.General.UnknownError",
                                "The database has encountered a critical error, and needs to be restarted."))))
                .isEqualTo(Kind.STORAGE);
    }

    @Test
    void a_constraint_or_type_error_is_about_the_content() {
        assertThat(StoreFaults.classify(new ClientException(
                        "Neo.ClientError.Schema.ConstraintValidationFailed", "Node(1) already exists")))
                .isEqualTo(Kind.CONTENT);
        // the message quotes the event's own values: the code decides
        assertThat(StoreFaults.classify(new ClientException(
                        "Neo.ClientError.Statement.TypeError",
                        "Property values can only be ... 'No space left on device'")))
                .isEqualTo(Kind.CONTENT);
        assertThat(StoreFaults.classify(new IllegalArgumentException("bad event")))
                .isEqualTo(Kind.CONTENT);
    }

    @Test
    void a_statement_cut_short_by_a_timeout_is_the_stores_doing() {
        assertThat(StoreFaults.classify(new ClientException(
                        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "timed out")))
                .isEqualTo(Kind.STORAGE);
    }

    @Test
    void another_database_error_is_unsure_and_the_store_is_probed() {
        assertThat(StoreFaults.classify(new DatabaseException("Neo.DatabaseError.Statement.ExecutionFailed", "boom")))
                .isEqualTo(Kind.UNSURE);
    }

    @Test
    void a_transaction_past_its_memory_limit_is_too_big_not_a_storage_fault() {
        // the code Neo4j 5.26 sends over Bolt: transient by class, but retrying the same batch never fits
        assertThat(StoreFaults.classify(new TransientException(
                        "Neo.TransientError.General.TransactionMemoryLimit",
                        "Can't allocate 512 bytes due to exceeding memory limit; used=67108864, max=67108864")))
                .isEqualTo(StoreFaults.Kind.TOO_BIG);
        assertThat(StoreFaults.classify(new RuntimeException(
                        "write failed",
                        new ClientException("Neo.ClientError.General.TransactionOutOfMemoryError", "too big"))))
                .isEqualTo(StoreFaults.Kind.TOO_BIG);
        // the global pool: other transactions hold the memory, so it is the store's state
        assertThat(StoreFaults.classify(new TransientException(
                        "Neo.TransientError.General.MemoryPoolOutOfMemoryError", "pool exhausted")))
                .isEqualTo(StoreFaults.Kind.STORAGE);
    }

    /**
     * The embedded Neo4j's Java API (the in-process transport) reports the same conditions with its own
     * exceptions: a status code on {@code QueryExecutionException}, a kernel {@code Status} on the others.
     * (IngestTransportIT produces each of them for real.)
     */
    @Test
    void the_in_process_apis_errors_are_told_apart_by_their_status_codes() {
        assertThat(StoreFaults.classify(new QueryExecutionException(
                        "Node(1) already exists", null, "Neo.ClientError.Schema.ConstraintValidationFailed")))
                .isEqualTo(Kind.CONTENT);
        assertThat(StoreFaults.classify(
                        new QueryExecutionException("Type mismatch", null, "Neo.ClientError.Statement.TypeError")))
                .isEqualTo(Kind.CONTENT);
        var deadlock = new TransientTransactionFailureException(
                org.neo4j.kernel.api.exceptions.Status.Transaction.DeadlockDetected, "deadlock");
        assertThat(StoreFaults.classify(deadlock)).isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.transient_(deadlock)).isTrue();
        var memory = new QueryExecutionException(
                "The allocation of an extra 2.0 MiB would use more than the limit 48.0 MiB",
                null,
                "Neo.TransientError.General.TransactionMemoryLimit");
        assertThat(StoreFaults.classify(memory)).isEqualTo(Kind.TOO_BIG);
        assertThat(StoreFaults.transient_(memory)).as("never retried").isFalse();
        assertThat(StoreFaults.classify(new DatabaseShutdownException())).isEqualTo(Kind.STORAGE);
        assertThat(StoreFaults.classify(new TransactionFailureException(
                        "The database has encountered a critical error, and needs to be restarted.")))
                .isEqualTo(Kind.STORAGE);
        var terminated =
                new TransactionTerminatedException(org.neo4j.kernel.api.exceptions.Status.Transaction.Terminated);
        assertThat(StoreFaults.transient_(terminated)).isFalse();
        assertThat(StoreFaults.classify(
                        new QueryExecutionException("boom", null, "Neo.DatabaseError.Statement.ExecutionFailed")))
                .isEqualTo(Kind.UNSURE);
    }
}

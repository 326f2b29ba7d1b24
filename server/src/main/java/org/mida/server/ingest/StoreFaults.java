package org.mida.server.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.RetryableException;
import org.neo4j.driver.exceptions.SecurityException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.kernel.api.exceptions.Status;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Tells a storage fault (the store cannot take any write now: unreachable, stopped, starting, out of disk
 * or memory, panicked, timed out, refusing our credentials) from a refusal of one event's content (a
 * constraint or a type error that the same store would raise for that event alone, at any time). The
 * ingest pauses on the first and keeps the entries pending; only the second may become a dead letter
 * (issue 14: a full disk once turned every pending valid event into a dead letter).
 *
 * <p>Three answers: {@link Kind#STORAGE} (certain), {@link Kind#CONTENT} (a Neo4j client error of the
 * {@code Schema} or {@code Statement} classes, or any non-Neo4j exception our own planning raised for
 * an event), and {@link Kind#UNSURE} (any other Neo4j error, e.g. {@code Neo.DatabaseError.*}): the
 * ingest then asks the store itself ({@link StreamIngestor}'s probe) whether it is healthy. A fourth,
 * {@link Kind#TOO_BIG}: the transaction went past its own memory limit ({@code db.memory.transaction.max},
 * {@code MIDA_NEO4J_TX_MAX_MEMORY}): neither the store's fault nor one event's, but the batch's size, so the
 * ingest splits it ({@link Bisection}) instead of pausing on it forever; an event too big even alone is
 * refused with that reason (a dead letter). The global pool running out ({@code MemoryPoolOutOfMemoryError})
 * is a storage fault: other transactions hold the memory.
 */
final class StoreFaults {

    private StoreFaults() {}

    enum Kind {
        STORAGE,
        CONTENT,
        UNSURE,
        TOO_BIG
    }

    /** Substrings of messages that mean the machine, not the event, is the problem. */
    private static final String[] STORAGE_MESSAGES = {
        "no space left on device",
        "disk full",
        "database has encountered a critical error",
        "needs to be restarted",
        "database is unavailable",
        "database unavailable",
        "read only database",
        "read-only database",
        "outofmemoryerror",
        "too many open files",
        "i/o error",
        "input/output error",
    };

    static Kind classify(Throwable error) {
        Kind verdict = null;
        boolean storageText = false;
        int depth = 0;
        for (Throwable c = error; c != null && depth < 32; c = c.getCause(), depth++) {
            String code = code(c);
            if (code != null && transactionTooBig(code, c.getMessage())) return Kind.TOO_BIG;
            if (c instanceof ServiceUnavailableException
                    || c instanceof SessionExpiredException
                    || c instanceof TransientException
                    || c instanceof SecurityException
                    || c instanceof RetryableException
                    || c instanceof JedisConnectionException
                    || c instanceof IOException
                    || c instanceof UncheckedIOException
                    || c instanceof OutOfMemoryError) return Kind.STORAGE;
            if (c instanceof JedisDataException j && redisBusy(j.getMessage())) return Kind.STORAGE;
            if (verdict == null && code != null) verdict = neo4j(code);
            storageText |= storageMessage(c.getMessage());
        }
        // a Neo4j code names the class of error: a content code wins over words in its message (which
        // may quote the event's own values)
        if (verdict == Kind.CONTENT || verdict == Kind.STORAGE) return verdict;
        if (storageText) return Kind.STORAGE;
        if (verdict != null) return verdict;
        // not from the store at all: our planning refused something about the event
        return Kind.CONTENT;
    }

    /**
     * The Neo4j status code of an error from either transport, null when it has none: the driver's {@code
     * Neo4jException.code()}; in-process, {@code QueryExecutionException.getStatusCode()} or the kernel
     * {@code Status} of the Java API's exceptions ({@code TransactionFailureException}, {@code
     * TransientTransactionFailureException}, {@code DatabaseShutdownException}, the memory limit's {@code
     * MemoryLimitExceededException} …). A driver ClientException's code is a {@code Neo.ClientError.*}
     * one, so the code alone tells the class of error on both.
     */
    static String code(Throwable c) {
        String code = null;
        if (c instanceof Neo4jException n) code = n.code() == null ? "" : n.code();
        else if (c instanceof QueryExecutionException q) code = q.getStatusCode();
        else if (c instanceof Status.HasStatus h
                && h.status() != null
                && h.status().code() != null) code = h.status().code().serialize();
        return code;
    }

    /**
     * A transient failure that a new transaction may not meet (a deadlock, a lock timeout, a database
     * briefly unavailable): what the driver's managed transactions retry, for the in-process transport to
     * retry alike. Not the memory limit, nor a transaction terminated or a lock client stopped (the
     * driver does not retry those either).
     */
    static boolean transient_(Throwable error) {
        int depth = 0;
        for (Throwable c = error; c != null && depth < 32; c = c.getCause(), depth++) {
            String code = code(c);
            if (code == null) continue;
            if (transactionTooBig(code, c.getMessage())) return false;
            return code.startsWith("Neo.TransientError.")
                    && !code.equals("Neo.TransientError.Transaction.Terminated")
                    && !code.equals("Neo.TransientError.Transaction.LockClientStopped");
        }
        return false;
    }

    private static Kind neo4j(String code) {
        if (code.startsWith("Neo.ClientError.Schema.") || code.startsWith("Neo.ClientError.Statement.")) {
            // a constraint, a type or an argument error: about the data of this statement; but a statement
            // cut short by a timeout or a terminated transaction is the store's doing
            if (code.contains("Timeout") || code.contains("TimedOut") || code.contains("Terminated"))
                return Kind.STORAGE;
            return Kind.CONTENT;
        }
        if (code.startsWith("Neo.ClientError.Database.")
                || code.startsWith("Neo.ClientError.Cluster.")
                || code.startsWith("Neo.ClientError.Security.")
                || code.startsWith("Neo.ClientError.Transaction.")
                || code.startsWith("Neo.ClientError.General.ForbiddenOnReadOnlyDatabase")
                || code.startsWith("Neo.TransientError.")) return Kind.STORAGE;
        return Kind.UNSURE;
    }

    /**
     * The transaction went past its own memory limit. Neo4j 5.26 reports it as {@code
     * Neo.TransientError.General.TransactionMemoryLimit} (older: {@code ...TransactionOutOfMemoryError}).
     */
    static boolean transactionTooBig(Neo4jException e) {
        return transactionTooBig(e.code() == null ? "" : e.code(), e.getMessage());
    }

    private static boolean transactionTooBig(String code, String message) {
        if (message == null) message = "";
        return code.endsWith(".TransactionMemoryLimit")
                || code.endsWith(".TransactionOutOfMemoryError")
                || message.contains("db.memory.transaction.max threshold reached");
    }

    /** Redis answers that mean "not now": out of memory, loading, busy script, no master. */
    static boolean redisBusy(String message) {
        if (message == null) return false;
        return message.startsWith("OOM")
                || message.startsWith("LOADING")
                || message.startsWith("BUSY")
                || message.startsWith("MASTERDOWN")
                || message.startsWith("TRYAGAIN")
                || message.startsWith("CLUSTERDOWN")
                || message.startsWith("MISCONF");
    }

    private static boolean storageMessage(String message) {
        if (message == null) return false;
        String m = message.toLowerCase(Locale.ROOT);
        for (String s : STORAGE_MESSAGES) if (m.contains(s)) return true;
        return false;
    }
}

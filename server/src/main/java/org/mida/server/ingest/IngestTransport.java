package org.mida.server.ingest;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.Transaction;

/**
 * How the ingest reaches Neo4j: through the Java driver over Bolt ({@link #driver}), or, when Neo4j runs
 * embedded in this JVM, through the database's own Java API ({@link #embedded}: {@code
 * GraphDatabaseService.beginTx()} and {@code tx.execute}), which skips packing every parameter and row
 * into Bolt messages and back, and the hops between the ingest thread and Neo4j's Bolt workers (24 % of
 * the ingest's CPU went to Bolt packing, issue 15). Both give the same rows and store the same values
 * ({@link #javaValue}, {@link #plainValue}); both retry a transaction that failed for a transient
 * reason (a deadlock, a lock timeout) for up to {@link #RETRY_MS} ms, as the driver's managed
 * transactions do with the server's settings, except one past the transaction memory limit, which
 * fails at once ({@link BatchWriter.TooBig}) so that the ingest splits the batch. Chosen by {@code
 * MIDA_INGEST_TRANSPORT} ({@link Mode}).
 */
public abstract sealed class IngestTransport permits IngestTransport.OverDriver, IngestTransport.InProcess {

    /** How long a transaction that failed for a transient reason is tried again (the driver's setting). */
    static final long RETRY_MS = 3_000;

    /** {@code MIDA_INGEST_TRANSPORT}: auto (in-process when Neo4j is embedded), driver or embedded. */
    public enum Mode {
        AUTO,
        DRIVER,
        EMBEDDED;

        public static final String ENV = "MIDA_INGEST_TRANSPORT";

        /** The JVM system property that overrides {@link #ENV} (benchmarks: one server after another). */
        public static final String PROPERTY = "mida.ingest.transport";

        /** The mode of system property {@link #PROPERTY}, else of {@code MIDA_INGEST_TRANSPORT}; {@link #AUTO} when unset. */
        public static Mode configured() {
            String p = System.getProperty(PROPERTY);
            return fromEnv(p != null && !p.isBlank() ? Map.of(ENV, p) : System.getenv());
        }

        /** The mode in {@code env}; {@link #AUTO} when unset. */
        public static Mode fromEnv(Map<String, String> env) {
            String v = env.get(ENV);
            if (v == null || v.isBlank()) return AUTO;
            try {
                return valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ENV + " must be auto, driver or embedded, got '" + v + "'");
            }
        }
    }

    /**
     * The transport for this mode: in-process when Neo4j is embedded ({@code database} not null) and the
     * mode is not {@link Mode#DRIVER}; {@link Mode#EMBEDDED} with an external Neo4j is refused.
     */
    public static IngestTransport of(Mode mode, Driver driver, Supplier<GraphDatabaseService> database) {
        if (mode == Mode.EMBEDDED && database == null)
            throw new IllegalArgumentException(Mode.ENV + "=embedded needs the embedded Neo4j (MIDA_NEO4J_URI unset)");
        return mode == Mode.DRIVER || database == null ? driver(driver) : embedded(database);
    }

    public static IngestTransport driver(Driver driver) {
        return new OverDriver(driver);
    }

    /** In-process; {@code database} gives the current database (a new one after a restart). */
    public static IngestTransport embedded(Supplier<GraphDatabaseService> database) {
        return new InProcess(database);
    }

    private IngestTransport() {}

    /** "driver" or "embedded". */
    public abstract String name();

    /**
     * Runs {@code work} in a write transaction and commits it; a transient failure rolls it back and runs
     * {@code work} again in a new one (so {@code work} must start from scratch), for up to {@link #RETRY_MS}.
     */
    public abstract <T> T write(Function<WriteTransaction, T> work);

    /** Runs {@code work} once in a write transaction, then commits it, or rolls it back when not {@code commit}. */
    public abstract <T> T once(Function<WriteTransaction, T> work, boolean commit);

    /**
     * Runs {@code work}, which only reads, in a transaction that writes nothing (a read transaction over the
     * driver; in-process one rolled back), retried as {@link #write} on a transient failure. The columnar
     * mirror's and the workflow feed index's per-batch reads go this way, on the ingest's transport (issue 15:
     * through the driver they were 13 % of the in-process ingest's CPU, on Bolt workers).
     */
    public abstract <T> T read(Function<WriteTransaction, T> work);

    /**
     * Runs {@code work}, which only reads, in a transaction of the embedded database's core Java API (rolled
     * back), retried as {@link #read}; only where Neo4j is in-process ({@link #name} "embedded"), else
     * {@link UnsupportedOperationException}. The columnar mirror's and the feed index's per-batch reads take
     * it (issue 15, ing17: walks from a seek, no Cypher runtime per batch; {@code -Dmida.mirror.core=off}
     * runs their Cypher as before).
     */
    public abstract <T> T readNative(Function<Transaction, T> work);

    /** A write transaction that writes nothing, tried once: fails while the store cannot commit. */
    void probe() {
        once(tx -> tx.run("RETURN 1", Map.of()), true);
    }

    /** A failure past the transaction memory limit, thrown as {@link BatchWriter.TooBig}; others as they are. */
    static RuntimeException tooBigOr(RuntimeException e) {
        return StoreFaults.classify(e) == StoreFaults.Kind.TOO_BIG && !(e instanceof BatchWriter.TooBig)
                ? new BatchWriter.TooBig(e)
                : e;
    }

    static final class OverDriver extends IngestTransport {
        private final Driver driver;

        OverDriver(Driver driver) {
            this.driver = driver;
        }

        @Override
        public String name() {
            return "driver";
        }

        private static WriteTransaction over(org.neo4j.driver.SimpleQueryRunner tx) {
            return (query, parameters) -> tx.run(query, parameters).list(Record::asMap);
        }

        @Override
        public <T> T write(Function<WriteTransaction, T> work) {
            try (var session = driver.session()) {
                // rebuilt from scratch if the driver retries the transaction (a deadlock, a lost leader)
                return session.executeWrite(tx -> {
                    try {
                        return work.apply(over(tx));
                    } catch (Neo4jException e) {
                        // past the transaction memory limit: Neo4j calls it transient, but the same batch never
                        // fits; fail at once (not after the driver's retries) so that the ingest splits it
                        throw tooBigOr(e);
                    }
                });
            }
        }

        @Override
        public <T> T read(Function<WriteTransaction, T> work) {
            try (var session = driver.session()) {
                return session.executeRead(tx -> work.apply(over(tx)));
            }
        }

        @Override
        public <T> T readNative(Function<Transaction, T> work) {
            throw new UnsupportedOperationException("the core API needs the embedded database");
        }

        @Override
        public <T> T once(Function<WriteTransaction, T> work, boolean commit) {
            try (var session = driver.session();
                    var tx = session.beginTransaction()) {
                T out = work.apply(over(tx));
                if (commit) tx.commit();
                else tx.rollback();
                return out;
            }
        }
    }

    static final class InProcess extends IngestTransport {
        private final Supplier<GraphDatabaseService> database;

        InProcess(Supplier<GraphDatabaseService> database) {
            this.database = database;
        }

        @Override
        public String name() {
            return "embedded";
        }

        private static WriteTransaction over(Transaction tx) {
            return new WriteTransaction() {
                @Override
                public List<Map<String, Object>> run(String query, Map<String, Object> parameters) {
                    try (Result result = tx.execute(query, inProcess(parameters))) {
                        var rows = new ArrayList<Map<String, Object>>();
                        while (result.hasNext()) rows.add(plainMap(result.next()));
                        return rows;
                    }
                }

                @Override
                public Transaction nativeTransaction() {
                    return tx;
                }
            };
        }

        @Override
        public <T> T write(Function<WriteTransaction, T> work) {
            return retried(work, true);
        }

        @Override
        public <T> T read(Function<WriteTransaction, T> work) {
            return retried(work, false);
        }

        @Override
        public <T> T readNative(Function<Transaction, T> work) {
            return retriedNative(work, false);
        }

        private <T> T retried(Function<WriteTransaction, T> work, boolean commit) {
            return retriedNative(tx -> work.apply(over(tx)), commit);
        }

        private <T> T retriedNative(Function<Transaction, T> work, boolean commit) {
            long deadline = System.nanoTime() + RETRY_MS * 1_000_000;
            long delayMs = 10;
            while (true) {
                try {
                    return onceNative(work, commit);
                } catch (RuntimeException e) {
                    RuntimeException thrown = tooBigOr(e);
                    if (thrown != e || !StoreFaults.transient_(e) || System.nanoTime() > deadline) throw thrown;
                    try {
                        // with jitter, so that two batches that deadlocked do not meet again
                        Thread.sleep(delayMs + ThreadLocalRandom.current().nextLong(delayMs / 2 + 1));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                    delayMs = Math.min(delayMs * 2, 1_000);
                }
            }
        }

        @Override
        public <T> T once(Function<WriteTransaction, T> work, boolean commit) {
            return onceNative(tx -> work.apply(over(tx)), commit);
        }

        private <T> T onceNative(Function<Transaction, T> work, boolean commit) {
            GraphDatabaseService db = database.get();
            try (Transaction tx = db.beginTx()) {
                T out = work.apply(tx);
                if (commit) tx.commit();
                else tx.rollback();
                return out;
            }
        }
    }

    /**
     * A parameter value as the driver would send it, so that both transports store the same property
     * types: integers as Long (the driver has no 32-bit integer: an Integer passed in-process would be
     * stored as a 32-bit int), Float as Double, Character as String, arrays as lists; maps and lists
     * converted through. Anything else (String, Boolean, byte[], java.time values) as it is.
     */
    static Object javaValue(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean)
            return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof Character c) return c.toString();
        if (v instanceof Map<?, ?> m) return javaMap(m);
        if (v instanceof List<?> l) {
            var out = new ArrayList<Object>(l.size());
            for (Object o : l) out.add(javaValue(o));
            return out;
        }
        if (v instanceof Iterable<?> it) {
            var out = new ArrayList<Object>();
            for (Object o : it) out.add(javaValue(o));
            return out;
        }
        if (v.getClass().isArray() && !(v instanceof byte[])) {
            int n = Array.getLength(v);
            var out = new ArrayList<Object>(n);
            for (int i = 0; i < n; i++) out.add(javaValue(Array.get(v, i)));
            return out;
        }
        return v;
    }

    /**
     * Parameters whose every value is already what {@link #javaValue} makes of it (Long, Double, String,
     * Boolean, lists and maps of those, nulls): the ingest plan's rows, built once in the shape the statements
     * take ({@link IngestPlan#steps}). In-process they are passed as they are, not copied through {@link
     * #javaValue} (issue 15: that copy of every row, property map and link was ≈ 1–2 % of the ingest thread);
     * the driver takes them like any map.
     */
    static final class Ready extends HashMap<String, Object> {
        Ready(String name, Object value) {
            super(2);
            put(name, value);
        }
    }

    /**
     * {@code -Dmida.ingest.params=convert}: copy {@link Ready} parameters through {@link #javaValue} too, as
     * before (A/B); read per statement.
     */
    static final String PARAMS_PROPERTY = "mida.ingest.params";

    /** The parameters to pass to the in-process API: {@link Ready} ones as they are, others converted. */
    static Map<String, Object> inProcess(Map<String, Object> parameters) {
        if (parameters instanceof Ready && !"convert".equals(System.getProperty(PARAMS_PROPERTY))) return parameters;
        return javaMap(parameters);
    }

    private static Map<String, Object> javaMap(Map<?, ?> m) {
        var out = new HashMap<String, Object>(Math.max(4, m.size() * 2));
        for (var e : m.entrySet()) out.put((String) e.getKey(), javaValue(e.getValue()));
        return out;
    }

    /**
     * A value read in-process as the driver's {@code Record.asMap()} gives it: stored arrays as lists,
     * 32-bit integers as Long, Float as Double, char as String, nested maps and lists converted through.
     */
    public static Object plainValue(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean)
            return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof Character c) return c.toString();
        if (v instanceof Map<?, ?> m) return plainMap(m);
        if (v instanceof List<?> l) {
            var out = new ArrayList<Object>(l.size());
            for (Object o : l) out.add(plainValue(o));
            return out;
        }
        if (v.getClass().isArray() && !(v instanceof byte[])) {
            int n = Array.getLength(v);
            var out = new ArrayList<Object>(n);
            for (int i = 0; i < n; i++) out.add(plainValue(Array.get(v, i)));
            return out;
        }
        return v;
    }

    private static Map<String, Object> plainMap(Map<?, ?> m) {
        var out = new HashMap<String, Object>(Math.max(4, m.size() * 2));
        for (var e : m.entrySet()) out.put((String) e.getKey(), plainValue(e.getValue()));
        return out;
    }
}

package org.mida.server.columnar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.server.ingest.IngestTransport;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.SessionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * An in-memory columnar copy of the task table ({@link TaskTable}), the query DSL's engine once it is
 * loaded (the DSL runs its Cypher until then, and whenever the mirror cannot be sure of an answer).
 *
 * <p><b>Fed by the graph.</b> It is loaded from Neo4j in the background at start (progress logged), then
 * kept current by re-reading from the graph the tasks each committed batch changed: the ingest hands every
 * committed batch to {@link #afterBatch} (only the task ids are kept; the re-read happens on the mirror's
 * own thread), and the tasks other server instances ingest arrive as ids on the Redis channel {@code
 * <stream>:ingested} ({@code stream/IngestedFeed}), which the mirror listens to while the stream's consumer
 * group has another consumer. So the mirror holds what the graph holds, whoever wrote it and in whatever
 * order the events came. PROV import and OpenLineage append their events to the stream: they are batches
 * too. Nothing deletes tasks; a task the re-read no longer finds is dropped from the mirror. When the
 * channel was lost (Redis away) the mirror reloads in full, as it does every {@code
 * MIDA_MIRROR_RELOAD_S} seconds if set.
 *
 * <p><b>Fresh enough.</b> A query waits (up to {@link #MAX_WAIT_MS}) for the batches this instance
 * committed before it started to be applied; otherwise it runs its Cypher. Other instances' batches are
 * applied when their message arrives (the lag of their SSE events).
 *
 * <p><b>Bounded.</b> Beyond {@code MIDA_MIRROR_MAX_BYTES} (default a quarter of the heap) the mirror is
 * dropped and the DSL stays on Cypher; {@code MIDA_MIRROR=off} disables it.
 */
public final class TaskMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskMirror.class);
    static final long MAX_WAIT_MS = 250;
    private static final String LOAD = Cypher.load("query/mirror-load");
    // per batch, so CYPHER replan=skip (a hinted seek: ingest/PerBatch, IngestHintsTest)
    private static final org.mida.server.ingest.PerBatch TASKS =
            org.mida.server.ingest.PerBatch.of(Cypher.load("query/mirror-tasks"));
    private static final int REREAD_CHUNK = 5_000;

    /** The mirror of each server's driver (several servers may run in one JVM: tests, benchmarks). */
    private static final Map<Driver, TaskMirror> BY_DRIVER =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    public enum State {
        LOADING,
        READY,
        OFF
    }

    private final Driver driver;
    private final UnifiedJedis redis;
    private final String redisUri;
    private final String stream;
    private final String group;
    private final long maxBytes;
    private final long reloadMs;
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile IngestTransport reads;

    private volatile TaskTable table;
    private volatile State state = State.LOADING;
    private volatile String offReason;
    private volatile boolean closed;

    /** Task ids waiting to be re-read; guarded by this. */
    private Set<String> pending = new LinkedHashSet<>();

    private boolean reloadWanted;
    /** Batches handed to {@link #afterBatch}, and how many of them the table reflects; guarded by this. */
    private long batchesSeen, batchesApplied;
    /** The ingest's count of events written (committed), as it was at the latest {@link #afterBatch}. */
    private long writtenSeen;

    private volatile java.util.function.LongSupplier written = () -> 0;

    private final Thread worker;
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Follows what the mirror follows, on the mirror's thread: a full (re)load starts ({@link #reloading},
     * before the load reads), and the tasks of committed batches, this instance's and others', were re-read
     * ({@link #changed}, before those batches count as applied: {@link #awaitApplied} covers the listeners).
     */
    public interface Listener {
        void reloading();

        void changed(Set<String> taskIds);

        /** The mirror closed (its server stops). */
        default void closed() {}
    }

    /**
     * A listener that follows the re-read tasks inside the mirror's own read transaction, from the task nodes
     * the mirror looked up once (issue 15, mir18: before, the feed index opened a transaction of its own and
     * looked every task up twice more). Called, where the per-batch reads walk the core API and {@value
     * #SHARED_PROPERTY} is not {@code off}, once per chunk of a re-read <em>instead of</em> {@link #changed};
     * it may run again for the same chunk (a transient failure retries the transaction), so it must replace
     * what it keeps rather than add to it.
     */
    public interface InTransaction extends Listener {
        /**
         * The tasks {@code ids} changed; {@code nodes[i]} is the node of {@code ids.get(i)} in {@code tx}, null
         * when there is none.
         */
        void changedIn(org.neo4j.graphdb.Transaction tx, List<String> ids, org.neo4j.graphdb.Node[] nodes);
    }

    /**
     * The system property that, with {@code off}, makes the mirror's in-process re-read the one before mir18
     * ({@link #readTasks}: every property read into a map, the document read twice) and its listeners read
     * in transactions of their own, looking each task up again (benchmarks: side by side).
     */
    public static final String SHARED_PROPERTY = "mida.mirror.shared";

    /** Whether the re-read shares its transaction and task lookups ({@link InTransaction}); the default. */
    public static boolean shared() {
        return !"off".equals(System.getProperty(SHARED_PROPERTY));
    }

    /** Adds a listener (the workflow feed graph: {@code lineage/FeedIndex}). */
    public void listen(Listener l) {
        listeners.add(l);
    }

    private final Thread listener;
    private final Sub sub = new Sub();
    private volatile boolean listening;
    private volatile long loadMs = -1;

    /**
     * @param maxBytes the most heap the mirror may take (0: off)
     * @param reloadS a full reload every this many seconds (0: never)
     */
    public TaskMirror(
            Driver driver,
            UnifiedJedis redis,
            String redisUri,
            String stream,
            String group,
            long maxBytes,
            long reloadS) {
        this.driver = driver;
        this.redis = redis;
        this.redisUri = redisUri;
        this.stream = stream;
        this.group = group;
        this.maxBytes = maxBytes;
        this.reloadMs = reloadS * 1000;
        worker = new Thread(this::work, "mida-mirror");
        worker.setDaemon(true);
        listener = new Thread(this::listen, "mida-mirror-listener");
        listener.setDaemon(true);
        if (maxBytes <= 0) off("MIDA_MIRROR is off");
        BY_DRIVER.put(driver, this);
    }

    /** The mirror with the settings of the environment: {@code MIDA_MIRROR}, {@code MIDA_MIRROR_MAX_BYTES}, … */
    public static TaskMirror fromEnv(
            Map<String, String> env, Driver driver, UnifiedJedis redis, String redisUri, String stream, String group) {
        String on = setting(env, "MIDA_MIRROR", "on");
        long max = Long.parseLong(setting(
                env, "MIDA_MIRROR_MAX_BYTES", Long.toString(Runtime.getRuntime().maxMemory() / 4)));
        long reload = Long.parseLong(setting(env, "MIDA_MIRROR_RELOAD_S", "0"));
        return new TaskMirror(driver, redis, redisUri, stream, group, on.equalsIgnoreCase("off") ? 0 : max, reload);
    }

    private static String setting(Map<String, String> env, String name, String dflt) {
        String p = System.getProperty(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
        if (p != null) return p;
        String v = env.get(name);
        return v == null || v.isBlank() ? dflt : v.strip();
    }

    /**
     * The ingest's count of events written, counted at commit before the batch reaches {@link #afterBatch}:
     * a query waits until the batches it counts have reached the mirror (the ingest acks a batch before it
     * hands it on).
     */
    public TaskMirror writtenCount(java.util.function.LongSupplier written) {
        this.written = written;
        return this;
    }

    /**
     * Where Neo4j is embedded, the transport the ingest writes through ({@link IngestTransport#embedded}): the
     * mirror's and the feed index's per-batch reads then run in-process too, not over Bolt to the same JVM
     * (issue 15). Unset, or with the system property {@value #READS_PROPERTY}{@code =driver} (benchmarks: the
     * path before, side by side), they go through the driver.
     */
    public TaskMirror readsThrough(IngestTransport transport) {
        this.reads = transport;
        return this;
    }

    /** The system property that sends the per-batch reads through the driver even when embedded. */
    public static final String READS_PROPERTY = "mida.mirror.reads";

    /** The in-process transport the per-batch reads take, or null: through the driver. */
    public IngestTransport reads() {
        IngestTransport t = reads;
        if (t == null || !"embedded".equals(t.name()) || "driver".equals(System.getProperty(READS_PROPERTY)))
            return null;
        return t;
    }

    /** The mirror of this driver's server, or null. */
    public static TaskMirror of(Driver driver) {
        return BY_DRIVER.get(driver);
    }

    /** Starts the background load (after the schema is in place) and the listener. */
    public TaskMirror start() {
        if (state == State.OFF) return this;
        worker.start();
        listener.start();
        return this;
    }

    public State state() {
        return state;
    }

    /** Why the mirror is off (null when it is not). */
    public String offReason() {
        return offReason;
    }

    /** Whether the mirror follows other instances' batches now (another consumer reads the stream). */
    public boolean listening() {
        return listening;
    }

    /** Whether a full reload is asked for or running and the table is behind. */
    public synchronized boolean current() {
        return state == State.READY && !reloadWanted && pending.isEmpty() && batchesApplied == batchesSeen;
    }

    /** How long the last full load took, -1 before one finished. */
    public long loadMs() {
        return loadMs;
    }

    /** How many DSL queries the mirror answered (the rest ran as Cypher). */
    public long answered() {
        return answered.get();
    }

    private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong correlations = new java.util.concurrent.atomic.AtomicLong();

    /** How many correlation analyses read their tasks from the mirror. */
    public long correlations() {
        return correlations.get();
    }

    /** {@code MIDA_MIRROR_MAX_BYTES}: the most heap the mirror may take (0: off). */
    public long maxBytes() {
        return maxBytes;
    }

    /** About the bytes the mirror takes now. */
    public long bytes() {
        TaskTable t = table;
        return t == null ? 0 : t.bytes();
    }

    /** The tasks the mirror holds. */
    public int tasks() {
        TaskTable t = table;
        return t == null ? 0 : t.liveRows;
    }

    /** The ingest hook: the tasks of a committed batch are re-read from the graph (on the mirror's thread). */
    public void afterBatch(List<Event> changed) {
        if (state == State.OFF) return;
        synchronized (this) {
            for (Event e : changed) if (e instanceof TaskEvent t && t.taskId() != null) pending.add(t.taskId());
            batchesSeen++;
            writtenSeen = Math.max(writtenSeen, written.getAsLong());
            notifyAll();
        }
    }

    /**
     * The answer's rows from the mirror (values of the compiled query's columns), or null when the DSL
     * should run its Cypher: not loaded, off, behind this instance's committed batches for longer than
     * {@link #MAX_WAIT_MS}, or a query it cannot be sure of ({@link MirrorQuery}).
     */
    public List<Object[]> answer(Map<?, ?> body) {
        if (!awaitApplied()) return null;
        TaskTable t = table;
        if (t == null) return null;
        t.lock.readLock().lock();
        try {
            List<Object[]> rows = MirrorQuery.answer(body, t);
            answered.incrementAndGet();
            return rows;
        } catch (MirrorQuery.Unsupported e) {
            LOG.debug("DSL query on Cypher: {}", e.getMessage());
            return null;
        } catch (RuntimeException e) {
            LOG.warn("columnar mirror could not answer a DSL query, Cypher does: {}", e.toString());
            return null;
        } finally {
            t.lock.readLock().unlock();
        }
    }

    /**
     * The correlation analysis's tasks from the mirror ({@link MirrorScan#correlation}): those of the
     * workflow ({@code workflow}) or campaign, the most recent {@code limit} by {@code ended_at}; null when
     * the caller should read through Cypher (the mirror is not ready, behind, or unsure of the order).
     */
    public List<MirrorScan.Row> correlationTasks(
            boolean workflow, String scope, String activityId, String status, int limit) {
        if (!awaitApplied()) return null;
        TaskTable t = table;
        if (t == null) return null;
        t.lock.readLock().lock();
        try {
            var rows = MirrorScan.correlation(
                    t, workflow ? "workflow_id" : "campaign_id", scope, activityId, status, limit);
            if (rows != null) correlations.incrementAndGet();
            return rows;
        } catch (RuntimeException e) {
            LOG.warn("columnar mirror could not read a correlation's tasks, Cypher does: {}", e.toString());
            return null;
        } finally {
            t.lock.readLock().unlock();
        }
    }

    /**
     * Whether the mirror is ready and reflects (and its listeners have seen) every batch this instance
     * committed before the call; waits up to {@link #MAX_WAIT_MS} for that.
     */
    public boolean awaitApplied() {
        return awaitApplied(MAX_WAIT_MS);
    }

    /** As {@link #awaitApplied()}, waiting up to {@code maxWaitMs}. */
    public boolean awaitApplied(long maxWaitMs) {
        if (state != State.READY) return false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        long committed = written.getAsLong();
        synchronized (this) {
            if (!waitWhile(() -> writtenSeen < committed, deadline)) return false;
            long want = batchesSeen;
            if (!waitWhile(() -> batchesApplied < want, deadline)) return false;
        }
        return state == State.READY;
    }

    /** Waits on this monitor (held by the caller) while {@code pending}; false at the deadline, off or interrupted. */
    private boolean waitWhile(java.util.function.BooleanSupplier pending, long deadline) {
        while (pending.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || state != State.READY) return false;
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- the worker: load, then re-reads

    private void work() {
        long lastLoad = 0;
        while (!closed && state != State.OFF) {
            try {
                if (table == null
                        || takeReload()
                        || (reloadMs > 0 && System.currentTimeMillis() - lastLoad > reloadMs)) {
                    load();
                    lastLoad = System.currentTimeMillis();
                    continue;
                }
                Set<String> ids;
                long seen;
                synchronized (this) {
                    if (pending.isEmpty() && batchesApplied == batchesSeen && !reloadWanted && !closed) wait(1_000);
                    ids = pending;
                    pending = new LinkedHashSet<>();
                    seen = batchesSeen;
                }
                if (!ids.isEmpty()) reread(ids);
                synchronized (this) {
                    batchesApplied = seen;
                    notifyAll();
                }
                checkSize();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                LOG.warn("columnar mirror: {}; reloading in 5 s (the DSL uses Cypher meanwhile)", e.toString());
                state = table == null ? State.LOADING : state;
                synchronized (this) {
                    reloadWanted = true;
                }
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private synchronized boolean takeReload() {
        boolean r = reloadWanted;
        reloadWanted = false;
        return r;
    }

    /** A full load into a new table, then the batches committed meanwhile, then the swap. */
    private void load() {
        long t0 = System.nanoTime();
        long seen;
        synchronized (this) {
            // what was pending is in the graph already: the load reads it
            pending = new LinkedHashSet<>();
            seen = batchesSeen;
        }
        for (Listener l : listeners) l.reloading();
        LOG.info("columnar mirror: loading the tasks from the graph (the DSL uses Cypher until it is ready)");
        var t = new TaskTable();
        long lastLog = System.nanoTime();
        try (var session =
                driver.session(SessionConfig.builder().withFetchSize(5_000).build())) {
            var result = session.run(LOAD);
            while (result.hasNext()) {
                Record r = result.next();
                t.upsert(r.get(0).asString(), r.get(1).asList(), flag(r.get(2)));
                if ((t.rows & 0xffff) == 0) {
                    if (t.bytes() > maxBytes) {
                        off("the task table passed MIDA_MIRROR_MAX_BYTES (" + maxBytes + " bytes) at " + t.rows
                                + " tasks");
                        result.consume();
                        return;
                    }
                    if (System.nanoTime() - lastLog > 10e9) {
                        lastLog = System.nanoTime();
                        LOG.info("columnar mirror: {} tasks loaded", t.rows);
                    }
                }
                if (closed) return;
            }
        }
        if (t.bytes() > maxBytes) {
            off("the task table takes " + t.bytes() + " bytes, over MIDA_MIRROR_MAX_BYTES (" + maxBytes + ")");
            return;
        }
        table = t;
        // batches committed during the load may or may not be in what it read: re-read their tasks
        Set<String> ids;
        synchronized (this) {
            ids = pending;
            pending = new LinkedHashSet<>();
            seen = batchesSeen;
        }
        if (!ids.isEmpty()) reread(ids);
        synchronized (this) {
            batchesApplied = seen;
            notifyAll();
        }
        loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        state = State.READY;
        LOG.info(
                "columnar mirror: ready, {} tasks, {} columns, about {} MiB, loaded in {} ms",
                t.liveRows,
                t.columns.size(),
                t.bytes() >> 20,
                loadMs);
    }

    private void reread(Set<String> ids) {
        TaskTable t = table;
        if (t == null) return;
        var list = new ArrayList<>(ids);
        IngestTransport in = reads();
        boolean shared = in != null && core() && shared();
        for (int from = 0; from < list.size(); from += REREAD_CHUNK) {
            var chunk = list.subList(from, Math.min(list.size(), from + REREAD_CHUNK));
            if (shared) {
                var chunkIds = List.copyOf(chunk);
                Tasks read = in.readNative(tx -> {
                    var nodes = lookUp(tx, chunkIds);
                    Tasks tasks = readTasks(tx, chunkIds, nodes);
                    for (Listener l : listeners) if (l instanceof InTransaction f) f.changedIn(tx, chunkIds, nodes);
                    return tasks;
                });
                t.lock.writeLock().lock();
                try {
                    for (int i = 0; i < read.ids.length; i++)
                        t.upsert(read.ids[i], read.names[i], read.values[i], read.sizes[i], read.telemetry[i]);
                } finally {
                    t.lock.writeLock().unlock();
                }
                continue;
            }
            List<Map<String, Object>> rows;
            if (in != null && core()) {
                var chunkIds = List.copyOf(chunk);
                rows = in.readNative(tx -> readTasks(tx, chunkIds));
            } else if (in != null) rows = in.read(tx -> tx.run(TASKS.text(), Map.of("ids", List.copyOf(chunk))));
            else
                try (var session = driver.session()) {
                    rows = session.executeRead(
                            tx -> tx.run(TASKS.text(), Map.of("ids", chunk)).list(Record::asMap));
                }
            t.lock.writeLock().lock();
            try {
                for (Map<String, Object> r : rows)
                    t.upsert((String) r.get("id"), (List<?>) r.get("props"), Boolean.TRUE.equals(r.get("telemetry")));
            } finally {
                t.lock.writeLock().unlock();
            }
        }
        for (Listener l : listeners) if (!(shared && l instanceof InTransaction)) l.changed(ids);
    }

    /**
     * Whether the per-batch reads, where they run in-process ({@link #reads}), walk the graph through the
     * embedded database's core API ({@link IngestTransport#readNative}) rather than run their Cypher: the
     * default; {@code -Dmida.mirror.core=off} runs the Cypher (benchmarks: the path before, side by side).
     * The same rows either way (FeedIndexIT compares them on one store).
     */
    public static boolean core() {
        return !"off".equals(System.getProperty(CORE_PROPERTY));
    }

    /** The system property that sends the in-process per-batch reads through their Cypher. */
    public static final String CORE_PROPERTY = "mida.mirror.core";

    private static final org.neo4j.graphdb.Label TASK = org.neo4j.graphdb.Label.label("Task");

    /**
     * {@code query/mirror-tasks.cypher} through the core API: per id, the task's properties but the internal
     * ones ({@code _…}) as {@code [name, value]} pairs (values as the Cypher read returns them: {@link
     * IngestTransport#plainValue}), null when the task is missing or a placeholder (no {@code _json}), and
     * whether its document may hold telemetry.
     */
    public static List<Map<String, Object>> readTasks(org.neo4j.graphdb.Transaction tx, List<String> ids) {
        var rows = new ArrayList<Map<String, Object>>(ids.size());
        for (String id : ids) {
            org.neo4j.graphdb.Node n = tx.findNode(TASK, "task_id", id);
            Object json = n == null ? null : n.getProperty("_json", null);
            var row = new java.util.HashMap<String, Object>(4);
            row.put("id", id);
            if (json == null) {
                row.put("props", null);
                row.put("telemetry", false);
            } else {
                var props = new ArrayList<Object>();
                for (var e : n.getAllProperties().entrySet())
                    if (!e.getKey().startsWith("_"))
                        props.add(java.util.Arrays.asList(e.getKey(), IngestTransport.plainValue(e.getValue())));
                row.put("props", props);
                row.put("telemetry", json instanceof String j && j.contains("\"telemetry_at_"));
            }
            rows.add(row);
        }
        return rows;
    }

    /** The node of each task id ({@code Task(task_id)}, the uniqueness constraint's index), null where none. */
    public static org.neo4j.graphdb.Node[] lookUp(org.neo4j.graphdb.Transaction tx, List<String> ids) {
        var nodes = new org.neo4j.graphdb.Node[ids.size()];
        for (int i = 0; i < nodes.length; i++) nodes[i] = tx.findNode(TASK, "task_id", ids.get(i));
        return nodes;
    }

    /**
     * What {@link #readTasks(org.neo4j.graphdb.Transaction, List)} reads, per task: its id, the names and values
     * of its properties but the internal ones (the first {@code sizes[i]}; {@code names[i]} null when the task
     * is missing or a placeholder) and whether its document may hold telemetry.
     */
    public record Tasks(String[] ids, String[][] names, Object[][] values, int[] sizes, boolean[] telemetry) {
        /** As rows of {@code query/mirror-tasks} ({@code id}, {@code props} as pairs, {@code telemetry}). */
        public List<Map<String, Object>> rows() {
            var out = new ArrayList<Map<String, Object>>(ids.length);
            for (int i = 0; i < ids.length; i++) {
                List<Object> props = null;
                if (names[i] != null) {
                    props = new ArrayList<>(sizes[i]);
                    for (int j = 0; j < sizes[i]; j++) props.add(java.util.Arrays.asList(names[i][j], values[i][j]));
                }
                var row = new java.util.HashMap<String, Object>(4);
                row.put("id", ids[i]);
                row.put("props", props);
                row.put("telemetry", telemetry[i]);
                out.add(row);
            }
            return out;
        }
    }

    /**
     * {@code query/mirror-tasks.cypher} on nodes already looked up ({@link #lookUp}), in one pass over each
     * node's properties through the kernel's cursors: an internal property's value is not read, but for the
     * document ({@code _json}: present or not, telemetry or not), which is read once (issue 15, mir18: {@link
     * #readTasks(org.neo4j.graphdb.Transaction, List)} reads it twice and every property into a map).
     */
    public static Tasks readTasks(org.neo4j.graphdb.Transaction tx, List<String> ids, org.neo4j.graphdb.Node[] nodes) {
        int n = ids.size();
        var out = new Tasks(ids.toArray(new String[0]), new String[n][], new Object[n][], new int[n], new boolean[n]);
        var ktx = ((org.neo4j.kernel.impl.coreapi.InternalTransaction) tx).kernelTransaction();
        var tokens = ktx.tokenRead();
        var read = ktx.dataRead();
        var cursors = ktx.cursors();
        int json = tokens.propertyKey("_json");
        var keyNames = new java.util.HashMap<Integer, String>();
        try (var nc = cursors.allocateNodeCursor(ktx.cursorContext(), ktx.memoryTracker());
                var pc = cursors.allocatePropertyCursor(ktx.cursorContext(), ktx.memoryTracker())) {
            String[] names = new String[16];
            Object[] values = new Object[16];
            for (int i = 0; i < n; i++) {
                if (nodes[i] == null || json < 0) continue;
                read.singleNode(nodes[i].getId(), nc);
                if (!nc.next()) continue;
                nc.properties(pc);
                int size = 0;
                Object doc = null;
                while (pc.next()) {
                    int key = pc.propertyKey();
                    if (key == json) {
                        doc = pc.propertyValue().asObjectCopy();
                        continue;
                    }
                    String name = keyNames.get(key);
                    if (name == null) {
                        try {
                            name = tokens.propertyKeyName(key);
                        } catch (org.neo4j.internal.kernel.api.exceptions.PropertyKeyIdNotFoundKernelException e) {
                            throw new IllegalStateException(e);
                        }
                        keyNames.put(key, name);
                    }
                    if (name.startsWith("_")) continue;
                    if (size == names.length) {
                        names = java.util.Arrays.copyOf(names, size * 2);
                        values = java.util.Arrays.copyOf(values, size * 2);
                    }
                    names[size] = name;
                    values[size++] =
                            IngestTransport.plainValue(pc.propertyValue().asObjectCopy());
                }
                if (doc == null) continue;
                out.names[i] = java.util.Arrays.copyOf(names, size);
                out.values[i] = java.util.Arrays.copyOf(values, size);
                out.sizes[i] = size;
                out.telemetry[i] = doc instanceof String j && j.contains("\"telemetry_at_");
            }
        }
        return out;
    }

    private static boolean flag(org.neo4j.driver.Value v) {
        return !v.isNull() && v.asBoolean();
    }

    private void checkSize() {
        TaskTable t = table;
        if (t != null && t.bytes() > maxBytes)
            off("the task table passed MIDA_MIRROR_MAX_BYTES (" + maxBytes + " bytes) at " + t.rows + " tasks");
    }

    private void off(String why) {
        offReason = why;
        state = State.OFF;
        table = null;
        if (maxBytes > 0) LOG.warn("columnar mirror off, the DSL uses Cypher: {}", why);
        synchronized (this) {
            notifyAll();
        }
    }

    // ---------------------------------------------------------------- other instances' batches

    /** Listens to {@code <stream>:ingested} while another consumer reads the stream. */
    private void listen() {
        while (!closed && state != State.OFF) {
            try {
                if (!othersIngest()) {
                    Thread.sleep(2_000);
                    continue;
                }
                LOG.info("columnar mirror: another server ingests {}; following its batches", stream);
                try (Jedis jedis = new Jedis(URI.create(redisUri))) {
                    jedis.subscribe(sub, stream + ":ingested"); // returns once unsubscribed
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) return;
                LOG.warn("columnar mirror: listening to other instances failed ({}), retrying in 1 s", e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                listening = false;
            }
        }
    }

    private boolean othersIngest() {
        try {
            return redis.xinfoConsumers2(stream, group).size() > 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private final class Sub extends JedisPubSub {
        private long lastCheck = System.nanoTime();

        @Override
        public void onSubscribe(String channel, int n) {
            listening = true;
            // what other instances wrote before this subscription is read by a reload
            synchronized (TaskMirror.this) {
                reloadWanted = true;
                TaskMirror.this.notifyAll();
            }
        }

        @Override
        public void onMessage(String channel, String message) {
            try {
                JsonNode m = mapper.readTree(message);
                synchronized (TaskMirror.this) {
                    for (JsonNode item : m.path("items"))
                        if ("task".equals(item.path("event").asText())) {
                            String id = item.path("data").path("task_id").asText(null);
                            if (id != null) pending.add(id);
                        }
                    TaskMirror.this.notifyAll();
                }
            } catch (Exception e) {
                LOG.warn("columnar mirror: unreadable message on {}: {}", channel, e.toString());
            }
            if (System.nanoTime() - lastCheck > 5e9) {
                lastCheck = System.nanoTime();
                if (!othersIngest()) unsubscribe();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        BY_DRIVER.remove(driver);
        try {
            if (sub.isSubscribed()) sub.unsubscribe();
        } catch (Exception e) {
            LOG.debug("columnar mirror: unsubscribe failed: {}", e.toString());
        }
        // listeners first: a read of theirs the interrupt below cuts short is then known to be the stop
        for (Listener l : listeners) l.closed();
        worker.interrupt();
        listener.interrupt();
    }
}

package org.mida.observers.mlflow;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.observers.controller.Observer;
import org.mida.observers.emit.Emitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls an MLflow backend store (SQLite or PostgreSQL, MLflow's own schema read over JDBC, read
 * only) and turns every run, in every state, into task events and every experiment into a workflow
 * event. Each {@link #poll()} is incremental:
 *
 * <ul>
 *   <li>runs: only those that are RUNNING/SCHEDULED, that started or ended after the time watermarks
 *       (minus {@link MlflowSettings#lookback()}, since MLflow's times come from client clocks), and
 *       those this observer last saw in a non-terminal state (MLflow's {@code runs} table has no
 *       updated-at column). Their params, tags and {@code latest_metrics} are read and compared with
 *       what was last emitted; an event goes out only for a run that changed;
 *   <li>metric histories: per changed metric only the {@code metrics} rows at or after the last
 *       timestamp read (rows already seen at that timestamp are skipped);
 *   <li>the first poll, and one poll every {@link MlflowSettings#reconcileInterval()}, look at every
 *       run (catches values logged into long-finished runs); experiments (a small table) are read
 *       every poll and emitted when they change.
 * </ul>
 *
 * As an {@link Observer} (polling style): {@link #start(Emitter)} opens the connection, each {@link
 * #observe()} polls once and emits what changed. Not thread-safe: one thread polls (the
 * controller's). The mapping is in {@code docs/OBSERVERS.md}.
 *
 * <pre>{@code
 * try (var mlflow = new MlflowObserver(MlflowSettings.fromTrackingUri("sqlite:////data/mlflow.db"))) {
 *     List<Event> changed = mlflow.poll(); // or: mlflow.start(emitter); mlflow.observe();
 * }
 * }</pre>
 */
public final class MlflowObserver implements Observer {

    private static final Logger LOG = LoggerFactory.getLogger(MlflowObserver.class);

    /** The {@code adapter_id} on every event. */
    public static final String ADAPTER_ID = "mlflow";

    /** Runs per chunk of {@code IN (…)} queries. */
    static final int CHUNK = 400;

    private static final String RUN_COLUMNS = "run_uuid, name, source_type, source_name, entry_point_name, user_id,"
            + " status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id";

    private final MlflowSettings settings;
    private Connection connection;
    private volatile Emitter emitter;

    private final Map<String, String> experimentFingerprints = new HashMap<>();
    private final Map<String, String> experimentWorkflowIds = new HashMap<>();
    private final Map<String, RunState> runs = new HashMap<>();
    private final Set<String> nonTerminal = new LinkedHashSet<>();
    private long startWatermark = Long.MIN_VALUE;
    private long endWatermark = Long.MIN_VALUE;
    private long lastFullScanNanos;
    private boolean fullScanDone;

    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong runEvents = new AtomicLong();
    private final AtomicLong workflowEvents = new AtomicLong();
    private final AtomicLong runsRead = new AtomicLong();
    private final AtomicLong metricRowsRead = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();

    /** What this observer last emitted for one run. */
    private static final class RunState {
        String status;
        Long startTime;
        Long endTime;
        String core; // the other run columns, joined
        Map<String, String> params = Map.of();
        Map<String, String> tags = Map.of();
        Map<String, LatestMetric> latest = Map.of();
        final Map<String, History> histories = new HashMap<>();
    }

    record LatestMetric(double value, long timestamp, long step, boolean isNan) {}

    /** A metric's history as read so far, and where to continue reading. */
    private static final class History {
        final List<Map<String, Object>> points = new ArrayList<>();
        long maxTimestamp = Long.MIN_VALUE;
        final Set<String> seenAtMax = new java.util.HashSet<>();
    }

    /** Counters since start. */
    public record Stats(
            long polls, long runEvents, long workflowEvents, long runsRead, long metricRowsRead, long errors) {}

    public MlflowObserver(MlflowSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public MlflowSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return ADAPTER_ID;
    }

    /** Connects to the store (so a wrong URL fails here) and emits into {@code emitter} from now on. */
    @Override
    public void start(Emitter emitter) throws SQLException {
        this.emitter = Objects.requireNonNull(emitter, "emitter");
        connection();
    }

    /** One incremental poll, emitting every changed experiment and run. */
    @Override
    public void observe() throws SQLException {
        Emitter e = emitter;
        if (e == null) throw new IllegalStateException("start(emitter) first");
        poll(e::emit);
    }

    public Stats stats() {
        return new Stats(
                polls.get(), runEvents.get(), workflowEvents.get(), runsRead.get(), metricRowsRead.get(), errors.get());
    }

    /** The workflow id of an experiment of this store. */
    public String workflowId(String experimentId) {
        return "mlflow-experiment:" + experimentId + "@" + settings.storeId();
    }

    /** The task id of a run. Run ids are UUIDs, unique across stores. */
    public static String taskId(String runUuid) {
        return "mlflow:" + runUuid;
    }

    /** One poll, handing each event to {@code sink}; returns how many. */
    public int poll(Consumer<? super Event> sink) throws SQLException {
        List<Event> events = poll();
        events.forEach(sink);
        return events.size();
    }

    /**
     * One incremental poll: the events for every experiment and run that changed since the previous
     * poll (workflows first). On a database error the connection is dropped and reopened by the next
     * poll; nothing is marked as seen, so nothing is lost.
     */
    public List<Event> poll() throws SQLException {
        polls.incrementAndGet();
        try {
            Connection c = connection();
            var out = new ArrayList<Event>();
            pollExperiments(c, out);
            pollRuns(c, out);
            return out;
        } catch (SQLException | RuntimeException e) {
            errors.incrementAndGet();
            closeConnection();
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection != null) return connection;
        var props = new Properties();
        if (settings.user() != null) props.setProperty("user", settings.user());
        if (settings.password() != null) props.setProperty("password", settings.password());
        if (settings.sqlite()) {
            // read only; wait for MLflow's write locks instead of failing with SQLITE_BUSY
            props.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
            props.setProperty("busy_timeout", "10000");
        } else {
            props.setProperty("readOnly", "true");
            props.setProperty("ApplicationName", "mida-mlflow-observer");
        }
        Connection c = DriverManager.getConnection(settings.jdbcUrl(), props);
        c.setAutoCommit(true);
        connection = c;
        LOG.info("MLflow observer connected to {}", MlflowSettings.redact(settings.jdbcUrl()));
        return c;
    }

    // ------------------------------------------------------------------ experiments

    private void pollExperiments(Connection c, List<Event> out) throws SQLException {
        var tags = new HashMap<String, Map<String, Object>>();
        try (var st = c.prepareStatement("SELECT \"key\", \"value\", experiment_id FROM experiment_tags");
                var rs = st.executeQuery()) {
            while (rs.next())
                tags.computeIfAbsent(rs.getString(3), k -> new LinkedHashMap<>())
                        .put(rs.getString(1), rs.getString(2));
        }
        try (var st = c.prepareStatement("SELECT experiment_id, name, artifact_location, lifecycle_stage,"
                        + " creation_time, last_update_time FROM experiments");
                var rs = st.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                String name = rs.getString(2);
                String artifacts = rs.getString(3);
                String lifecycle = rs.getString(4);
                Long created = getLong(rs, 5);
                Long updated = getLong(rs, 6);
                Map<String, Object> expTags = tags.getOrDefault(id, Map.of());
                String fp = String.join(
                        "\u0001",
                        String.valueOf(name),
                        String.valueOf(artifacts),
                        String.valueOf(lifecycle),
                        String.valueOf(created),
                        String.valueOf(updated),
                        expTags.toString());
                if (fp.equals(experimentFingerprints.get(id))) continue;
                var meta = new LinkedHashMap<String, Object>();
                meta.put("mlflow_experiment_id", id);
                meta.put("mlflow_store", settings.storeId());
                if (artifacts != null) meta.put("mlflow_artifact_location", artifacts);
                if (lifecycle != null) meta.put("mlflow_lifecycle_stage", lifecycle);
                if (updated != null) meta.put("mlflow_last_update_time", MlflowMapping.seconds(updated));
                meta.putAll(expTags);
                String wf = workflowId(id);
                out.add(new WorkflowEvent(
                        wf,
                        settings.campaignId(),
                        name,
                        null,
                        ADAPTER_ID,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        meta,
                        MlflowMapping.seconds(created),
                        null,
                        null,
                        null));
                workflowEvents.incrementAndGet();
                experimentFingerprints.put(id, fp);
                experimentWorkflowIds.put(id, wf);
            }
        }
    }

    // ------------------------------------------------------------------ runs

    private record RunRow(
            String uuid,
            String name,
            String sourceType,
            String sourceName,
            String entryPoint,
            String userId,
            String status,
            Long startTime,
            Long endTime,
            String sourceVersion,
            String lifecycle,
            String artifactUri,
            String experimentId) {

        String core() {
            return String.join(
                    "\u0001",
                    String.valueOf(name),
                    String.valueOf(sourceType),
                    String.valueOf(sourceName),
                    String.valueOf(entryPoint),
                    String.valueOf(userId),
                    String.valueOf(sourceVersion),
                    String.valueOf(lifecycle),
                    String.valueOf(artifactUri),
                    String.valueOf(experimentId));
        }
    }

    private void pollRuns(Connection c, List<Event> out) throws SQLException {
        long now = System.nanoTime();
        boolean full = !fullScanDone
                || (!settings.reconcileInterval().isZero()
                        && !settings.reconcileInterval().isNegative()
                        && now - lastFullScanNanos
                                >= settings.reconcileInterval().toNanos());
        var rows = new LinkedHashMap<String, RunRow>();
        if (full) {
            try (var st = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs");
                    var rs = st.executeQuery()) {
                while (rs.next()) addRun(rs, rows);
            }
        } else {
            long lookback = settings.lookback().toMillis();
            try (var st = c.prepareStatement("SELECT " + RUN_COLUMNS
                    + " FROM runs WHERE status IN ('RUNNING', 'SCHEDULED')" + " OR start_time >= ? OR end_time >= ?")) {
                st.setLong(1, startWatermark == Long.MIN_VALUE ? Long.MIN_VALUE : startWatermark - lookback);
                st.setLong(2, endWatermark == Long.MIN_VALUE ? Long.MIN_VALUE : endWatermark - lookback);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) addRun(rs, rows);
                }
            }
            // runs last seen running or scheduled that the query above no longer returns
            var missing = new ArrayList<String>();
            for (String id : nonTerminal) if (!rows.containsKey(id)) missing.add(id);
            for (List<String> chunk : chunks(missing)) {
                try (var st =
                        c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE run_uuid IN " + marks(chunk))) {
                    bind(st, chunk, 1);
                    try (var rs = st.executeQuery()) {
                        while (rs.next()) addRun(rs, rows);
                    }
                }
            }
        }
        runsRead.addAndGet(rows.size());
        for (List<String> chunk : chunks(new ArrayList<>(rows.keySet()))) processChunk(c, chunk, rows, out);
        if (full) {
            fullScanDone = true;
            lastFullScanNanos = now;
        }
    }

    private static void addRun(ResultSet rs, Map<String, RunRow> rows) throws SQLException {
        var r = new RunRow(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                getLong(rs, 8),
                getLong(rs, 9),
                rs.getString(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13));
        rows.put(r.uuid(), r);
    }

    private void processChunk(Connection c, List<String> ids, Map<String, RunRow> rows, List<Event> out)
            throws SQLException {
        var params = readKeyValues(c, "params", ids);
        var tags = readKeyValues(c, "tags", ids);
        var latest = new HashMap<String, Map<String, LatestMetric>>();
        try (var st = c.prepareStatement(
                "SELECT run_uuid, \"key\", \"value\", \"timestamp\", step, is_nan FROM latest_metrics"
                        + " WHERE run_uuid IN " + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    Long ts = getLong(rs, 4);
                    latest.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>())
                            .put(
                                    rs.getString(2),
                                    new LatestMetric(
                                            rs.getDouble(3), ts == null ? 0 : ts, rs.getLong(5), rs.getBoolean(6)));
                }
            }
        }
        for (String id : ids) {
            RunRow row = rows.get(id);
            Map<String, String> p = params.getOrDefault(id, Map.of());
            Map<String, String> t = tags.getOrDefault(id, Map.of());
            Map<String, LatestMetric> m = latest.getOrDefault(id, Map.of());
            RunState prev = runs.get(id);
            boolean changed = prev == null
                    || !Objects.equals(prev.status, row.status())
                    || !Objects.equals(prev.startTime, row.startTime())
                    || !Objects.equals(prev.endTime, row.endTime())
                    || !prev.core.equals(row.core())
                    || !prev.params.equals(p)
                    || !prev.tags.equals(t)
                    || !prev.latest.equals(m);
            if (changed) {
                RunState state = prev == null ? new RunState() : prev;
                var changedMetrics = new ArrayList<String>();
                for (var e : m.entrySet())
                    if (!e.getValue().equals(state.latest.get(e.getKey()))) changedMetrics.add(e.getKey());
                Map<String, Object> histories =
                        settings.metricHistory() ? readHistories(c, id, state, changedMetrics) : Map.of();
                out.add(toEvent(row, p, t, m, changedMetrics, histories));
                runEvents.incrementAndGet();
                state.status = row.status();
                state.startTime = row.startTime();
                state.endTime = row.endTime();
                state.core = row.core();
                state.params = p;
                state.tags = t;
                state.latest = m;
                // a finished run keeps no history in memory; a late change re-reads it from the store
                if (MlflowMapping.terminal(row.status())) state.histories.clear();
                runs.put(id, state);
            }
            if (MlflowMapping.terminal(row.status())) nonTerminal.remove(id);
            else nonTerminal.add(id);
            if (row.startTime() != null) startWatermark = Math.max(startWatermark, row.startTime());
            if (row.endTime() != null) endWatermark = Math.max(endWatermark, row.endTime());
        }
    }

    private Map<String, Map<String, String>> readKeyValues(Connection c, String table, List<String> ids)
            throws SQLException {
        var out = new HashMap<String, Map<String, String>>();
        try (var st = c.prepareStatement(
                "SELECT run_uuid, \"key\", \"value\" FROM " + table + " WHERE run_uuid IN " + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next())
                    out.computeIfAbsent(rs.getString(1), k -> new java.util.TreeMap<>())
                            .put(rs.getString(2), rs.getString(3));
            }
        }
        return out;
    }

    /** Reads the new history rows of the changed metrics; returns metric → its full history so far. */
    private Map<String, Object> readHistories(Connection c, String runId, RunState state, List<String> keys)
            throws SQLException {
        if (keys.isEmpty()) return Map.of();
        var out = new LinkedHashMap<String, Object>();
        try (PreparedStatement st = c.prepareStatement("SELECT \"value\", \"timestamp\", step, is_nan FROM metrics"
                + " WHERE run_uuid = ? AND \"key\" = ? AND \"timestamp\" >= ? ORDER BY \"timestamp\", step")) {
            for (String key : keys) {
                History h = state.histories.computeIfAbsent(key, k -> new History());
                st.setString(1, runId);
                st.setString(2, key);
                st.setLong(3, h.maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : h.maxTimestamp);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        double v = rs.getDouble(1);
                        long ts = rs.getLong(2);
                        long step = rs.getLong(3);
                        boolean nan = rs.getBoolean(4);
                        String identity = step + "/" + Double.doubleToLongBits(v) + "/" + nan;
                        if (ts == h.maxTimestamp && !h.seenAtMax.add(identity)) continue;
                        if (ts > h.maxTimestamp) {
                            h.maxTimestamp = ts;
                            h.seenAtMax.clear();
                            h.seenAtMax.add(identity);
                        }
                        var point = new LinkedHashMap<String, Object>();
                        point.put("step", step);
                        point.put("value", MlflowMapping.metric(v, nan));
                        point.put("timestamp", MlflowMapping.seconds(ts));
                        h.points.add(point);
                        metricRowsRead.incrementAndGet();
                    }
                }
                h.points.sort((a, b) -> {
                    int s = Long.compare((Long) a.get("step"), (Long) b.get("step"));
                    return s != 0 ? s : Double.compare((Double) a.get("timestamp"), (Double) b.get("timestamp"));
                });
                out.put(key, List.copyOf(h.points));
            }
        }
        return out;
    }

    private TaskEvent toEvent(
            RunRow row,
            Map<String, String> params,
            Map<String, String> tags,
            Map<String, LatestMetric> latest,
            List<String> changedMetrics,
            Map<String, Object> histories) {
        var used = new LinkedHashMap<String, Object>();
        var originals = new LinkedHashMap<String, Object>();
        for (var e : params.entrySet()) {
            Object v = MlflowMapping.param(e.getValue());
            used.put(e.getKey(), v);
            if (MlflowMapping.paramNeedsOriginal(e.getValue(), v)) originals.put(e.getKey(), e.getValue());
        }
        var generated = new LinkedHashMap<String, Object>();
        for (var e : latest.entrySet())
            generated.put(
                    e.getKey(),
                    MlflowMapping.metric(e.getValue().value(), e.getValue().isNan()));
        if (row.artifactUri() != null && !row.artifactUri().isBlank()) {
            var ref = new LinkedHashMap<String, Object>();
            ref.put("@id", row.artifactUri());
            ref.put("@type", "artifacts");
            generated.put("artifacts", ref);
        }
        var meta = new LinkedHashMap<String, Object>();
        meta.putAll(tags);
        meta.put("mlflow_run_id", row.uuid());
        meta.put("mlflow_status", row.status());
        if (row.name() != null) meta.put("mlflow_run_name", row.name());
        if (row.lifecycle() != null) meta.put("mlflow_lifecycle_stage", row.lifecycle());
        if (row.experimentId() != null) meta.put("mlflow_experiment_id", row.experimentId());
        if (row.sourceType() != null) meta.put("mlflow_source_type", row.sourceType());
        if (row.sourceName() != null && !row.sourceName().isEmpty()) meta.put("mlflow_source_name", row.sourceName());
        if (row.sourceVersion() != null && !row.sourceVersion().isEmpty())
            meta.put("mlflow_source_version", row.sourceVersion());
        if (row.entryPoint() != null && !row.entryPoint().isEmpty()) meta.put("mlflow_entry_point", row.entryPoint());
        if (!originals.isEmpty()) meta.put("mlflow_params_raw", originals);
        for (String key : changedMetrics) {
            LatestMetric lm = latest.get(key);
            var info = new LinkedHashMap<String, Object>();
            info.put("step", lm.step());
            info.put("timestamp", MlflowMapping.seconds(lm.timestamp()));
            Object h = histories.get(key);
            if (h != null) info.put("history", h);
            meta.put("mlflow_metric:" + key, info);
        }
        String user = tags.get("mlflow.user");
        if (user == null || user.isBlank()) user = row.userId();
        String source = tags.getOrDefault("mlflow.source.name", row.sourceName());
        String activity = source == null || source.isBlank() ? "mlflow_run" : baseName(source);
        return TaskEvent.builder(taskId(row.uuid()))
                .workflowId(row.experimentId() == null ? null : workflowId(row.experimentId()))
                .campaignId(settings.campaignId())
                .activityId(activity)
                .status(MlflowMapping.status(row.status()))
                .startedAt(MlflowMapping.seconds(row.startTime()))
                .endedAt(MlflowMapping.seconds(row.endTime()))
                .used(used)
                .generated(generated)
                .adapterId(ADAPTER_ID)
                .user(user)
                .loginName(row.userId())
                .subtype("mlflow_run")
                .customMetadata(meta)
                .build();
    }

    private static String baseName(String source) {
        String s = source;
        while (s.endsWith("/") && s.length() > 1) s = s.substring(0, s.length() - 1);
        int i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        return i >= 0 && i < s.length() - 1 ? s.substring(i + 1) : s;
    }

    // ------------------------------------------------------------------ JDBC helpers

    private static Long getLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    private static String marks(List<String> ids) {
        return "(" + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
    }

    private static void bind(PreparedStatement st, List<String> values, int from) throws SQLException {
        for (int i = 0; i < values.size(); i++) st.setString(from + i, values.get(i));
    }

    private static List<List<String>> chunks(List<String> ids) {
        var out = new ArrayList<List<String>>();
        for (int i = 0; i < ids.size(); i += CHUNK) out.add(ids.subList(i, Math.min(ids.size(), i + CHUNK)));
        return out;
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing the MLflow store connection failed", e);
        }
        connection = null;
    }

    @Override
    public void close() {
        closeConnection();
    }
}

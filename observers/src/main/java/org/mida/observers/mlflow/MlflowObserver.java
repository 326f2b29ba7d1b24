package org.mida.observers.mlflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.WorkflowEvent;
import org.mida.observers.controller.Observer;
import org.mida.observers.emit.Emitter;
import org.mida.observers.mlflow.MlflowRows.ArtifactFile;
import org.mida.observers.mlflow.MlflowRows.DatasetInput;
import org.mida.observers.mlflow.MlflowRows.LatestMetric;
import org.mida.observers.mlflow.MlflowRows.LoggedModel;
import org.mida.observers.mlflow.MlflowRows.Run;
import org.mida.observers.mlflow.MlflowRows.RunFacts;
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
 *   <li>lineage: the datasets a run logged with {@code mlflow.log_input} become {@code used} entities
 *       (their digest is the reference's {@code version}: the version of the data the run read), params
 *       that name data (URIs, absolute paths, params listed in the settings) too; MLflow 3's
 *       logged models and the files under a local artifact directory become {@code generated} entities;
 *       a logged model updated after its run ended brings its run back into the next poll;
 *   <li>the first poll, and one poll every {@link MlflowSettings#reconcileInterval()}, look at every
 *       run (catches values logged into long-finished runs); experiments (a small table) are read
 *       every poll and emitted when they change.
 * </ul>
 *
 * As an {@link Observer} (polling style): {@link #start(Emitter)} opens the connection, each {@link
 * #observe()} polls once and emits what changed; a row it cannot map goes to the emitter's dead letters
 * ({@link Emitter#reject}) and is counted ({@link #counters()}). Not thread-safe: one thread polls (the
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

    /** MLflow's Default experiment: not a workflow while it has no runs. */
    static final String DEFAULT_EXPERIMENT_ID = "0";

    private static final String RUN_COLUMNS = "run_uuid, name, source_type, source_name, entry_point_name, user_id,"
            + " status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id";

    private static final String MODEL_COLUMNS = "model_id, experiment_id, name, artifact_location,"
            + " creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id,"
            + " status_message";

    private final MlflowSettings settings;
    private final RunMapper mapper;
    private Connection connection;
    private volatile Emitter emitter;
    /** Tables of newer MLflow versions, looked up at connect: {@code inputs} (2.4+), {@code logged_models} (3.0+). */
    private boolean hasInputs;

    private boolean hasLoggedModels;

    private final Map<String, String> experimentFingerprints = new HashMap<>();
    private final Map<String, String> experimentCampaigns = new HashMap<>();
    private final Map<String, RunState> runs = new HashMap<>();
    private final Set<String> nonTerminal = new LinkedHashSet<>();
    private final Set<String> rejectedInputs = new HashSet<>();
    private long startWatermark = Long.MIN_VALUE;
    private long endWatermark = Long.MIN_VALUE;
    private long modelWatermark = Long.MIN_VALUE;
    private long lastFullScanNanos;
    private boolean fullScanDone;

    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong runEvents = new AtomicLong();
    private final AtomicLong workflowEvents = new AtomicLong();
    private final AtomicLong runsRead = new AtomicLong();
    private final AtomicLong metricRowsRead = new AtomicLong();
    private final AtomicLong datasetsRead = new AtomicLong();
    private final AtomicLong modelsRead = new AtomicLong();
    private final AtomicLong artifactFilesRead = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile int runsSeen;

    /** What this observer last emitted (or refused) for one run. */
    private static final class RunState {
        String status;
        Long startTime;
        Long endTime;
        String core; // the other run columns, joined
        Map<String, String> params = Map.of();
        Map<String, String> tags = Map.of();
        Map<String, LatestMetric> latest = Map.of();
        List<DatasetInput> datasets = List.of();
        List<LoggedModel> generatedModels = List.of();
        List<LoggedModel> usedModels = List.of();
        List<ArtifactFile> artifacts = List.of();
        String experimentCampaign;
        final Map<String, History> histories = new HashMap<>();

        boolean same(RunFacts f) {
            Run row = f.run();
            return Objects.equals(status, row.status())
                    && Objects.equals(startTime, row.startTime())
                    && Objects.equals(endTime, row.endTime())
                    && core.equals(row.core())
                    && params.equals(f.params())
                    && tags.equals(f.tags())
                    && latest.equals(f.latest())
                    && datasets.equals(f.datasets())
                    && generatedModels.equals(f.generatedModels())
                    && usedModels.equals(f.usedModels())
                    && artifacts.equals(f.artifacts())
                    && Objects.equals(experimentCampaign, f.experimentCampaign());
        }

        void remember(RunFacts f) {
            Run row = f.run();
            status = row.status();
            startTime = row.startTime();
            endTime = row.endTime();
            core = row.core();
            params = f.params();
            tags = f.tags();
            latest = f.latest();
            datasets = f.datasets();
            generatedModels = f.generatedModels();
            usedModels = f.usedModels();
            artifacts = f.artifacts();
            experimentCampaign = f.experimentCampaign();
        }
    }

    /** A metric's history as read so far, and where to continue reading. */
    private static final class History {
        final List<Map<String, Object>> points = new ArrayList<>();
        long maxTimestamp = Long.MIN_VALUE;
        final Set<String> seenAtMax = new HashSet<>();
    }

    /**
     * Counters since start.
     *
     * @param rejected rows that could not be mapped (sent to the dead letters with a reason)
     */
    public record Stats(
            long polls,
            long runEvents,
            long workflowEvents,
            long runsRead,
            long metricRowsRead,
            long datasetsRead,
            long modelsRead,
            long artifactFilesRead,
            long rejected,
            long errors) {}

    public MlflowObserver(MlflowSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mapper = new RunMapper(settings);
    }

    public MlflowSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return ADAPTER_ID;
    }

    /**
     * Connects to the store (so a wrong URL fails here) and emits into {@code emitter} from now on; rows
     * it cannot map go to the emitter's dead letters ({@link Emitter#reject}).
     */
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
                polls.get(),
                runEvents.get(),
                workflowEvents.get(),
                runsRead.get(),
                metricRowsRead.get(),
                datasetsRead.get(),
                modelsRead.get(),
                artifactFilesRead.get(),
                rejected.get(),
                errors.get());
    }

    /** For status reports: polls, runs seen, events, rows read, rejected rows, failed polls. */
    @Override
    public Map<String, Long> counters() {
        var c = new LinkedHashMap<String, Long>();
        c.put("polls", polls.get());
        c.put("runs_seen", (long) runsSeen);
        c.put("run_events", runEvents.get());
        c.put("workflow_events", workflowEvents.get());
        c.put("runs_read", runsRead.get());
        c.put("metric_rows_read", metricRowsRead.get());
        c.put("datasets_read", datasetsRead.get());
        c.put("models_read", modelsRead.get());
        c.put("artifact_files_read", artifactFilesRead.get());
        c.put("rejected", rejected.get());
        c.put("errors", errors.get());
        return c;
    }

    /** The workflow id of an experiment of this store. */
    public String workflowId(String experimentId) {
        return mapper.workflowId(experimentId);
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
     * poll; nothing is marked as seen, so nothing is lost. A run or input row that cannot be mapped is
     * refused (dead letter through the emitter given to {@link #start}, or a warning without one) and
     * not retried until it changes.
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
        hasInputs = hasTable(c, "inputs") && hasTable(c, "datasets") && hasTable(c, "input_tags");
        hasLoggedModels = hasTable(c, "logged_models");
        connection = c;
        LOG.info(
                "MLflow observer connected to {} (datasets: {}, logged models: {})",
                MlflowSettings.redact(settings.jdbcUrl()),
                hasInputs,
                hasLoggedModels);
        return c;
    }

    private static boolean hasTable(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, null, table, new String[] {"TABLE"})) {
            return rs.next();
        }
    }

    /** Sends a row that cannot be mapped to the dead letters (counted). */
    private void reject(String reason, String source, Object raw) {
        rejected.incrementAndGet();
        String text = EventCodec.shared().toJson(raw);
        Emitter e = emitter;
        if (e != null) e.reject(reason, source, text);
        else LOG.warn("MLflow row refused (no emitter to dead-letter it): {} from {}: {}", reason, source, text);
    }

    private String rowSource(String table, String key) {
        return "mlflow:" + settings.storeId() + "#" + table + "/" + key;
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
                Object campaignTag = expTags.get(RunMapper.CAMPAIGN_TAG);
                String campaign =
                        campaignTag == null || campaignTag.toString().isBlank() ? null : campaignTag.toString();
                if (campaign == null) experimentCampaigns.remove(id);
                else experimentCampaigns.put(id, campaign);
                String fp = String.join(
                        "\u0001",
                        String.valueOf(name),
                        String.valueOf(artifacts),
                        String.valueOf(lifecycle),
                        String.valueOf(created),
                        String.valueOf(updated),
                        expTags.toString());
                if (fp.equals(experimentFingerprints.get(id))) continue;
                if (DEFAULT_EXPERIMENT_ID.equals(id) && !experimentFingerprints.containsKey(id) && !hasRuns(c, id))
                    continue; // the empty Default experiment every store has is no workflow
                var meta = new LinkedHashMap<String, Object>();
                meta.put("mlflow_experiment_id", id);
                meta.put("mlflow_store", settings.storeId());
                if (artifacts != null) meta.put("mlflow_artifact_location", artifacts);
                if (lifecycle != null) meta.put("mlflow_lifecycle_stage", lifecycle);
                if (updated != null) meta.put("mlflow_last_update_time", MlflowMapping.seconds(updated));
                meta.putAll(expTags);
                out.add(new WorkflowEvent(
                        workflowId(id),
                        campaign != null ? campaign : settings.campaignId(),
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
            }
        }
    }

    private static boolean hasRuns(Connection c, String experimentId) throws SQLException {
        try (var st = c.prepareStatement("SELECT 1 FROM runs WHERE experiment_id = ?")) {
            st.setInt(1, Integer.parseInt(experimentId));
            st.setMaxRows(1);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    // ------------------------------------------------------------------ runs

    private void pollRuns(Connection c, List<Event> out) throws SQLException {
        long now = System.nanoTime();
        boolean full = !fullScanDone
                || (!settings.reconcileInterval().isZero()
                        && !settings.reconcileInterval().isNegative()
                        && now - lastFullScanNanos
                                >= settings.reconcileInterval().toNanos());
        var rows = new LinkedHashMap<String, Run>();
        long newModelWatermark = modelWatermark;
        if (full) {
            try (var st = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs");
                    var rs = st.executeQuery()) {
                while (rs.next()) addRun(rs, rows);
            }
            if (hasLoggedModels) newModelWatermark = Math.max(newModelWatermark, changedModelRuns(c, new HashSet<>()));
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
            // runs last seen running or scheduled that the query above no longer returns, and the
            // source runs of logged models updated since the last poll (a model finalized after its run)
            var missing = new LinkedHashSet<String>();
            for (String id : nonTerminal) if (!rows.containsKey(id)) missing.add(id);
            if (hasLoggedModels) {
                var modelRuns = new HashSet<String>();
                newModelWatermark = Math.max(newModelWatermark, changedModelRuns(c, modelRuns));
                for (String id : modelRuns) if (!rows.containsKey(id)) missing.add(id);
            }
            for (List<String> chunk : chunks(new ArrayList<>(missing))) {
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
        modelWatermark = newModelWatermark;
        runsSeen = runs.size();
        if (full) {
            fullScanDone = true;
            lastFullScanNanos = now;
        }
    }

    /** Adds the source runs of models updated since the model watermark (less the lookback); returns the new watermark. */
    private long changedModelRuns(Connection c, Set<String> runIds) throws SQLException {
        long mark = modelWatermark;
        try (var st = c.prepareStatement("SELECT source_run_id, last_updated_timestamp_ms FROM logged_models"
                + " WHERE last_updated_timestamp_ms >= ?")) {
            st.setLong(
                    1,
                    modelWatermark == Long.MIN_VALUE
                            ? Long.MIN_VALUE
                            : modelWatermark - settings.lookback().toMillis());
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null) runIds.add(rs.getString(1));
                    mark = Math.max(mark, rs.getLong(2));
                }
            }
        }
        return mark;
    }

    private static void addRun(ResultSet rs, Map<String, Run> rows) throws SQLException {
        var r = new Run(
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

    private void processChunk(Connection c, List<String> ids, Map<String, Run> rows, List<Event> out)
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
        Map<String, List<DatasetInput>> datasets = hasInputs ? readDatasets(c, ids) : Map.of();
        var generatedModels = new HashMap<String, List<LoggedModel>>();
        var usedModels = new HashMap<String, List<LoggedModel>>();
        if (hasLoggedModels) readModels(c, ids, generatedModels, usedModels);
        for (String id : ids) {
            Run row = rows.get(id);
            var facts = new RunFacts(
                    row,
                    params.getOrDefault(id, Map.of()),
                    tags.getOrDefault(id, Map.of()),
                    latest.getOrDefault(id, Map.of()),
                    List.of(),
                    Map.of(),
                    datasets.getOrDefault(id, List.of()),
                    generatedModels.getOrDefault(id, List.of()),
                    usedModels.getOrDefault(id, List.of()),
                    settings.listArtifacts() ? listArtifacts(row.artifactUri()) : List.of(),
                    row.experimentId() == null ? null : experimentCampaigns.get(row.experimentId()));
            RunState prev = runs.get(id);
            if (prev == null || !prev.same(facts)) {
                RunState state = prev == null ? new RunState() : prev;
                var changedMetrics = new ArrayList<String>();
                for (var e : facts.latest().entrySet())
                    if (!e.getValue().equals(state.latest.get(e.getKey()))) changedMetrics.add(e.getKey());
                Map<String, Object> histories =
                        settings.metricHistory() ? readHistories(c, id, state, changedMetrics) : Map.of();
                var full = new RunFacts(
                        row,
                        facts.params(),
                        facts.tags(),
                        facts.latest(),
                        changedMetrics,
                        histories,
                        facts.datasets(),
                        facts.generatedModels(),
                        facts.usedModels(),
                        facts.artifacts(),
                        facts.experimentCampaign());
                try {
                    out.add(mapper.toEvent(full));
                    runEvents.incrementAndGet();
                } catch (RuntimeException e) {
                    // remembered like an emitted run: refused once, again only when the run changes
                    reject(
                            "MLflow run " + id + " cannot be mapped to a task event: " + e.getMessage(),
                            rowSource("runs", id),
                            rawRun(full));
                }
                state.remember(full);
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

    private static Map<String, Object> rawRun(RunFacts f) {
        Run r = f.run();
        var run = new LinkedHashMap<String, Object>(); // MLflow's column names
        run.put("run_uuid", r.uuid());
        run.put("name", r.name());
        run.put("experiment_id", r.experimentId());
        run.put("status", r.status());
        run.put("start_time", r.startTime());
        run.put("end_time", r.endTime());
        run.put("user_id", r.userId());
        run.put("source_type", r.sourceType());
        run.put("source_name", r.sourceName());
        run.put("entry_point_name", r.entryPoint());
        run.put("source_version", r.sourceVersion());
        run.put("lifecycle_stage", r.lifecycle());
        run.put("artifact_uri", r.artifactUri());
        var raw = new LinkedHashMap<String, Object>();
        raw.put("run", run);
        raw.put("params", f.params());
        raw.put("tags", f.tags());
        raw.put("datasets", f.datasets());
        raw.put("generated_models", f.generatedModels());
        raw.put("used_models", f.usedModels());
        return raw;
    }

    private Map<String, Map<String, String>> readKeyValues(Connection c, String table, List<String> ids)
            throws SQLException {
        var out = new HashMap<String, Map<String, String>>();
        try (var st = c.prepareStatement(
                "SELECT run_uuid, \"key\", \"value\" FROM " + table + " WHERE run_uuid IN " + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next())
                    out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
            }
        }
        return out;
    }

    /**
     * The datasets each run used ({@code inputs} rows {@code DATASET → RUN}, their {@code datasets} row
     * and {@code input_tags}), ordered by name and digest. An input whose dataset row is missing is
     * refused (once).
     */
    private Map<String, List<DatasetInput>> readDatasets(Connection c, List<String> ids) throws SQLException {
        var tags = new HashMap<String, Map<String, String>>();
        try (var st = c.prepareStatement("SELECT t.input_uuid, t.name, t.\"value\" FROM input_tags t"
                + " JOIN inputs i ON i.input_uuid = t.input_uuid"
                + " WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN "
                + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next())
                    tags.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
            }
        }
        var out = new HashMap<String, List<DatasetInput>>();
        try (var st = c.prepareStatement("SELECT i.input_uuid, i.destination_id, i.source_id, d.dataset_uuid,"
                + " d.experiment_id, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema,"
                + " d.dataset_profile FROM inputs i LEFT JOIN datasets d ON d.dataset_uuid = i.source_id"
                + " WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN "
                + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    String input = rs.getString(1);
                    String run = rs.getString(2);
                    if (rs.getString(4) == null) {
                        if (rejectedInputs.add(input)) {
                            var raw = new LinkedHashMap<String, Object>();
                            raw.put("input_uuid", input);
                            raw.put("source_type", "DATASET");
                            raw.put("source_id", rs.getString(3));
                            raw.put("destination_type", "RUN");
                            raw.put("destination_id", run);
                            reject(
                                    "MLflow input " + input + " of run " + run + " names dataset " + rs.getString(3)
                                            + ", which is not in the datasets table",
                                    rowSource("inputs", input),
                                    raw);
                        }
                        continue;
                    }
                    out.computeIfAbsent(run, k -> new ArrayList<>())
                            .add(new DatasetInput(
                                    input,
                                    rs.getString(4),
                                    rs.getString(5),
                                    rs.getString(6),
                                    rs.getString(7),
                                    rs.getString(8),
                                    rs.getString(9),
                                    rs.getString(10),
                                    rs.getString(11),
                                    Map.copyOf(tags.getOrDefault(input, Map.of()))));
                    datasetsRead.incrementAndGet();
                }
            }
        }
        for (List<DatasetInput> l : out.values())
            l.sort(Comparator.comparing(DatasetInput::name).thenComparing(DatasetInput::digest));
        return out;
    }

    /**
     * The logged models each run generated ({@code logged_models.source_run_id}, or an {@code inputs} row
     * {@code RUN_OUTPUT → MODEL_OUTPUT}) and used ({@code RUN_INPUT → MODEL_INPUT}, less its own), with
     * their params, tags and latest metrics; ordered by model id.
     */
    private void readModels(
            Connection c,
            List<String> ids,
            Map<String, List<LoggedModel>> generated,
            Map<String, List<LoggedModel>> used)
            throws SQLException {
        var generatedIds = new HashMap<String, Set<String>>();
        var usedIds = new HashMap<String, Set<String>>();
        try (var st = c.prepareStatement("SELECT source_type, source_id, destination_id FROM inputs"
                + " WHERE ((source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT')"
                + " OR (source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT')) AND source_id IN "
                + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next())
                    ("RUN_OUTPUT".equals(rs.getString(1)) ? generatedIds : usedIds)
                            .computeIfAbsent(rs.getString(2), k -> new TreeSet<>())
                            .add(rs.getString(3));
            }
        }
        var models = new HashMap<String, LoggedModel>();
        try (var st = c.prepareStatement(
                "SELECT " + MODEL_COLUMNS + " FROM logged_models WHERE source_run_id IN " + marks(ids))) {
            bind(st, ids, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    LoggedModel m = model(rs);
                    models.put(m.modelId(), m);
                    generatedIds
                            .computeIfAbsent(m.sourceRunId(), k -> new TreeSet<>())
                            .add(m.modelId());
                }
            }
        }
        var linked = new TreeSet<String>();
        generatedIds.values().forEach(linked::addAll);
        usedIds.values().forEach(linked::addAll);
        linked.removeAll(models.keySet());
        for (List<String> chunk : chunks(new ArrayList<>(linked))) {
            try (var st = c.prepareStatement(
                    "SELECT " + MODEL_COLUMNS + " FROM logged_models WHERE model_id IN " + marks(chunk))) {
                bind(st, chunk, 1);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        LoggedModel m = model(rs);
                        models.put(m.modelId(), m);
                    }
                }
            }
        }
        if (models.isEmpty()) return;
        modelsRead.addAndGet(models.size());
        var modelIds = new ArrayList<>(models.keySet());
        var params = new HashMap<String, Map<String, String>>();
        var tags = new HashMap<String, Map<String, String>>();
        var metrics = new HashMap<String, Map<String, double[]>>(); // name → {step, timestamp, value}
        for (List<String> chunk : chunks(modelIds)) {
            readModelKeyValues(c, "logged_model_params", "param_key", "param_value", chunk, params);
            readModelKeyValues(c, "logged_model_tags", "tag_key", "tag_value", chunk, tags);
            try (var st = c.prepareStatement("SELECT model_id, metric_name, metric_step, metric_timestamp_ms,"
                    + " metric_value FROM logged_model_metrics WHERE model_id IN " + marks(chunk))) {
                bind(st, chunk, 1);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        double value = rs.getDouble(5);
                        if (rs.wasNull()) continue;
                        double[] point = {rs.getLong(3), rs.getLong(4), value};
                        metrics.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
                                .merge(rs.getString(2), point, (a, b) -> later(a, b) ? a : b);
                    }
                }
            }
        }
        for (var e : models.entrySet()) {
            LoggedModel m = e.getValue();
            var latestMetrics = new TreeMap<String, Double>();
            metrics.getOrDefault(m.modelId(), Map.of()).forEach((k, v) -> latestMetrics.put(k, v[2]));
            models.put(
                    e.getKey(),
                    new LoggedModel(
                            m.modelId(),
                            m.experimentId(),
                            m.name(),
                            m.artifactLocation(),
                            m.created(),
                            m.updated(),
                            m.status(),
                            m.lifecycle(),
                            m.modelType(),
                            m.sourceRunId(),
                            m.statusMessage(),
                            Map.copyOf(params.getOrDefault(m.modelId(), Map.of())),
                            Map.copyOf(tags.getOrDefault(m.modelId(), Map.of())),
                            Map.copyOf(latestMetrics)));
        }
        for (var e : generatedIds.entrySet()) {
            var list = new ArrayList<LoggedModel>();
            for (String m : e.getValue()) if (models.containsKey(m)) list.add(models.get(m));
            if (!list.isEmpty()) generated.put(e.getKey(), list);
        }
        for (var e : usedIds.entrySet()) {
            Set<String> own = generatedIds.getOrDefault(e.getKey(), Set.of());
            var list = new ArrayList<LoggedModel>();
            for (String m : e.getValue()) if (!own.contains(m) && models.containsKey(m)) list.add(models.get(m));
            if (!list.isEmpty()) used.put(e.getKey(), list);
        }
    }

    private static boolean later(double[] a, double[] b) {
        return a[0] != b[0] ? a[0] > b[0] : a[1] >= b[1];
    }

    private static LoggedModel model(ResultSet rs) throws SQLException {
        int statusValue = rs.getInt(7);
        Integer status = rs.wasNull() ? null : statusValue;
        return new LoggedModel(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                getLong(rs, 5),
                getLong(rs, 6),
                status,
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11),
                Map.of(),
                Map.of(),
                Map.of());
    }

    private static void readModelKeyValues(
            Connection c,
            String table,
            String keyColumn,
            String valueColumn,
            List<String> modelIds,
            Map<String, Map<String, String>> out)
            throws SQLException {
        try (var st = c.prepareStatement("SELECT model_id, " + keyColumn + ", " + valueColumn + " FROM " + table
                + " WHERE model_id IN " + marks(modelIds))) {
            bind(st, modelIds, 1);
            try (var rs = st.executeQuery()) {
                while (rs.next())
                    out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
            }
        }
    }

    /**
     * The files under a run's artifact URI when it is a local directory this process can read (an
     * absolute path or a {@code file:} URI), in path order, at most {@link MlflowSettings#maxArtifactFiles()};
     * otherwise none (remote artifact stores are not listed).
     */
    List<ArtifactFile> listArtifacts(String artifactUri) {
        String uri = MlflowMapping.dataUri(artifactUri);
        if (uri == null || !uri.startsWith("file:") || settings.maxArtifactFiles() == 0) return List.of();
        Path dir;
        try {
            dir = uri.startsWith("file://") && !uri.startsWith("file:///")
                    ? null
                    : Path.of(uri.substring(uri.indexOf("//") + 2));
        } catch (RuntimeException e) {
            return List.of();
        }
        if (dir == null || !Files.isDirectory(dir)) return List.of();
        var files = new ArrayList<ArtifactFile>();
        try (Stream<Path> walk = Files.walk(dir)) {
            var paths = walk.filter(Files::isRegularFile).sorted().toList();
            for (Path p : paths) {
                if (files.size() >= settings.maxArtifactFiles()) break;
                String rel = dir.relativize(p).toString().replace('\\', '/');
                long size;
                try {
                    size = Files.size(p);
                } catch (IOException e) {
                    continue; // deleted while listing
                }
                files.add(new ArtifactFile(rel, "file://" + p.toAbsolutePath(), size));
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("listing the artifacts under {} failed: {}", dir, e.toString());
            return List.of();
        }
        artifactFilesRead.addAndGet(files.size());
        return List.copyOf(files);
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

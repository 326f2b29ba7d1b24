package org.mida.server.analysis;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mida.server.analysis.AnalysisQueries.CorrelationRow;
import org.mida.server.analysis.AnalysisQueries.Prop;
import org.mida.server.analysis.CorrelationAnswer.Dropped;
import org.mida.server.analysis.CorrelationAnswer.Pair;
import org.mida.server.analysis.CorrelationAnswer.Timing;
import org.mida.server.analysis.CorrelationAnswer.Variable;
import org.mida.server.http.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The correlation analysis of the paper's Fig. 4: Pearson and Spearman between every numeric
 * hyperparameter ({@code used.*}), result ({@code generated.*}), the duration and the telemetry of the
 * tasks of one workflow or campaign.
 *
 * <p>Variables: numeric and boolean (as 0/1) {@code used.*}/{@code generated.*} properties; {@code
 * duration}; every number under {@code telemetry_at_start}/{@code telemetry_at_end} (maps flattened
 * with dots, lists of objects by index: {@code telemetry_at_end.gpu.0.memory_used_mib}; lists of
 * numbers such as per-core loads, and {@code sampled_at}/{@code pid}/{@code index}, are left out); and
 * {@code telemetry_delta.*} = end − start for the cumulative counters ({@code disk.*}, {@code
 * network.*}, {@code process.cpu_time_s}). Variables that are not numeric, constant, or present in
 * fewer than 3 tasks are reported under {@code dropped}. Undefined coefficients are {@code null}.
 */
final class Correlation {
    private static final Logger LOG = LoggerFactory.getLogger(Correlation.class);

    /** Variables present in fewer tasks than this are dropped. */
    static final int MIN_VALUES = 3;
    /** At most this many variables enter the matrices (the most often present win). */
    static final int MAX_VARIABLES = 200;

    private static final Set<String> TELEMETRY_SKIP = Set.of("sampled_at", "pid", "index");
    private static final List<String> COUNTER_PREFIXES = List.of("disk.", "network.", "process.cpu_time_s");

    /** Which coefficients to compute; written as its lower-case name. */
    enum Method {
        PEARSON,
        SPEARMAN,
        BOTH;

        boolean pearson() {
            return this != SPEARMAN;
        }

        boolean spearman() {
            return this != PEARSON;
        }

        @JsonValue
        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to correlate: the tasks of exactly one of a workflow and a campaign, optionally of one
     * activity ({@code activityId}) and one status ({@code status}; null for any), at most {@code
     * limit} of them; {@code top} strongest pairs.
     */
    record Request(
            String workflowId,
            String campaignId,
            String activityId,
            String status,
            Method method,
            boolean telemetry,
            int limit,
            int top) {
        Request {
            if ((workflowId == null) == (campaignId == null))
                throw new IllegalArgumentException("exactly one of workflowId and campaignId");
            Objects.requireNonNull(method, "method");
            if (limit < 1 || top < 0) throw new IllegalArgumentException("limit >= 1 and top >= 0");
        }
    }

    private final AnalysisQueries queries;
    private final ObjectMapper mapper;

    Correlation(AnalysisQueries queries, ObjectMapper mapper) {
        this.queries = queries;
        this.mapper = mapper;
    }

    /** Columns of values, one slot per task (NaN = absent), growing as tasks stream in. */
    static final class Columns {
        final Map<String, double[]> values = new LinkedHashMap<>();
        final Map<String, Integer> present = new HashMap<>();
        final Map<String, Integer> nonNumeric = new LinkedHashMap<>();
        int rows;
        int capacity = 1024;

        void nextRow() {
            rows++;
            if (rows > capacity) {
                capacity = Math.max(capacity * 2, rows);
                for (var e : values.entrySet()) e.setValue(grow(e.getValue(), capacity));
            }
        }

        private static double[] grow(double[] a, int capacity) {
            double[] b = Arrays.copyOf(a, capacity);
            Arrays.fill(b, a.length, capacity, Double.NaN);
            return b;
        }

        void put(String name, double v) {
            if (Double.isNaN(v) || Double.isInfinite(v)) return;
            double[] col = values.get(name);
            if (col == null) {
                col = new double[capacity];
                Arrays.fill(col, Double.NaN);
                values.put(name, col);
            }
            if (Double.isNaN(col[rows - 1])) present.merge(name, 1, Integer::sum);
            col[rows - 1] = v;
        }

        void putObject(String name, Object o) {
            Double d = numeric(o);
            if (d != null) put(name, d);
            else nonNumeric.merge(name, 1, Integer::sum);
        }
    }

    static Double numeric(Object o) {
        if (o instanceof Boolean b) return b ? 1.0 : 0.0;
        if (o instanceof Number n) return n.doubleValue();
        return null;
    }

    /** The correlations; 404 when the workflow or campaign does not exist. */
    CorrelationAnswer run(Request req) {
        if (req.workflowId() != null && !queries.workflowExists(req.workflowId()))
            throw ApiException.notFound("no workflow '" + req.workflowId() + "'");
        if (req.campaignId() != null && !queries.campaignExists(req.campaignId()))
            throw ApiException.notFound("no campaign '" + req.campaignId() + "'");
        long t0 = System.nanoTime();
        Columns cols = read(req);
        long tRead = System.nanoTime();
        CorrelationAnswer out = assemble(req, cols);
        long tDone = System.nanoTime();
        var timing = new Timing((tRead - t0) / 1_000_000, (tDone - tRead) / 1_000_000);
        LOG.debug(
                "correlation over {} tasks: read {} ms, compute {} ms", cols.rows, timing.readMs(), timing.computeMs());
        return out.withTiming(timing);
    }

    /**
     * Which engine reads the tasks: {@code auto} (the columnar mirror when it is ready and sure, else
     * Cypher) or {@code cypher}; the system property {@value #ENGINE_PROPERTY}, for side-by-side benchmarks.
     */
    static final String ENGINE_PROPERTY = "mida.correlation.engine";

    private Columns read(Request req) {
        Columns fromMirror = "cypher".equals(System.getProperty(ENGINE_PROPERTY)) ? null : readMirror(req);
        if (fromMirror != null) return fromMirror;
        return queries.correlationRows(req, rows -> {
            var cols = new Columns();
            rows.forEach(r -> add(r, cols));
            return cols;
        });
    }

    /**
     * The tasks from the columnar mirror (the same tasks, in the same order, as the Cypher read), the
     * documents of those whose document holds telemetry from the graph; null when the mirror cannot answer.
     */
    private Columns readMirror(Request req) {
        var mirror = queries.mirror();
        if (mirror == null) return null;
        boolean workflow = req.workflowId() != null;
        List<org.mida.server.columnar.MirrorScan.Row> rows = mirror.correlationTasks(
                workflow, workflow ? req.workflowId() : req.campaignId(), req.activityId(), req.status(), req.limit());
        if (rows == null) return null;
        Map<String, String> docs = Map.of();
        if (req.telemetry()) {
            var ids = new ArrayList<String>();
            for (var r : rows) if (r.telemetry()) ids.add(r.taskId());
            docs = queries.documents(ids);
        }
        var cols = new Columns();
        for (var r : rows) {
            var props = new ArrayList<Prop>(r.props().size());
            for (var kv : r.props()) props.add(new Prop(kv.getKey(), kv.getValue()));
            add(new CorrelationRow(r.duration(), props, docs.get(r.taskId())), cols);
        }
        LOG.debug("correlation: {} tasks from the columnar mirror, {} documents read", rows.size(), docs.size());
        return cols;
    }

    private void add(CorrelationRow r, Columns cols) {
        cols.nextRow();
        if (r.duration() != null) cols.putObject("duration", r.duration());
        for (Prop p : r.props()) cols.putObject(p.key(), p.value());
        if (r.json() != null) telemetry(r.json(), cols);
    }

    /** Reads only the telemetry objects of a stored task document (the rest is skipped unparsed). */
    private void telemetry(String json, Columns cols) {
        JsonNode start = null, end = null;
        try (JsonParser p = mapper.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if ("telemetry_at_start".equals(f)) start = p.readValueAsTree();
                else if ("telemetry_at_end".equals(f)) end = p.readValueAsTree();
                else p.skipChildren();
            }
        } catch (IOException e) {
            return; // an unreadable document contributes no telemetry
        }
        var s = new LinkedHashMap<String, Double>();
        var e = new LinkedHashMap<String, Double>();
        if (start != null) flatten("", start, s, 0);
        if (end != null) flatten("", end, e, 0);
        for (var x : s.entrySet()) cols.put("telemetry_at_start." + x.getKey(), x.getValue());
        for (var x : e.entrySet()) cols.put("telemetry_at_end." + x.getKey(), x.getValue());
        for (var x : e.entrySet()) {
            Double before = s.get(x.getKey());
            if (before != null && isCounter(x.getKey()))
                cols.put("telemetry_delta." + x.getKey(), x.getValue() - before);
        }
    }

    private static boolean isCounter(String path) {
        for (String p : COUNTER_PREFIXES) if (path.startsWith(p)) return true;
        return false;
    }

    private static void flatten(String prefix, JsonNode n, Map<String, Double> out, int depth) {
        if (depth > 6) return;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var f = it.next();
                if (TELEMETRY_SKIP.contains(f.getKey())) continue;
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), out, depth + 1);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size() && i < 64; i++)
                if (n.get(i).isObject()) flatten(prefix + "." + i, n.get(i), out, depth + 1);
        } else if (n.isNumber()) {
            out.put(prefix, n.asDouble());
        } else if (n.isBoolean()) {
            out.put(prefix, n.asBoolean() ? 1.0 : 0.0);
        }
    }

    static String group(String name) {
        if (name.startsWith("used.")) return "used";
        if (name.startsWith("generated.")) return "generated";
        if (name.startsWith("telemetry_")) return "telemetry";
        return name;
    }

    private CorrelationAnswer assemble(Request req, Columns cols) {
        var dropped = new ArrayList<Dropped>();
        for (var e : cols.nonNumeric.entrySet())
            if (!cols.values.containsKey(e.getKey())) dropped.add(new Dropped(e.getKey(), e.getValue(), "not numeric"));
        var kept = new ArrayList<String>();
        for (var e : cols.values.entrySet()) {
            String name = e.getKey();
            int n = cols.present.getOrDefault(name, 0);
            if (n < MIN_VALUES) {
                dropped.add(new Dropped(name, n, "present in fewer than " + MIN_VALUES + " tasks"));
                continue;
            }
            double[] col = e.getValue();
            double first = Double.NaN;
            boolean constant = true;
            for (int i = 0; i < cols.rows && constant; i++) {
                if (Double.isNaN(col[i])) continue;
                if (Double.isNaN(first)) first = col[i];
                else if (col[i] != first) constant = false;
            }
            if (constant) {
                dropped.add(new Dropped(name, n, "constant"));
                continue;
            }
            kept.add(name);
        }
        if (kept.size() > MAX_VARIABLES) {
            kept.sort(
                    Comparator.comparingInt((String k) -> -cols.present.get(k)).thenComparing(k -> k));
            for (String name : kept.subList(MAX_VARIABLES, kept.size()))
                dropped.add(new Dropped(name, cols.present.get(name), "more than " + MAX_VARIABLES + " variables"));
            kept = new ArrayList<>(kept.subList(0, MAX_VARIABLES));
        }
        kept.sort(Comparator.comparingInt((String k) -> groupOrder(group(k))).thenComparing(k -> k));
        // the same answer whatever order a task's properties came in (graph or mirror)
        dropped.sort(Comparator.comparing(Dropped::name));

        double[][] columns = new double[kept.size()][];
        for (int i = 0; i < kept.size(); i++) columns[i] = Arrays.copyOf(cols.values.get(kept.get(i)), cols.rows);
        var variables = new ArrayList<Variable>();
        for (int i = 0; i < kept.size(); i++) {
            double[] ms = Stats.meanStd(columns[i]);
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double d : columns[i])
                if (!Double.isNaN(d)) {
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                }
            String name = kept.get(i);
            variables.add(new Variable(
                    name, group(name), cols.present.get(name), finite(ms[0]), finite(ms[1]), finite(min), finite(max)));
        }
        Method method = req.method();
        Stats.Matrices m = Stats.matrices(columns, method.pearson(), method.spearman());
        var pairs = new ArrayList<List<Integer>>();
        for (int[] row : m.pairs()) pairs.add(Arrays.stream(row).boxed().toList());
        String note = null;
        if (cols.rows < MIN_VALUES)
            note = "only " + cols.rows + " matching task(s)"
                    + (req.status() == null ? "" : " with status " + req.status())
                    + "; correlations need at least " + MIN_VALUES;
        else if (kept.size() < 2) note = "fewer than 2 numeric variables vary across these tasks; nothing to correlate";
        return new CorrelationAnswer(
                req.workflowId(),
                req.campaignId(),
                req.activityId(),
                req.status() == null ? "any" : req.status(),
                method,
                cols.rows,
                cols.rows >= req.limit(),
                variables,
                method.pearson() ? matrix(m.pearson()) : null,
                method.spearman() ? matrix(m.spearman()) : null,
                pairs,
                top(kept, m, req.top()),
                dropped,
                note,
                null);
    }

    private static int groupOrder(String group) {
        return switch (group) {
            case "used" -> 0;
            case "generated" -> 1;
            case "duration" -> 2;
            default -> 3;
        };
    }

    /**
     * The strongest pairs between different groups (a hyperparameter against a result, the duration
     * or the telemetry; a result against the telemetry…), by the larger of |pearson| and |spearman|.
     */
    private static List<Pair> top(List<String> names, Stats.Matrices m, int limit) {
        record Candidate(int a, int b, double strength) {}
        var pairs = new ArrayList<Candidate>();
        for (int a = 0; a < names.size(); a++) {
            for (int b = a + 1; b < names.size(); b++) {
                if (group(names.get(a)).equals(group(names.get(b)))) continue;
                if (m.pairs()[a][b] < MIN_VALUES) continue;
                double s = Double.NaN;
                if (m.pearson() != null && !Double.isNaN(m.pearson()[a][b])) s = Math.abs(m.pearson()[a][b]);
                if (m.spearman() != null && !Double.isNaN(m.spearman()[a][b]))
                    s = Double.isNaN(s) ? Math.abs(m.spearman()[a][b]) : Math.max(s, Math.abs(m.spearman()[a][b]));
                if (!Double.isNaN(s)) pairs.add(new Candidate(a, b, s));
            }
        }
        pairs.sort(Comparator.comparingDouble((Candidate p) -> -p.strength())
                .thenComparing(p -> names.get(p.a()))
                .thenComparing(p -> names.get(p.b())));
        var out = new ArrayList<Pair>();
        for (Candidate p : pairs.subList(0, Math.min(limit, pairs.size())))
            out.add(new Pair(
                    names.get(p.a()),
                    names.get(p.b()),
                    m.pearson() == null ? null : m.pearson()[p.a()][p.b()],
                    m.spearman() == null ? null : m.spearman()[p.a()][p.b()],
                    m.pairs()[p.a()][p.b()]));
        return out;
    }

    private static List<List<Double>> matrix(double[][] a) {
        var out = new ArrayList<List<Double>>(a.length);
        for (double[] row : a) {
            var r = new ArrayList<Double>(row.length);
            for (double d : row) r.add(finite(d));
            out.add(r);
        }
        return out;
    }

    static Double finite(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
    }
}

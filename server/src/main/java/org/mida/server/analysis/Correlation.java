package org.mida.server.analysis;

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
import java.util.Map;
import java.util.Set;
import org.mida.cypher.Cypher;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
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
public final class Correlation {
    private static final Logger LOG = LoggerFactory.getLogger(Correlation.class);
    private static final String WORKFLOW_TASKS = Cypher.load("analysis/correlation-workflow-tasks");
    private static final String CAMPAIGN_TASKS = Cypher.load("analysis/correlation-campaign-tasks");

    /** Variables present in fewer tasks than this are dropped. */
    public static final int MIN_VALUES = 3;
    /** At most this many variables enter the matrices (the most often present win). */
    public static final int MAX_VARIABLES = 200;

    private static final Set<String> TELEMETRY_SKIP = Set.of("sampled_at", "pid", "index");
    private static final List<String> COUNTER_PREFIXES = List.of("disk.", "network.", "process.cpu_time_s");

    /** What to correlate. Exactly one of workflowId, campaignId; status null = any status. */
    public record Request(
            String workflowId,
            String campaignId,
            String activityId,
            String status,
            boolean pearson,
            boolean spearman,
            boolean telemetry,
            int limit,
            int top) {}

    private final Driver driver;
    private final ObjectMapper mapper;

    public Correlation(Driver driver, ObjectMapper mapper) {
        this.driver = driver;
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

    public Map<String, Object> run(Request req) {
        long t0 = System.nanoTime();
        Columns cols = read(req);
        long tRead = System.nanoTime();
        Map<String, Object> out = assemble(req, cols);
        long tDone = System.nanoTime();
        var timing = new LinkedHashMap<String, Object>();
        timing.put("read_ms", (tRead - t0) / 1_000_000);
        timing.put("compute_ms", (tDone - tRead) / 1_000_000);
        out.put("timing", timing);
        LOG.debug(
                "correlation over {} tasks: read {} ms, compute {} ms",
                cols.rows,
                timing.get("read_ms"),
                timing.get("compute_ms"));
        return out;
    }

    private Columns read(Request req) {
        var params = new HashMap<String, Object>();
        params.put("scope", req.workflowId() != null ? req.workflowId() : req.campaignId());
        params.put("activity_id", req.activityId());
        params.put("status", req.status());
        params.put("telemetry", req.telemetry());
        params.put("limit", req.limit());
        String query = req.workflowId() != null ? WORKFLOW_TASKS : CAMPAIGN_TASKS;
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                var cols = new Columns();
                var result = tx.run(query, params);
                while (result.hasNext()) {
                    Record r = result.next();
                    cols.nextRow();
                    Value d = r.get("duration");
                    if (!d.isNull()) cols.putObject("duration", d.asObject());
                    for (Value pair : r.get("props").values()) {
                        String k = pair.get(0).asString();
                        cols.putObject(k, pair.get(1).asObject());
                    }
                    Value json = r.get("json");
                    if (!json.isNull()) telemetry(json.asString(), cols);
                }
                return cols;
            });
        }
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

    private Map<String, Object> assemble(Request req, Columns cols) {
        var out = new LinkedHashMap<String, Object>();
        if (req.workflowId() != null) out.put("workflow_id", req.workflowId());
        else out.put("campaign_id", req.campaignId());
        out.put("activity_id", req.activityId());
        out.put("status", req.status() == null ? "any" : req.status());
        out.put("method", req.pearson() && req.spearman() ? "both" : req.pearson() ? "pearson" : "spearman");
        out.put("tasks", cols.rows);
        out.put("truncated", cols.rows >= req.limit());

        var dropped = new ArrayList<Map<String, Object>>();
        for (var e : cols.nonNumeric.entrySet())
            if (!cols.values.containsKey(e.getKey())) dropped.add(drop(e.getKey(), e.getValue(), "not numeric"));
        var kept = new ArrayList<String>();
        for (var e : cols.values.entrySet()) {
            String name = e.getKey();
            int n = cols.present.getOrDefault(name, 0);
            if (n < MIN_VALUES) {
                dropped.add(drop(name, n, "present in fewer than " + MIN_VALUES + " tasks"));
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
                dropped.add(drop(name, n, "constant"));
                continue;
            }
            kept.add(name);
        }
        if (kept.size() > MAX_VARIABLES) {
            kept.sort(Comparator.comparingInt((String k) -> -cols.present.get(k)));
            for (String name : kept.subList(MAX_VARIABLES, kept.size()))
                dropped.add(drop(name, cols.present.get(name), "more than " + MAX_VARIABLES + " variables"));
            kept = new ArrayList<>(kept.subList(0, MAX_VARIABLES));
        }
        kept.sort(Comparator.comparingInt((String k) -> groupOrder(group(k))).thenComparing(k -> k));

        double[][] columns = new double[kept.size()][];
        for (int i = 0; i < kept.size(); i++) columns[i] = Arrays.copyOf(cols.values.get(kept.get(i)), cols.rows);
        var variables = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < kept.size(); i++) {
            double[] ms = Stats.meanStd(columns[i]);
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double d : columns[i])
                if (!Double.isNaN(d)) {
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                }
            var v = new LinkedHashMap<String, Object>();
            v.put("name", kept.get(i));
            v.put("group", group(kept.get(i)));
            v.put("n", cols.present.get(kept.get(i)));
            v.put("mean", finite(ms[0]));
            v.put("std", finite(ms[1]));
            v.put("min", finite(min));
            v.put("max", finite(max));
            variables.add(v);
        }
        out.put("variables", variables);
        Stats.Matrices m = Stats.matrices(columns, req.pearson(), req.spearman());
        if (req.pearson()) out.put("pearson", matrix(m.pearson()));
        if (req.spearman()) out.put("spearman", matrix(m.spearman()));
        var pairs = new ArrayList<List<Integer>>();
        for (int[] row : m.pairs()) pairs.add(Arrays.stream(row).boxed().toList());
        out.put("n_pairs", pairs);
        out.put("top", top(kept, m, req.top()));
        out.put("dropped", dropped);
        if (cols.rows < MIN_VALUES)
            out.put(
                    "note",
                    "only " + cols.rows + " matching task(s)"
                            + (req.status() == null ? "" : " with status " + req.status())
                            + "; correlations need at least " + MIN_VALUES);
        else if (kept.size() < 2)
            out.put("note", "fewer than 2 numeric variables vary across these tasks; nothing to correlate");
        return out;
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
    private static List<Map<String, Object>> top(List<String> names, Stats.Matrices m, int limit) {
        record Pair(int a, int b, double strength) {}
        var pairs = new ArrayList<Pair>();
        for (int a = 0; a < names.size(); a++) {
            for (int b = a + 1; b < names.size(); b++) {
                if (group(names.get(a)).equals(group(names.get(b)))) continue;
                if (m.pairs()[a][b] < MIN_VALUES) continue;
                double s = Double.NaN;
                if (m.pearson() != null && !Double.isNaN(m.pearson()[a][b])) s = Math.abs(m.pearson()[a][b]);
                if (m.spearman() != null && !Double.isNaN(m.spearman()[a][b]))
                    s = Double.isNaN(s) ? Math.abs(m.spearman()[a][b]) : Math.max(s, Math.abs(m.spearman()[a][b]));
                if (!Double.isNaN(s)) pairs.add(new Pair(a, b, s));
            }
        }
        pairs.sort(Comparator.comparingDouble((Pair p) -> -p.strength())
                .thenComparing(p -> names.get(p.a()))
                .thenComparing(p -> names.get(p.b())));
        var out = new ArrayList<Map<String, Object>>();
        for (Pair p : pairs.subList(0, Math.min(limit, pairs.size()))) {
            var row = new LinkedHashMap<String, Object>();
            row.put("a", names.get(p.a()));
            row.put("b", names.get(p.b()));
            if (m.pearson() != null) row.put("pearson", finite(m.pearson()[p.a()][p.b()]));
            if (m.spearman() != null) row.put("spearman", finite(m.spearman()[p.a()][p.b()]));
            row.put("n", m.pairs()[p.a()][p.b()]);
            out.add(row);
        }
        return out;
    }

    private static Map<String, Object> drop(String name, int n, String reason) {
        var m = new LinkedHashMap<String, Object>();
        m.put("name", name);
        m.put("n", n);
        m.put("reason", reason);
        return m;
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

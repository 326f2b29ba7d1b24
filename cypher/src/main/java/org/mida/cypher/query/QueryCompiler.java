package org.mida.cypher.query;

import com.fasterxml.jackson.core.JsonPointer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiles the JSON query DSL (paper, Listing 1) to parameterized Cypher. The body is the request
 * parsed into plain Java values (maps, lists, strings, numbers, booleans, null):
 *
 * <pre>{@code
 * {"from": "tasks" | "workflows",                 // default tasks
 *  "projection": ["used.layers", "generated.loss"],
 *  "filter": {"campaign_id": "c1", "generated.loss": {"$lt": 0.5}, "$or": [{…}, {…}]},
 *  "aggregation": [["min", "generated.loss"], ["count", "*"]],
 *  "group_by": ["hostname"],
 *  "sort": [["ended_at", "descending"]],
 *  "limit": 100, "offset": 0, "explain": false}
 * }</pre>
 *
 * <p>Field names are checked by {@link Fields} and backtick-quoted; every value becomes a parameter.
 * Every problem found is reported at once, each with the JSON Pointer of the offending part (built with
 * Jackson's {@link JsonPointer}, which does the RFC 6901 escaping).
 *
 * <p>Semantics, where a choice had to be made:
 *
 * <ul>
 *   <li>{@code from: tasks} leaves out placeholder tasks (known only as another task's dependency, their
 *       own events not yet arrived: they hold only {@code task_id}), with {@code n._json IS NOT NULL} unless
 *       a top-level condition on another field already requires a value (which saves a property read per
 *       task).
 *   <li>Equality with {@code null} and {@code $exists:false} match a missing field; {@code $ne} and
 *       {@code $nin} match a missing field too (as in MongoDB); {@code null} inside {@code $in} matches a
 *       missing field, inside {@code $nin} excludes it.
 *   <li>{@code $regex} is a Java regular expression that must match the whole value (Cypher's
 *       {@code =~}, with {@code (?s)}); use {@code .*word.*} to find a part. Only patterns that match in
 *       linear time are accepted ({@link RegexBound}: no nested quantifiers, backreferences or lookaround).
 *   <li>Without aggregation a row holds the projected fields (or {@link #TASK_DEFAULT} /
 *       {@link #WORKFLOW_DEFAULT}), keyed by their names exactly as given.
 *   <li>With aggregation (or {@code group_by}) a row is one group: its keys are the {@code group_by}
 *       fields plus the projected fields that are not aggregated (so Listing 1 gives the minimum loss for
 *       each number of layers); an aggregate's column is {@code "fn(field)"}, e.g. {@code
 *       "min(generated.loss)"}, {@code "count(*)"}. Sorting by a group key or an aggregate column sorts the
 *       groups; sorting by another field places each group by that field's largest value (descending) or
 *       smallest (ascending) among its members.
 *   <li>Missing values sort last in both directions.
 * </ul>
 */
public final class QueryCompiler {
    public static final int DEFAULT_LIMIT = 100;
    /** How deep {@code $and}/{@code $or} may nest. */
    public static final int MAX_FILTER_DEPTH = 10;
    /** How many values (parameters) one filter may hold. */
    public static final int MAX_VALUES = 1_000;

    public static final int MAX_REGEX_LENGTH = 1_000;
    public static final List<String> AGGREGATES = List.of("min", "max", "avg", "sum", "count");
    public static final List<String> TASK_DEFAULT = List.of(
            "task_id",
            "workflow_id",
            "campaign_id",
            "activity_id",
            "status",
            "submitted_at",
            "started_at",
            "ended_at",
            "duration");
    public static final List<String> WORKFLOW_DEFAULT =
            List.of("workflow_id", "name", "campaign_id", "parent_workflow_id", "status", "started_at", "ended_at");

    /** Fields that hold lists, where a single value is looked up among the elements. */
    public static final Set<String> LIST_FIELDS = Set.of("tags", "dependencies");

    private static final Pattern AGGREGATE_COLUMN = Pattern.compile("(min|max|avg|sum|count)\\(.*\\)");

    private static final Set<String> KEYS =
            Set.of("from", "projection", "filter", "aggregation", "group_by", "sort", "limit", "offset", "explain");
    private static final Set<String> COMPARISONS = Set.of("$gt", "$gte", "$lt", "$lte");
    private static final Set<String> OPERATORS =
            Set.of("$gt", "$gte", "$lt", "$lte", "$ne", "$in", "$nin", "$exists", "$regex");

    private final int maxLimit;

    /** @param maxLimit the largest {@code limit} accepted */
    public QueryCompiler(int maxLimit) {
        if (maxLimit < 1) throw new IllegalArgumentException("maxLimit must be positive");
        this.maxLimit = maxLimit;
    }

    public int maxLimit() {
        return maxLimit;
    }

    /** Compiles a request body; throws {@link QueryException} listing every problem. */
    public CompiledQuery compile(Object body) {
        return new Compilation().compile(body);
    }

    private static final JsonPointer ROOT = JsonPointer.empty();

    /** The state of one compilation: problems found and parameters made so far. */
    private final class Compilation {
        private final List<QueryException.Problem> problems = new ArrayList<>();
        private final Map<String, Object> params = new LinkedHashMap<>();
        private boolean tooManyValues;
        /** Every field the query names, with where. */
        private final List<CompiledQuery.FieldUse> uses = new ArrayList<>();
        /** The campaigns a top-level {@code campaign_id} condition restricts the query to. */
        private final Set<String> campaigns = new LinkedHashSet<>();
        /** Field names read through a parameter ({@code n[$f0]}), by name. */
        private final Map<String, String> dynamic = new LinkedHashMap<>();
        /** Whether a top-level condition already fails on placeholder tasks (they hold only task_id). */
        private boolean placeholdersExcluded;

        CompiledQuery compile(Object body) {
            if (!(body instanceof Map<?, ?> root)) {
                problem(ROOT, "the query must be a JSON object");
                throw new QueryException(problems);
            }
            for (Object k : root.keySet())
                if (!KEYS.contains(k))
                    problem(
                            ROOT.appendProperty(String.valueOf(k)),
                            "unknown key '" + k + "'; a query may have " + String.join(", ", sorted(KEYS)));

            boolean workflows = from(root.get("from"));
            List<String> projection = fieldList(root.get("projection"), ROOT.appendProperty("projection"));
            List<String> groupBy = fieldList(root.get("group_by"), ROOT.appendProperty("group_by"));
            List<Aggregate> aggregates = aggregates(root.get("aggregation"));
            Object explain = root.get("explain");
            if (explain != null && !(explain instanceof Boolean))
                problem(ROOT.appendProperty("explain"), "must be true or false");
            int limit = whole(root.get("limit"), ROOT.appendProperty("limit"), DEFAULT_LIMIT, 0, maxLimit);
            int offset = whole(root.get("offset"), ROOT.appendProperty("offset"), 0, 0, Integer.MAX_VALUE);

            String where = null;
            Object filter = root.get("filter");
            if (filter != null) where = filter(filter, ROOT.appendProperty("filter"), 0);

            boolean grouped = !aggregates.isEmpty() || !groupBy.isEmpty();
            List<String> keys = new ArrayList<>();
            if (grouped) {
                var aggregatedFields = new LinkedHashSet<String>();
                for (Aggregate a : aggregates) aggregatedFields.add(a.field());
                var k = new LinkedHashSet<>(groupBy);
                for (String p : projection) if (!aggregatedFields.contains(p)) k.add(p);
                keys.addAll(k);
            }
            List<Sort> sorts = sorts(root.get("sort"), grouped, keys, aggregates);
            if (!problems.isEmpty()) throw new QueryException(problems);

            params.put("offset", (long) offset);
            params.put("limit", (long) limit);
            var cypher = new StringBuilder();
            cypher.append("MATCH (n:").append(workflows ? "Workflow" : "Task").append(")\n");
            var conditions = new ArrayList<String>();
            if (!workflows && !placeholdersExcluded) conditions.add("n._json IS NOT NULL");
            if (where != null) conditions.add(where);
            if (!conditions.isEmpty())
                cypher.append("WHERE ").append(String.join(" AND ", conditions)).append('\n');
            List<String> columns = new ArrayList<>();
            if (!grouped) {
                List<String> shown = projection.isEmpty() ? (workflows ? WORKFLOW_DEFAULT : TASK_DEFAULT) : projection;
                cypher.append("WITH n\n");
                appendOrder(cypher, sorts, s -> prop(s.field()));
                cypher.append("SKIP $offset LIMIT $limit\nRETURN ");
                for (int i = 0; i < shown.size(); i++) {
                    if (i > 0) cypher.append(", ");
                    cypher.append(prop(shown.get(i))).append(" AS ").append(CompiledQuery.alias(i));
                    columns.add(shown.get(i));
                }
            } else {
                var with = new ArrayList<String>();
                for (int i = 0; i < keys.size(); i++) with.add(prop(keys.get(i)) + " AS g" + i);
                for (int i = 0; i < aggregates.size(); i++) with.add(aggregate(aggregates.get(i)) + " AS a" + i);
                int hidden = 0;
                for (Sort s : sorts)
                    if (s.kind() == Sort.Kind.MEMBER) {
                        with.add((s.descending() ? "max(" : "min(") + prop(s.field()) + ") AS s" + hidden);
                        s.alias[0] = "s" + hidden++;
                    }
                boolean distinct = aggregates.isEmpty() && hidden == 0;
                cypher.append(distinct ? "WITH DISTINCT " : "WITH ")
                        .append(String.join(", ", with))
                        .append('\n');
                appendOrder(cypher, sorts, s -> s.alias[0]);
                cypher.append("SKIP $offset LIMIT $limit\nRETURN ");
                var ret = new ArrayList<String>();
                for (int i = 0; i < keys.size(); i++) {
                    ret.add("g" + i + " AS " + CompiledQuery.alias(columns.size()));
                    columns.add(keys.get(i));
                }
                for (int i = 0; i < aggregates.size(); i++) {
                    ret.add("a" + i + " AS " + CompiledQuery.alias(columns.size()));
                    columns.add(aggregates.get(i).column());
                }
                cypher.append(String.join(", ", ret));
            }
            return new CompiledQuery(
                    cypher.toString(),
                    params,
                    columns,
                    Boolean.TRUE.equals(explain),
                    workflows ? "workflows" : "tasks",
                    uses,
                    List.copyOf(campaigns));
        }

        /**
         * The Cypher expression reading a field of {@code n}: backtick-quoted when the name is {@link
         * Fields#simple}, otherwise through a parameter, so no user text but simple names enters the query.
         */
        private String prop(String name) {
            if (Fields.simple(name)) return Fields.property("n", name);
            String p = dynamic.computeIfAbsent(name, k -> {
                String n = "f" + dynamic.size();
                params.put(n, k);
                return n;
            });
            return "n[$" + p + "]";
        }

        private String aggregate(Aggregate a) {
            return a.field().equals("*") ? "count(*)" : a.fn() + "(" + prop(a.field()) + ")";
        }

        private void appendOrder(
                StringBuilder cypher, List<Sort> sorts, java.util.function.Function<Sort, String> expr) {
            if (sorts.isEmpty()) return;
            var keys = new ArrayList<String>();
            for (Sort s : sorts) {
                String e = expr.apply(s);
                // missing values and NaN (a number, or the text "NaN" that JSON producers send) go last in
                // both directions: Cypher itself puts nulls first and NaN first when descending, text
                // before numbers when ascending
                keys.add("CASE WHEN " + e + " IS NULL OR " + e + " <> " + e + " OR " + e
                        + " IN ['NaN', 'nan'] THEN 1 ELSE 0 END");
                keys.add(e + (s.descending() ? " DESC" : " ASC"));
            }
            cypher.append("ORDER BY ").append(String.join(", ", keys)).append('\n');
        }

        private boolean from(Object v) {
            if (v == null || "tasks".equals(v)) return false;
            if ("workflows".equals(v)) return true;
            problem(ROOT.appendProperty("from"), "must be \"tasks\" or \"workflows\", got " + describe(v));
            return false;
        }

        private List<String> fieldList(Object v, JsonPointer ptr) {
            var out = new ArrayList<String>();
            if (v == null) return out;
            if (!(v instanceof List<?> list)) {
                problem(ptr, "must be an array of field names");
                return out;
            }
            for (int i = 0; i < list.size(); i++) {
                String name = fieldName(list.get(i), ptr.appendIndex(i));
                if (name == null) continue;
                if (out.contains(name)) problem(ptr.appendIndex(i), "'" + name + "' is named twice");
                else out.add(name);
            }
            return out;
        }

        /** A valid field name, or null after recording why not. */
        private String fieldName(Object v, JsonPointer ptr) {
            if (!(v instanceof String s)) {
                problem(ptr, "a field name must be a string, got " + describe(v));
                return null;
            }
            if (!Fields.valid(s)) {
                problem(ptr, invalidField(s));
                return null;
            }
            uses.add(new CompiledQuery.FieldUse(s, ptr.toString()));
            return s;
        }

        private List<Aggregate> aggregates(Object v) {
            var out = new ArrayList<Aggregate>();
            if (v == null) return out;
            if (!(v instanceof List<?> list)) {
                problem(
                        ROOT.appendProperty("aggregation"),
                        "must be an array of [function, field] pairs, e.g. [[\"min\", \"generated.loss\"]]");
                return out;
            }
            for (int i = 0; i < list.size(); i++) {
                JsonPointer ptr = ROOT.appendProperty("aggregation").appendIndex(i);
                if (!(list.get(i) instanceof List<?> pair) || pair.size() != 2) {
                    problem(ptr, "must be a [function, field] pair, e.g. [\"min\", \"generated.loss\"]");
                    continue;
                }
                String fn = pair.get(0) instanceof String s ? s.toLowerCase(Locale.ROOT) : null;
                if (fn == null || !AGGREGATES.contains(fn)) {
                    problem(
                            ptr.appendIndex(0),
                            "unknown aggregate " + describe(pair.get(0)) + "; use one of "
                                    + String.join(", ", AGGREGATES));
                    continue;
                }
                String field;
                if ("*".equals(pair.get(1))) {
                    if (!fn.equals("count")) {
                        problem(ptr.appendIndex(1), "only count takes \"*\"");
                        continue;
                    }
                    field = "*";
                } else {
                    field = fieldName(pair.get(1), ptr.appendIndex(1));
                    if (field == null) continue;
                }
                var a = new Aggregate(fn, field);
                if (out.stream().anyMatch(o -> o.column().equals(a.column())))
                    problem(ptr, "'" + a.column() + "' is asked twice");
                else out.add(a);
            }
            return out;
        }

        private List<Sort> sorts(Object v, boolean grouped, List<String> keys, List<Aggregate> aggregates) {
            var out = new ArrayList<Sort>();
            if (v == null) return out;
            if (!(v instanceof List<?> list)) {
                problem(ROOT.appendProperty("sort"), "must be an array of [field, \"ascending\"|\"descending\"] pairs");
                return out;
            }
            for (int i = 0; i < list.size(); i++) {
                JsonPointer ptr = ROOT.appendProperty("sort").appendIndex(i);
                Object item = list.get(i);
                Object f, d = "ascending";
                if (item instanceof String) f = item;
                else if (item instanceof List<?> pair && (pair.size() == 1 || pair.size() == 2)) {
                    f = pair.get(0);
                    if (pair.size() == 2) d = pair.get(1);
                } else {
                    problem(ptr, "must be a [field, \"ascending\"|\"descending\"] pair");
                    continue;
                }
                JsonPointer fieldPtr = item instanceof String ? ptr : ptr.appendIndex(0);
                Boolean descending = direction(d);
                if (descending == null)
                    problem(
                            ptr.appendIndex(1),
                            "the direction must be \"ascending\" or \"descending\" (or 1, -1), got " + describe(d));
                if (!(f instanceof String field)) {
                    problem(fieldPtr, "a field name must be a string, got " + describe(f));
                    continue;
                }
                if (descending == null) continue;
                if (grouped) {
                    int k = keys.indexOf(field);
                    int a = -1;
                    for (int j = 0; j < aggregates.size(); j++)
                        if (aggregates.get(j).column().equals(field)) a = j;
                    if (k >= 0) out.add(new Sort(field, descending, Sort.Kind.KEY, "g" + k));
                    else if (a >= 0) out.add(new Sort(field, descending, Sort.Kind.AGGREGATE, "a" + a));
                    else if (Fields.valid(field)) {
                        uses.add(new CompiledQuery.FieldUse(field, fieldPtr.toString()));
                        out.add(new Sort(field, descending, Sort.Kind.MEMBER, (String) null));
                    } else
                        problem(
                                fieldPtr,
                                invalidField(field) + "; in a grouped query a sort may also name an"
                                        + " aggregate column such as \"min(generated.loss)\"");
                } else if (AGGREGATE_COLUMN.matcher(field).matches()) {
                    problem(
                            fieldPtr,
                            "'" + field + "' is an aggregate column: sort by it in a query with that aggregation");
                } else if (Fields.valid(field)) {
                    uses.add(new CompiledQuery.FieldUse(field, fieldPtr.toString()));
                    out.add(new Sort(field, descending, Sort.Kind.MEMBER, (String) null));
                } else problem(fieldPtr, invalidField(field));
            }
            return out;
        }

        private Boolean direction(Object d) {
            if (d instanceof String s)
                return switch (s.toLowerCase(Locale.ROOT)) {
                    case "ascending", "asc" -> false;
                    case "descending", "desc" -> true;
                    default -> null;
                };
            if (d instanceof Number n && (n.doubleValue() == 1 || n.doubleValue() == -1)) return n.doubleValue() < 0;
            return null;
        }

        private int whole(Object v, JsonPointer ptr, int dflt, int min, int max) {
            if (v == null) return dflt;
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof BigInteger) {
                BigInteger b = new BigInteger(v.toString());
                if (b.compareTo(BigInteger.valueOf(min)) >= 0 && b.compareTo(BigInteger.valueOf(max)) <= 0)
                    return b.intValue();
            }
            problem(ptr, "must be a whole number from " + min + " to " + max + ", got " + describe(v));
            return dflt;
        }

        /** One filter object as a Cypher condition, or null when it is empty (matches everything). */
        private String filter(Object node, JsonPointer ptr, int depth) {
            if (depth > MAX_FILTER_DEPTH) {
                problem(ptr, "filters nest deeper than " + MAX_FILTER_DEPTH + " levels");
                return null;
            }
            if (!(node instanceof Map<?, ?> map)) {
                problem(ptr, "a filter must be a JSON object, got " + describe(node));
                return null;
            }
            var parts = new ArrayList<String>();
            for (var e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                JsonPointer p = ptr.appendProperty(key);
                Object v = e.getValue();
                if (key.equals("$and") || key.equals("$or")) {
                    if (!(v instanceof List<?> list) || list.isEmpty()) {
                        problem(p, key + " needs a non-empty array of filters");
                        continue;
                    }
                    var subs = new ArrayList<String>();
                    for (int i = 0; i < list.size(); i++) {
                        String s = filter(list.get(i), p.appendIndex(i), depth + 1);
                        subs.add(s == null ? "true" : "(" + s + ")");
                    }
                    parts.add("(" + String.join(key.equals("$and") ? " AND " : " OR ", subs) + ")");
                } else if (key.startsWith("$")) {
                    problem(
                            p,
                            "unknown operator '" + key + "'; at this level use a field name, $and or $or"
                                    + (OPERATORS.contains(key)
                                            ? " (" + key + " goes inside a field: {\"field\": {\"" + key + "\": …}})"
                                            : ""));
                } else if (!Fields.valid(key)) {
                    problem(p, invalidField(key));
                } else {
                    uses.add(new CompiledQuery.FieldUse(key, p.toString()));
                    if (depth == 0 && key.equals("campaign_id")) restrictCampaigns(v);
                    String c = field(prop(key), LIST_FIELDS.contains(key), v, p);
                    if (c != null) parts.add(c);
                    if (depth == 0 && !key.equals("task_id") && needsValue(v)) placeholdersExcluded = true;
                }
            }
            return parts.isEmpty() ? null : String.join(" AND ", parts);
        }

        /** Notes the campaigns {@code "campaign_id": "c"} or {@code {"$in": ["c1", "c2"]}} restrict the query to. */
        private void restrictCampaigns(Object v) {
            if (v instanceof String s) campaigns.add(s);
            else if (v instanceof Map<?, ?> ops
                    && ops.size() == 1
                    && ops.get("$in") instanceof List<?> l
                    && !l.isEmpty()
                    && l.stream().allMatch(x -> x instanceof String)) for (Object x : l) campaigns.add((String) x);
        }

        /** Whether this field condition is false when the field is missing. */
        private static boolean needsValue(Object v) {
            if (v == null) return false;
            if (!(v instanceof Map<?, ?> ops)) return true;
            for (var e : ops.entrySet()) {
                Object op = e.getKey(), arg = e.getValue();
                if (COMPARISONS.contains(op) || "$regex".equals(op) || Boolean.TRUE.equals(ops.get("$exists")))
                    return true;
                if ("$in".equals(op) && arg instanceof List<?> l && l.stream().allMatch(x -> x != null)) return true;
            }
            return false;
        }

        /**
         * One field's condition. On a list field ({@link #LIST_FIELDS}) a single value is looked up among
         * the elements, as in MongoDB: {@code "tags": "gpu"} matches a task tagged gpu among others; a list
         * value compares the whole list.
         */
        private String field(String prop, boolean listField, Object v, JsonPointer ptr) {
            if (!(v instanceof Map<?, ?> ops)) {
                if (v == null) return prop + " IS NULL";
                Object value = value(v, ptr, true);
                if (value == null) return null;
                if (listField && !(value instanceof List))
                    return "coalesce(" + param(value, ptr) + " IN " + prop + ", false)";
                return prop + " = " + param(value, ptr);
            }
            if (ops.isEmpty()) {
                problem(ptr, "an empty object; give a value or operators such as {\"$gt\": 1}");
                return null;
            }
            var parts = new ArrayList<String>();
            for (var e : ops.entrySet()) {
                String op = String.valueOf(e.getKey());
                JsonPointer p = ptr.appendProperty(op);
                if (!OPERATORS.contains(op)) {
                    problem(
                            p,
                            op.startsWith("$")
                                    ? "unknown operator '" + op + "'; use one of " + String.join(" ", sorted(OPERATORS))
                                    : "'" + op + "' is not an operator; objects are not stored as values: name a"
                                            + " nested value with a dotted path such as 'used.optimizer.lr'");
                    continue;
                }
                String c = operator(prop, listField, op, e.getValue(), p);
                if (c != null) parts.add(c);
            }
            return parts.isEmpty() ? null : String.join(" AND ", parts);
        }

        private String operator(String prop, boolean listField, String op, Object arg, JsonPointer ptr) {
            switch (op) {
                case "$exists" -> {
                    if (!(arg instanceof Boolean b)) {
                        problem(ptr, "$exists takes true or false, got " + describe(arg));
                        return null;
                    }
                    return prop + (b ? " IS NOT NULL" : " IS NULL");
                }
                case "$regex" -> {
                    if (!(arg instanceof String re)) {
                        problem(ptr, "$regex takes a string (a Java regular expression), got " + describe(arg));
                        return null;
                    }
                    if (re.length() > MAX_REGEX_LENGTH) {
                        problem(ptr, "the pattern is longer than " + MAX_REGEX_LENGTH + " characters");
                        return null;
                    }
                    // (?s): '.' also matches line ends, so ".*out of memory.*" finds a line of a multi-line stderr.
                    // Neo4j's =~ is java.util.regex, which a transaction timeout does not stop mid-match: only
                    // patterns that match in linear time run (RegexBound), in their linear form
                    RegexBound.Checked checked = RegexBound.check("(?s)" + re);
                    if (!checked.accepted()) {
                        problem(ptr, checked.problem());
                        return null;
                    }
                    String p = param(checked.pattern(), ptr);
                    if (listField) return "any(x IN coalesce(" + prop + ", []) WHERE x =~ " + p + ")";
                    return prop + " =~ " + p;
                }
                case "$ne" -> {
                    if (arg == null) return prop + " IS NOT NULL";
                    Object value = value(arg, ptr, true);
                    if (value == null) return null;
                    if (listField && !(value instanceof List))
                        return "NOT coalesce(" + param(value, ptr) + " IN " + prop + ", false)";
                    return "(" + prop + " IS NULL OR " + prop + " <> " + param(value, ptr) + ")";
                }
                case "$in", "$nin" -> {
                    if (!(arg instanceof List<?> list)) {
                        problem(ptr, op + " takes an array of values, got " + describe(arg));
                        return null;
                    }
                    var values = new ArrayList<Object>();
                    boolean hasNull = false, bad = false;
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) == null) {
                            hasNull = true;
                            continue;
                        }
                        Object value = value(list.get(i), ptr.appendIndex(i), false);
                        if (value == null) bad = true;
                        else values.add(value);
                    }
                    if (bad) return null;
                    String p = param(values, ptr);
                    if (listField) {
                        String any = "any(x IN coalesce(" + prop + ", []) WHERE x IN " + p + ")";
                        if (op.equals("$in")) return hasNull ? "(" + prop + " IS NULL OR " + any + ")" : any;
                        return hasNull ? "(" + prop + " IS NOT NULL AND NOT " + any + ")" : "NOT " + any;
                    }
                    if (op.equals("$in"))
                        return hasNull ? "(" + prop + " IS NULL OR " + prop + " IN " + p + ")" : prop + " IN " + p;
                    String not = "NOT coalesce(" + prop + " IN " + p + ", false)";
                    return hasNull ? "(" + prop + " IS NOT NULL AND " + not + ")" : not;
                }
                default -> {
                    // $gt $gte $lt $lte
                    if (!COMPARISONS.contains(op)) throw new IllegalStateException(op);
                    if (!(arg instanceof String || arg instanceof Number || arg instanceof Boolean)) {
                        problem(ptr, op + " takes a number, a string or a boolean, got " + describe(arg));
                        return null;
                    }
                    Object value = value(arg, ptr, false);
                    if (value == null) return null;
                    String cmp = switch (op) {
                        case "$gt" -> " > ";
                        case "$gte" -> " >= ";
                        case "$lt" -> " < ";
                        default -> " <= ";
                    };
                    return prop + cmp + param(value, ptr);
                }
            }
        }

        /** A JSON value as a Cypher parameter value, or null after recording why it cannot be one. */
        private Object value(Object v, JsonPointer ptr, boolean allowList) {
            if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
            if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
            if (v instanceof Float f) return f.doubleValue();
            if (v instanceof BigDecimal d) return d.doubleValue();
            if (v instanceof BigInteger b) {
                if (b.bitLength() < 64) return b.longValue();
                problem(ptr, "the number " + b + " is too large (values are 64-bit integers or doubles)");
                return null;
            }
            if (v instanceof List<?> list && allowList) {
                var out = new ArrayList<Object>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    Object e = list.get(i);
                    if (e == null || e instanceof List || e instanceof Map) {
                        problem(
                                ptr.appendIndex(i),
                                "a list compared to a field may hold only strings, numbers and booleans");
                        return null;
                    }
                    Object x = value(e, ptr.appendIndex(i), false);
                    if (x == null) return null;
                    out.add(x);
                }
                return out;
            }
            problem(
                    ptr,
                    v instanceof Map
                            ? "an object is not a value; to compare use operators such as {\"$gt\": 1}"
                            : "expected a string, a number or a boolean here, got " + describe(v));
            return null;
        }

        private String param(Object value, JsonPointer ptr) {
            if (params.size() >= MAX_VALUES) {
                if (!tooManyValues) problem(ptr, "a filter may hold at most " + MAX_VALUES + " values");
                tooManyValues = true;
                return "$tooMany";
            }
            String name = "p" + params.size();
            params.put(name, value);
            return "$" + name;
        }

        private void problem(JsonPointer pointer, String detail) {
            problems.add(new QueryException.Problem(pointer.toString(), detail));
        }
    }

    private static String invalidField(String name) {
        if (name.length() > Fields.MAX_LENGTH)
            return "a field name is at most " + Fields.MAX_LENGTH + " characters long";
        return "'" + name + "' is not a valid field name: non-empty segments joined by '.' (e.g. 'ended_at',"
                + " 'used.optimizer.lr'), no control characters; a '.' or '\\' inside a key is written '\\.' or"
                + " '\\\\' (key \"a.b\" of used: 'used.a\\.b')";
    }

    private static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "\"" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "\"";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    private record Aggregate(String fn, String field) {
        String column() {
            return fn + "(" + field + ")";
        }
    }

    /** One sort key; {@code alias[0]} is the column it orders by in a grouped query. */
    private record Sort(String field, boolean descending, Kind kind, String[] alias) {
        enum Kind {
            KEY,
            AGGREGATE,
            MEMBER
        }

        Sort(String field, boolean descending, Kind kind, String alias) {
            this(field, descending, kind, new String[] {alias});
        }
    }
}

package org.mida.server.columnar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.mida.cypher.query.QueryCompiler;
import org.mida.cypher.query.RegexBound;

/**
 * One DSL query answered from the {@link TaskTable}, with the semantics of the Cypher {@link QueryCompiler}
 * writes for it (three-valued logic, Cypher's equality and comparison across types, NaN, orderability for
 * sorting and min/max, missing values last). The body must already have been compiled without problems
 * (the compiler is the validator). Where the answer could differ from Neo4j's the query is {@link
 * Unsupported} and the caller runs the Cypher: {@code from: workflows}, the list fields ({@code tags},
 * {@code dependencies}) or any column holding a list, a list value, names starting with {@code _} (the
 * node's bookkeeping, not mirrored), a group key holding both integers and floats (Cypher's grouping of
 * 1 and 1.0), {@code sum}/{@code avg} over a column holding non-numbers (a Cypher error) or an integer sum
 * that overflows.
 *
 * <p>Rows without a sort come in the table's order (Neo4j's: its store's order); both are correct, they
 * are not the same rows when a limit cuts an unsorted answer. Ties of a sort are broken by the table's
 * order.
 */
final class MirrorQuery {
    /** The mirror cannot be sure of this query's answer: run the Cypher. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    private static final byte F = 0, T = 1, N = 2;

    private interface Pred {
        byte test(int row);
    }

    private final TaskTable table;

    private MirrorQuery(TaskTable table) {
        this.table = table;
    }

    /**
     * The rows of the answer, each the values of the compiled query's columns in order (Long, Double,
     * String, Boolean or null); the caller holds the table's read lock.
     */
    static List<Object[]> answer(Map<?, ?> body, TaskTable table) {
        return new MirrorQuery(table).run(body);
    }

    private List<Object[]> run(Map<?, ?> body) {
        Object from = body.get("from");
        if (from != null && !"tasks".equals(from)) throw new Unsupported("from workflows");
        List<String> projection = strings(body.get("projection"));
        List<String> groupBy = strings(body.get("group_by"));
        List<String[]> aggregates = new ArrayList<>();
        if (body.get("aggregation") instanceof List<?> l)
            for (Object o : l) {
                List<?> pair = (List<?>) o;
                aggregates.add(new String[] {((String) pair.get(0)).toLowerCase(Locale.ROOT), (String) pair.get(1)});
            }
        int limit = body.get("limit") == null ? QueryCompiler.DEFAULT_LIMIT : ((Number) body.get("limit")).intValue();
        int offset = body.get("offset") == null ? 0 : ((Number) body.get("offset")).intValue();
        Pred where = body.get("filter") == null ? null : filter(body.get("filter"));

        // the matching rows
        int n = table.rows;
        boolean[] live = table.live;
        int[] match = new int[Math.max(16, table.liveRows)];
        int m = 0;
        for (int r = 0; r < n; r++) {
            if (!live[r]) continue;
            if (where != null && where.test(r) != T) continue;
            if (m == match.length) match = Arrays.copyOf(match, m * 2);
            match[m++] = r;
        }

        boolean grouped = !aggregates.isEmpty() || !groupBy.isEmpty();
        List<Object[]> out = new ArrayList<>();
        if (!grouped) {
            List<String> shown = projection.isEmpty() ? QueryCompiler.TASK_DEFAULT : projection;
            Column[] cols = new Column[shown.size()];
            for (int i = 0; i < cols.length; i++) cols[i] = column(shown.get(i));
            int[] rows = ordered(match, m, sortKeys(body.get("sort")), offset, limit);
            for (int r : rows) {
                Object[] row = new Object[cols.length];
                for (int i = 0; i < cols.length; i++) row[i] = cols[i] == null ? null : cols[i].value(r);
                out.add(row);
            }
            return out;
        }
        var aggregatedFields = new LinkedHashSet<String>();
        for (String[] a : aggregates) aggregatedFields.add(a[1]);
        var keySet = new LinkedHashSet<>(groupBy);
        for (String p : projection) if (!aggregatedFields.contains(p)) keySet.add(p);
        List<String> keys = new ArrayList<>(keySet);
        Column[] keyCols = new Column[keys.size()];
        for (int i = 0; i < keyCols.length; i++) {
            keyCols[i] = column(keys.get(i));
            Column c = keyCols[i];
            if (c != null && c.counts[Column.LONG] > 0 && c.counts[Column.DOUBLE] > 0)
                throw new Unsupported("group key with integers and floats");
        }
        // aggregates, then the hidden member sorts ([fn, field] with fn min/max)
        List<String[]> aggs = new ArrayList<>(aggregates);
        List<Object> sortSpec = body.get("sort") instanceof List<?> l ? new ArrayList<>(l) : List.of();
        List<SortKey> groupSorts = new ArrayList<>();
        for (Object item : sortSpec) {
            String field = item instanceof String s ? s : (String) ((List<?>) item).get(0);
            boolean desc = descending(item);
            int k = keys.indexOf(field);
            int a = -1;
            for (int j = 0; j < aggregates.size(); j++)
                if ((aggregates.get(j)[0] + "(" + aggregates.get(j)[1] + ")").equals(field)) a = j;
            if (k >= 0) groupSorts.add(new SortKey(k, desc));
            else if (a >= 0) groupSorts.add(new SortKey(keys.size() + a, desc));
            else {
                aggs.add(new String[] {desc ? "max" : "min", field});
                groupSorts.add(new SortKey(keys.size() + aggs.size() - 1, desc));
            }
        }
        Column[] aggCols = new Column[aggs.size()];
        for (int i = 0; i < aggs.size(); i++) {
            String fn = aggs.get(i)[0], field = aggs.get(i)[1];
            if (field.equals("*")) continue;
            aggCols[i] = column(field);
            Column c = aggCols[i];
            if ((fn.equals("sum") || fn.equals("avg"))
                    && c != null
                    && (c.counts[Column.STRING] > 0 || c.counts[Column.BOOL] > 0))
                throw new Unsupported(fn + " over a column that holds non-numbers");
        }

        // group: key → accumulators
        var groups = new HashMap<GroupKey, Acc[]>();
        var order = new ArrayList<GroupKey>();
        var probe = new GroupKey(new byte[keyCols.length], new long[keyCols.length], -1);
        for (int i = 0; i < m; i++) {
            int r = match[i];
            byte[] kt = probe.tags;
            long[] kb = probe.bits;
            for (int k = 0; k < keyCols.length; k++) {
                Column c = keyCols[k];
                if (c == null) continue;
                kt[k] = c.tags[r];
                kb[k] = c.bits[r];
                // Cypher groups every NaN together and 0.0 with -0.0
                if (kt[k] == Column.DOUBLE) {
                    double d = Double.longBitsToDouble(kb[k]);
                    kb[k] = Double.isNaN(d) ? 0x7ff8000000000000L : d == 0.0 ? 0L : kb[k];
                }
            }
            probe.rehash();
            Acc[] acc = groups.get(probe);
            if (acc == null) {
                var key = new GroupKey(kt.clone(), kb.clone(), r);
                acc = new Acc[aggs.size()];
                for (int a = 0; a < acc.length; a++) acc[a] = new Acc(aggs.get(a)[0], aggs.get(a)[1], aggCols[a]);
                groups.put(key, acc);
                order.add(key);
            }
            for (Acc a : acc) a.add(r);
        }
        if (keyCols.length == 0 && groups.isEmpty()) {
            // an aggregation without grouping keys gives one row even over no rows
            var key = new GroupKey(new byte[0], new long[0], -1);
            Acc[] acc = new Acc[aggs.size()];
            for (int a = 0; a < acc.length; a++) acc[a] = new Acc(aggs.get(a)[0], aggs.get(a)[1], aggCols[a]);
            groups.put(key, acc);
            order.add(key);
        }
        // each group as its values: keys, then aggregates (hidden sorts included)
        List<Object[]> all = new ArrayList<>(order.size());
        for (GroupKey g : order) {
            Object[] v = new Object[keyCols.length + aggs.size()];
            for (int k = 0; k < keyCols.length; k++) v[k] = keyCols[k] == null ? null : keyCols[k].value(g.row);
            Acc[] acc = groups.get(g);
            for (int a = 0; a < acc.length; a++) v[keyCols.length + a] = acc[a].result();
            all.add(v);
        }
        if (!groupSorts.isEmpty())
            all.sort((x, y) -> {
                for (SortKey s : groupSorts) {
                    int c = compareSortValues(x[s.index], y[s.index], s.descending);
                    if (c != 0) return c;
                }
                return 0;
            });
        int width = keyCols.length + aggregates.size();
        for (int i = offset; i < all.size() && out.size() < limit; i++) out.add(Arrays.copyOf(all.get(i), width));
        return out;
    }

    private record SortKey(int index, boolean descending) {}

    /** A group's key values (tag and bits per key column, NaN and ±0 made one), with a row that holds them. */
    private static final class GroupKey {
        final byte[] tags;
        final long[] bits;
        final int row;
        private int hash;

        GroupKey(byte[] tags, long[] bits, int row) {
            this.tags = tags;
            this.bits = bits;
            this.row = row;
            rehash();
        }

        /** After the probe key's arrays were refilled. */
        void rehash() {
            hash = 31 * Arrays.hashCode(tags) + Arrays.hashCode(bits);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GroupKey g && Arrays.equals(tags, g.tags) && Arrays.equals(bits, g.bits);
        }
    }

    /** One aggregate of one group. */
    private static final class Acc {
        final String fn;
        final int kind; // 0 count, 1 sum, 2 avg, 3 min, 4 max
        final Column col;
        final boolean star;
        long count;
        long longSum;
        double doubleSum;
        boolean anyDouble;
        int bestRow = -1;

        Acc(String fn, String field, Column col) {
            this.fn = fn;
            this.kind = List.of("count", "sum", "avg", "min", "max").indexOf(fn);
            this.col = col;
            this.star = field.equals("*");
        }

        void add(int r) {
            if (star) {
                count++;
                return;
            }
            if (col == null) return;
            byte t = col.tags[r];
            if (t == Column.MISSING) return;
            count++;
            switch (kind) {
                case 1 -> {
                    if (t == Column.LONG && !anyDouble) {
                        try {
                            longSum = Math.addExact(longSum, col.bits[r]);
                        } catch (ArithmeticException e) {
                            throw new Unsupported("integer overflow in sum");
                        }
                    } else {
                        if (!anyDouble) {
                            anyDouble = true;
                            doubleSum = longSum;
                        }
                        doubleSum += t == Column.LONG ? (double) col.bits[r] : Double.longBitsToDouble(col.bits[r]);
                    }
                }
                case 2 -> doubleSum += t == Column.LONG ? (double) col.bits[r] : Double.longBitsToDouble(col.bits[r]);
                case 3 -> {
                    if (bestRow < 0 || compareCells(col, r, bestRow) < 0) bestRow = r;
                }
                case 4 -> {
                    if (bestRow < 0 || compareCells(col, r, bestRow) > 0) bestRow = r;
                }
                default -> {}
            }
        }

        Object result() {
            return switch (fn) {
                case "count" -> count;
                case "sum" -> anyDouble ? (Object) doubleSum : (Object) longSum;
                case "avg" -> count == 0 ? null : (Object) (doubleSum / count);
                default -> bestRow < 0 ? null : col.value(bestRow);
            };
        }
    }

    // ---------------------------------------------------------------- sorting rows (not grouped)

    private interface RowOrder {
        int compare(int a, int b);
    }

    private List<RowOrder> sortKeys(Object sort) {
        var out = new ArrayList<RowOrder>();
        if (!(sort instanceof List<?> list)) return out;
        for (Object item : list) {
            String field = item instanceof String s ? s : (String) ((List<?>) item).get(0);
            boolean desc = descending(item);
            Column c = column(field);
            if (c == null) continue; // every row missing: no order
            out.add((a, b) -> {
                int ba = bad(c, a), bb = bad(c, b);
                if (ba != bb) return Integer.compare(ba, bb);
                // then by the value itself, the bad ones too (text "NaN", then NaN, then missing, ascending)
                int x = compareCells(c, a, b);
                return desc ? -x : x;
            });
        }
        return out;
    }

    /** The rows from offset, at most limit, in sort order (ties in table order). */
    private static int[] ordered(int[] match, int m, List<RowOrder> keys, int offset, int limit) {
        if (keys.isEmpty()) {
            int from = Math.min(offset, m), to = (int) Math.min((long) from + limit, m);
            return Arrays.copyOfRange(match, from, to);
        }
        RowOrder cmp = (a, b) -> {
            for (RowOrder k : keys) {
                int c = k.compare(a, b);
                if (c != 0) return c;
            }
            return Integer.compare(a, b);
        };
        long want = Math.min((long) offset + limit, m);
        if (want == 0) return new int[0];
        int[] best;
        if (want < m / 4) {
            // a bounded max-heap of the best 'want' rows
            int k = (int) want;
            int[] heap = new int[k];
            int size = 0;
            for (int i = 0; i < m; i++) {
                int r = match[i];
                if (size < k) {
                    heap[size] = r;
                    siftUp(heap, size++, cmp);
                } else if (cmp.compare(r, heap[0]) < 0) {
                    heap[0] = r;
                    siftDown(heap, size, cmp);
                }
            }
            best = Arrays.copyOf(heap, size);
        } else best = Arrays.copyOf(match, m);
        Integer[] boxed = new Integer[best.length];
        for (int i = 0; i < best.length; i++) boxed[i] = best[i];
        Arrays.sort(boxed, cmp::compare);
        int from = Math.min(offset, boxed.length), to = (int) Math.min(want, boxed.length);
        int[] out = new int[Math.max(0, to - from)];
        for (int i = from; i < to; i++) out[i - from] = boxed[i];
        return out;
    }

    private static void siftUp(int[] h, int i, RowOrder cmp) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (cmp.compare(h[i], h[p]) <= 0) return;
            int t = h[i];
            h[i] = h[p];
            h[p] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int size, RowOrder cmp) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, big = i;
            if (l < size && cmp.compare(h[l], h[big]) > 0) big = l;
            if (r < size && cmp.compare(h[r], h[big]) > 0) big = r;
            if (big == i) return;
            int t = h[i];
            h[i] = h[big];
            h[big] = t;
            i = big;
        }
    }

    /** 1 when the sort puts this value last in both directions: missing, NaN, or the text NaN/nan. */
    private static int bad(Column c, int r) {
        byte t = c.tags[r];
        if (t == Column.MISSING) return 1;
        if (t == Column.DOUBLE && Double.isNaN(Double.longBitsToDouble(c.bits[r]))) return 1;
        if (t == Column.STRING) {
            String s = c.dict.get((int) c.bits[r]);
            if (s.equals("NaN") || s.equals("nan")) return 1;
        }
        return 0;
    }

    private static int compareSortValues(Object x, Object y, boolean desc) {
        int bx = badValue(x), by = badValue(y);
        if (bx != by) return Integer.compare(bx, by);
        int c = orderValues(x, y);
        return desc ? -c : c;
    }

    private static int badValue(Object v) {
        if (v == null) return 1;
        if (v instanceof Double d && d.isNaN()) return 1;
        if (v instanceof String s && (s.equals("NaN") || s.equals("nan"))) return 1;
        return 0;
    }

    // ---------------------------------------------------------------- Cypher's orderability and comparison

    /** Cypher's orderability (ascending: strings, booleans, numbers with NaN last; missing after all). */
    static int order(Column a, int ra, Column b, int rb) {
        return orderValues(a.value(ra), b.value(rb));
    }

    /** {@link #order} of two rows of one column, without boxing where both hold doubles or both longs. */
    static int compareCells(Column c, int ra, int rb) {
        byte ta = c.tags[ra], tb = c.tags[rb];
        if (ta == Column.DOUBLE && tb == Column.DOUBLE) {
            double x = Double.longBitsToDouble(c.bits[ra]), y = Double.longBitsToDouble(c.bits[rb]);
            boolean xn = Double.isNaN(x), yn = Double.isNaN(y);
            if (xn || yn) return Boolean.compare(xn, yn);
            return Double.compare(x + 0.0, y + 0.0);
        }
        if (ta == Column.LONG && tb == Column.LONG) return Long.compare(c.bits[ra], c.bits[rb]);
        return order(c, ra, c, rb);
    }

    private static int rank(Object v) {
        if (v == null) return 9;
        if (v instanceof List) return 1;
        if (v instanceof String) return 5;
        if (v instanceof Boolean) return 6;
        return 7;
    }

    @SuppressWarnings("unchecked")
    static int orderValues(Object x, Object y) {
        int rx = rank(x), ry = rank(y);
        if (rx != ry) return Integer.compare(rx, ry);
        if (x instanceof String s) return compareStrings(s, (String) y);
        if (x instanceof Boolean b) return Boolean.compare(b, (Boolean) y);
        if (x instanceof Number a) {
            Number b = (Number) y;
            boolean an = a instanceof Double d && d.isNaN(), bn = b instanceof Double d2 && d2.isNaN();
            if (an || bn) return Boolean.compare(an, bn);
            return compareNumbers(a, b);
        }
        return 0;
    }

    private static int compareNumbers(Number a, Number b) {
        if (a instanceof Long x && b instanceof Long y) return Long.compare(x, y);
        if (a instanceof Long x) return -compareDoubleLong(b.doubleValue(), x);
        if (b instanceof Long y) return compareDoubleLong(a.doubleValue(), y);
        return Double.compare(a.doubleValue() + 0.0, b.doubleValue() + 0.0);
    }

    /** A double against a long, exactly. */
    private static int compareDoubleLong(double d, long l) {
        if (d < -0x1p63) return -1;
        if (d >= 0x1p63) return 1;
        return new BigDecimal(d).compareTo(BigDecimal.valueOf(l));
    }

    static int compareStrings(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; ) {
            int ca = a.codePointAt(i), cb = b.codePointAt(i);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
        }
        return Integer.compare(a.length(), b.length());
    }

    // ---------------------------------------------------------------- filters

    private Column column(String field) {
        if (field.startsWith("_")) throw new Unsupported("the node's bookkeeping is not mirrored");
        if (QueryCompiler.LIST_FIELDS.contains(field)) throw new Unsupported("list field " + field);
        Column c = table.column(field);
        if (c != null && c.hasOther()) throw new Unsupported("a list value in " + field);
        return c;
    }

    private Pred filter(Object node) {
        Map<?, ?> map = (Map<?, ?>) node;
        var parts = new ArrayList<Pred>();
        for (var e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (key.equals("$and") || key.equals("$or")) {
                var subs = new ArrayList<Pred>();
                for (Object sub : (List<?>) v) {
                    Pred p = filter(sub);
                    subs.add(p == null ? r -> T : p);
                }
                parts.add(key.equals("$and") ? and(subs) : or(subs));
            } else {
                Pred p = field(column(key), key, v);
                if (p != null) parts.add(p);
            }
        }
        return parts.isEmpty() ? null : and(parts);
    }

    private static Pred and(List<Pred> ps) {
        if (ps.size() == 1) return ps.get(0);
        Pred[] a = ps.toArray(Pred[]::new);
        return r -> {
            byte out = T;
            for (Pred p : a) {
                byte x = p.test(r);
                if (x == F) return F;
                if (x == N) out = N;
            }
            return out;
        };
    }

    private static Pred or(List<Pred> ps) {
        if (ps.size() == 1) return ps.get(0);
        Pred[] a = ps.toArray(Pred[]::new);
        return r -> {
            byte out = F;
            for (Pred p : a) {
                byte x = p.test(r);
                if (x == T) return T;
                if (x == N) out = N;
            }
            return out;
        };
    }

    private Pred field(Column c, String name, Object v) {
        if (!(v instanceof Map<?, ?> ops)) {
            if (v == null) return isNull(c, true);
            if (v instanceof List) throw new Unsupported("a list compared to a field");
            return eq(c, value(v));
        }
        var parts = new ArrayList<Pred>();
        for (var e : ops.entrySet()) {
            String op = String.valueOf(e.getKey());
            Object arg = e.getValue();
            switch (op) {
                case "$exists" -> parts.add(isNull(c, !((Boolean) arg)));
                case "$regex" -> {
                    RegexBound.Checked checked = RegexBound.check("(?s)" + arg);
                    Pattern p = Pattern.compile(checked.pattern());
                    parts.add(r -> {
                        if (c == null) return N;
                        byte t = c.tags[r];
                        if (t != Column.STRING) return N;
                        return p.matcher(c.dict.get((int) c.bits[r])).matches() ? T : F;
                    });
                }
                case "$ne" -> {
                    if (arg == null) parts.add(isNull(c, false));
                    else {
                        if (arg instanceof List) throw new Unsupported("a list compared to a field");
                        Pred eq = eq(c, value(arg));
                        parts.add(r -> c == null || c.tags[r] == Column.MISSING ? T : eq.test(r) == T ? F : T);
                    }
                }
                case "$in", "$nin" -> {
                    List<?> list = (List<?>) arg;
                    boolean hasNull = false;
                    var eqs = new ArrayList<Pred>();
                    for (Object x : list) {
                        if (x == null) hasNull = true;
                        else eqs.add(eq(c, value(x)));
                    }
                    Pred[] a = eqs.toArray(Pred[]::new);
                    boolean empty = a.length == 0, withNull = hasNull;
                    // prop IN list: null when the field is missing (false for an empty list)
                    Pred in = r -> {
                        if (c == null || c.tags[r] == Column.MISSING) return empty ? F : N;
                        for (Pred p : a) if (p.test(r) == T) return T;
                        return F;
                    };
                    if (op.equals("$in"))
                        parts.add(withNull ? r -> c == null || c.tags[r] == Column.MISSING ? T : in.test(r) : in);
                    else
                        parts.add(r -> {
                            boolean missing = c == null || c.tags[r] == Column.MISSING;
                            if (withNull && missing) return F;
                            return in.test(r) == T ? F : T;
                        });
                }
                default -> parts.add(compare(c, op, value(arg)));
            }
        }
        return parts.isEmpty() ? null : and(parts);
    }

    private static Pred isNull(Column c, boolean wantNull) {
        if (c == null) return r -> wantNull ? T : F;
        return r -> (c.tags[r] == Column.MISSING) == wantNull ? T : F;
    }

    /** {@code prop = value}: null when missing, false across types, numbers by value, NaN equal to nothing. */
    private static Pred eq(Column c, Object v) {
        if (c == null) return r -> N;
        if (v instanceof String s) {
            int code = c.codeOf(s);
            return r -> {
                byte t = c.tags[r];
                if (t == Column.MISSING) return N;
                return t == Column.STRING && c.bits[r] == code ? T : F;
            };
        }
        if (v instanceof Boolean b) {
            long want = b ? 1 : 0;
            return r -> {
                byte t = c.tags[r];
                if (t == Column.MISSING) return N;
                return t == Column.BOOL && c.bits[r] == want ? T : F;
            };
        }
        Number num = (Number) v;
        return r -> {
            byte t = c.tags[r];
            if (t == Column.MISSING) return N;
            if (t != Column.LONG && t != Column.DOUBLE) return F;
            Number x = t == Column.LONG ? (Number) c.bits[r] : (Number) Double.longBitsToDouble(c.bits[r]);
            if ((x instanceof Double d && d.isNaN()) || (num instanceof Double d2 && d2.isNaN())) return F;
            return compareNumbers(x, num) == 0 ? T : F;
        };
    }

    private static Pred compare(Column c, String op, Object v) {
        if (c == null) return r -> N;
        int sign;
        boolean orEqual;
        switch (op) {
            case "$gt" -> {
                sign = 1;
                orEqual = false;
            }
            case "$gte" -> {
                sign = 1;
                orEqual = true;
            }
            case "$lt" -> {
                sign = -1;
                orEqual = false;
            }
            default -> {
                sign = -1;
                orEqual = true;
            }
        }
        if (v instanceof Number num) {
            boolean argNaN = num instanceof Double d && d.isNaN();
            double dv = num.doubleValue();
            boolean exact = num instanceof Double || Math.abs(num.longValue()) < (1L << 52);
            return r -> {
                byte t = c.tags[r];
                if (t == Column.MISSING) return N;
                if (t != Column.LONG && t != Column.DOUBLE) return N;
                if (argNaN) return F;
                int cmp;
                if (t == Column.DOUBLE) {
                    double x = Double.longBitsToDouble(c.bits[r]);
                    if (Double.isNaN(x)) return F;
                    cmp = num instanceof Long l ? compareDoubleLong(x, l) : Double.compare(x + 0.0, dv + 0.0);
                } else {
                    long x = c.bits[r];
                    cmp = num instanceof Long l
                            ? Long.compare(x, l)
                            : (exact && Math.abs(x) < (1L << 52))
                                    ? Double.compare((double) x, dv + 0.0)
                                    : -compareDoubleLong(dv, x);
                }
                return test(cmp, sign, orEqual);
            };
        }
        if (v instanceof String s) {
            return r -> {
                byte t = c.tags[r];
                if (t == Column.MISSING) return N;
                if (t != Column.STRING) return N;
                return test(compareStrings(c.dict.get((int) c.bits[r]), s), sign, orEqual);
            };
        }
        boolean b = (Boolean) v;
        return r -> {
            byte t = c.tags[r];
            if (t == Column.MISSING) return N;
            if (t != Column.BOOL) return N;
            return test(Boolean.compare(c.bits[r] != 0, b), sign, orEqual);
        };
    }

    private static byte test(int cmp, int sign, boolean orEqual) {
        if (cmp == 0) return orEqual ? T : F;
        return Integer.signum(cmp) == sign ? T : F;
    }

    /** A JSON value as the compiler passes it to Cypher (integers as Long, decimals as Double). */
    private static Object value(Object v) {
        if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof BigDecimal d) return d.doubleValue();
        if (v instanceof BigInteger b) return b.longValue();
        throw new Unsupported("a value of type " + v.getClass().getSimpleName());
    }

    private static boolean descending(Object item) {
        if (item instanceof String) return false;
        List<?> pair = (List<?>) item;
        if (pair.size() < 2) return false;
        Object d = pair.get(1);
        if (d instanceof String s) {
            String x = s.toLowerCase(Locale.ROOT);
            return x.equals("descending") || x.equals("desc");
        }
        return ((Number) d).doubleValue() < 0;
    }

    private static List<String> strings(Object v) {
        var out = new ArrayList<String>();
        if (v instanceof List<?> l) for (Object o : l) out.add((String) o);
        return out;
    }
}

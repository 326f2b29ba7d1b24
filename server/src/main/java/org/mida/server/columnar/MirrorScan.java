package org.mida.server.columnar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The correlation analysis's read on the mirror: the tasks of one workflow or campaign (optionally of one
 * activity and one status), the most recent {@code limit} of them by {@code ended_at} (descending, tasks
 * without one last, ties by {@code task_id}), exactly as {@code cypher/analysis/correlation-*-tasks.cypher}
 * orders them. Null when it cannot be sure of that order (an {@code ended_at} that is not a number, or NaN,
 * among the tasks in scope): the caller then reads through Cypher.
 */
public final class MirrorScan {
    private MirrorScan() {}

    /** One task's numeric material: {@code duration}, its {@code used.*}/{@code generated.*} pairs. */
    public record Row(String taskId, Object duration, List<Map.Entry<String, Object>> props, boolean telemetry) {}

    static List<Row> correlation(
            TaskTable t, String scopeField, String scope, String activityId, String status, int limit) {
        int[] match = new int[64];
        int m = 0;
        Column scopeCol = t.column(scopeField);
        if (scopeCol == null) return List.of();
        int scopeCode = scopeCol.codeOf(scope);
        if (scopeCode < 0) return List.of();
        Column act = activityId == null ? null : t.column("activity_id");
        int actCode = act == null ? -1 : act.codeOf(activityId);
        if (activityId != null && actCode < 0) return List.of();
        Column st = status == null ? null : t.column("status");
        int stCode = st == null ? -1 : st.codeOf(status);
        if (status != null && stCode < 0) return List.of();
        Column ended = t.column("ended_at");
        for (int r = 0; r < t.rows; r++) {
            if (!t.live[r] || !is(scopeCol, r, scopeCode)) continue;
            if (act != null && !is(act, r, actCode)) continue;
            if (st != null && !is(st, r, stCode)) continue;
            if (ended != null) {
                byte tag = ended.tags[r];
                if (tag != Column.MISSING && tag != Column.LONG && tag != Column.DOUBLE) return null;
                if (tag == Column.DOUBLE && Double.isNaN(Double.longBitsToDouble(ended.bits[r]))) return null;
            }
            if (m == match.length) match = Arrays.copyOf(match, m * 2);
            match[m++] = r;
        }
        Column ids = t.column("task_id");
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = match[i];
        Arrays.sort(order, (a, b) -> {
            boolean na = ended == null || ended.tags[a] == Column.MISSING;
            boolean nb = ended == null || ended.tags[b] == Column.MISSING;
            if (na != nb) return na ? 1 : -1;
            if (!na) {
                int c = MirrorQuery.compareCells(ended, b, a); // descending
                if (c != 0) return c;
            }
            return MirrorQuery.compareStrings((String) ids.value(a), (String) ids.value(b));
        });
        int n = Math.min(limit, m);
        var props = new ArrayList<Column>();
        for (Column c : t.columns.values())
            if (c.name.startsWith("used.") || c.name.startsWith("generated.")) props.add(c);
        Column duration = t.column("duration");
        var out = new ArrayList<Row>(n);
        for (int i = 0; i < n; i++) {
            int r = order[i];
            var kv = new ArrayList<Map.Entry<String, Object>>();
            for (Column c : props) if (c.tags[r] != Column.MISSING) kv.add(Map.entry(c.name, c.value(r)));
            out.add(new Row((String) ids.value(r), duration == null ? null : duration.value(r), kv, t.telemetry(r)));
        }
        return out;
    }

    private static boolean is(Column c, int r, int code) {
        return c.tags[r] == Column.STRING && c.bits[r] == code;
    }
}

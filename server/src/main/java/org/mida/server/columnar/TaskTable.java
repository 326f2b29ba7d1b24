package org.mida.server.columnar;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The task table of the mirror: one row per task the DSL answers about (placeholders left out), one
 * {@link Column} per property name. Rows are appended; a task whose properties change is rewritten in
 * place; a task that is gone is marked dead. Readers hold {@link #lock}'s read lock while they scan,
 * writers its write lock.
 */
final class TaskTable {
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final Map<String, Column> columns = new LinkedHashMap<>();
    /**
     * The row of each task, by the code of its id in the task_id column's dictionary (row + 1; 0: none): the
     * ids are kept once, in that dictionary.
     */
    private int[] rowByCode = new int[1024];

    private final Column ids;
    boolean[] live = new boolean[1024];
    /** Rows whose stored document holds telemetry ({@code telemetry_at_start}/{@code _end}), or may. */
    private final java.util.BitSet telemetry = new java.util.BitSet();

    int rows;
    int liveRows;

    TaskTable() {
        ids = new Column("task_id", live.length);
        columns.put("task_id", ids);
    }

    /** Sets one task's properties (pairs [name, value] as the load statement returns them); null: gone. */
    void upsert(String taskId, List<?> props) {
        upsert(taskId, props, true);
    }

    /** As above; {@code telemetry}: whether the task's document may hold telemetry. */
    void upsert(String taskId, List<?> props, boolean telemetry) {
        int row = row(taskId, props != null, telemetry);
        if (row < 0) return;
        for (Object p : props) {
            List<?> kv = (List<?>) p;
            column((String) kv.get(0), true).set(row, kv.get(1));
        }
    }

    /**
     * As above, the properties as the first {@code n} of {@code names} and {@code values} (the mirror's re-read
     * through the core API: no pair list per property); {@code names} null: the task is gone.
     */
    void upsert(String taskId, String[] names, Object[] values, int n, boolean telemetry) {
        int row = row(taskId, names != null, telemetry);
        if (row < 0) return;
        for (int i = 0; i < n; i++) column(names[i], true).set(row, values[i]);
    }

    /**
     * The row of a task whose properties are about to be set, cleared (its old values dropped), live; -1 when
     * the task is gone ({@code present} false: its row, if any, dropped).
     */
    private int row(String taskId, boolean present, boolean telemetry) {
        int code = ids.intern(taskId);
        if (code >= rowByCode.length)
            rowByCode = Arrays.copyOf(rowByCode, Math.max(code + 1, rowByCode.length * 3 / 2));
        int r = rowByCode[code] - 1;
        if (!present) {
            if (r >= 0 && live[r]) {
                for (Column c : columns.values()) c.set(r, null);
                live[r] = false;
                liveRows--;
            }
            return -1;
        }
        int row;
        if (r < 0) {
            row = rows++;
            if (row >= live.length) {
                live = Arrays.copyOf(live, live.length + (live.length >> 1));
                for (Column c : columns.values()) c.ensure(live.length);
            }
            rowByCode[code] = row + 1;
        } else {
            row = r;
            for (Column c : columns.values()) c.set(row, null);
        }
        this.telemetry.set(row, telemetry);
        if (!live[row]) {
            live[row] = true;
            liveRows++;
        }
        return row;
    }

    /** The column of a property; {@code create}: made (sized to the table) when no task had it. */
    private Column column(String name, boolean create) {
        Column c = columns.get(name);
        if (c == null && create) {
            c = new Column(name, live.length);
            columns.put(name, c);
        }
        return c;
    }

    /** Whether the row's stored document may hold telemetry. */
    boolean telemetry(int row) {
        return telemetry.get(row);
    }

    /** The column of a property, null when no task has it; every column holds at least live.length rows. */
    Column column(String name) {
        return columns.get(name);
    }

    /** About the bytes the table takes on the heap. */
    long bytes() {
        long b = live.length + rowByCode.length * 4L;
        for (Column c : columns.values()) b += c.bytes();
        return b;
    }
}

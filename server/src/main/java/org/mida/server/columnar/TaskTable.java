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
        int code = ids.intern(taskId);
        if (code >= rowByCode.length)
            rowByCode = Arrays.copyOf(rowByCode, Math.max(code + 1, rowByCode.length * 3 / 2));
        Integer r = rowByCode[code] == 0 ? null : rowByCode[code] - 1;
        if (props == null) {
            if (r != null && live[r]) {
                for (Column c : columns.values()) c.set(r, null);
                live[r] = false;
                liveRows--;
            }
            return;
        }
        int row;
        if (r == null) {
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
        for (Object p : props) {
            List<?> kv = (List<?>) p;
            String name = (String) kv.get(0);
            Column c = columns.get(name);
            if (c == null) {
                c = new Column(name, live.length);
                columns.put(name, c);
            }
            c.set(row, kv.get(1));
        }
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

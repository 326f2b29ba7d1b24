package org.mida.server.columnar;

import java.util.Arrays;
import java.util.HashMap;
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
    private final HashMap<String, Integer> rowOf = new HashMap<>();
    boolean[] live = new boolean[1024];
    int rows;
    int liveRows;

    /** Sets one task's properties (pairs [name, value] as the load statement returns them); null: gone. */
    void upsert(String taskId, List<?> props) {
        Integer r = rowOf.get(taskId);
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
            rowOf.put(taskId, row);
        } else {
            row = r;
            for (Column c : columns.values()) c.set(row, null);
        }
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

    /** The column of a property, null when no task has it; every column holds at least live.length rows. */
    Column column(String name) {
        return columns.get(name);
    }

    /** About the bytes the table takes on the heap. */
    long bytes() {
        long b = live.length + rowOf.size() * (48L + 16 + 24 + 16 + 40);
        for (Column c : columns.values()) b += c.bytes();
        return b;
    }
}

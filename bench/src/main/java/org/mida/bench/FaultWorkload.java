package org.mida.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mida.event.EventCodec;

/**
 * Task events whose loss or double application shows in the graph. Each task has {@code phases} events:
 * phase 0 is RUNNING with {@code started_at} and a used entity {@code <prefix>/in-<i>}, the last phase is
 * FINISHED with {@code ended_at} and a generated entity {@code <prefix>/out-<i>}, phases in between are
 * RUNNING; every phase {@code j} also carries its own key {@code custom_metadata.p<j>}. So a lost event is
 * a missing key (or a task not FINISHED, or a missing USED / WAS_GENERATED_BY), a lost update under
 * concurrent merges likewise, and an event applied twice shows as a second node, relationship, entity or
 * version where exactly one is expected. Events go into stream entries of {@code perEntry} events, each
 * entry one phase of a block of consecutive tasks.
 */
final class FaultWorkload {
    /** Tasks per workflow: one verification query reads one workflow (below the server's row cap). */
    static final int TASKS_PER_WORKFLOW = 10_000;

    /** One request body (JSON array) and what it holds: tasks [first, first + count) at one phase. */
    record Entry(String json, int firstTask, int count, int phase) {
        int events() {
            return count;
        }
    }

    final String prefix;
    final int tasks;
    final int phases;
    final List<Entry> entries = new ArrayList<>();

    private FaultWorkload(String prefix, int tasks, int phases) {
        if (phases < 2) throw new IllegalArgumentException("phases must be >= 2");
        this.prefix = prefix;
        this.tasks = tasks;
        this.phases = phases;
    }

    /**
     * Phase {@code j} of block {@code b} is sent in round {@code b + j}: a task's events follow each other
     * a few entries apart, in order.
     */
    static FaultWorkload ordered(String prefix, int tasks, int phases, int perEntry) {
        var w = new FaultWorkload(prefix, tasks, phases);
        int blocks = (tasks + perEntry - 1) / perEntry;
        for (int round = 0; round < blocks + phases - 1; round++)
            for (int j = 0; j < phases; j++) {
                int b = round - j;
                if (b >= 0 && b < blocks)
                    w.entries.add(w.entry(b * perEntry, Math.min(perEntry, tasks - b * perEntry), j));
            }
        return w;
    }

    /** Every phase of every block, shuffled within windows of {@code window} blocks (any order per task). */
    static FaultWorkload shuffled(String prefix, int tasks, int phases, int perEntry, int window, long seed) {
        var w = new FaultWorkload(prefix, tasks, phases);
        var rnd = new Random(seed);
        int blocks = (tasks + perEntry - 1) / perEntry;
        for (int from = 0; from < blocks; from += window) {
            var part = new ArrayList<Entry>();
            for (int b = from; b < Math.min(blocks, from + window); b++)
                for (int j = 0; j < phases; j++)
                    part.add(w.entry(b * perEntry, Math.min(perEntry, tasks - b * perEntry), j));
            Collections.shuffle(part, rnd);
            w.entries.addAll(part);
        }
        return w;
    }

    int events() {
        return tasks * phases;
    }

    private Entry entry(int first, int count, int phase) {
        var list = new ArrayList<Map<String, Object>>(count);
        for (int i = first; i < first + count; i++) list.add(event(prefix, i, phase, phases));
        return new Entry(EventCodec.shared().toJson(list), first, count, phase);
    }

    static String taskId(String prefix, int i) {
        return prefix + "/t-" + i;
    }

    static String workflowId(String prefix, int i) {
        return prefix + "/wf-" + (i / TASKS_PER_WORKFLOW);
    }

    /** The wire-format event of phase {@code j} of task {@code i}. */
    static Map<String, Object> event(String prefix, int i, int j, int phases) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "task");
        m.put("task_id", taskId(prefix, i));
        m.put("workflow_id", workflowId(prefix, i));
        m.put("campaign_id", prefix);
        m.put("activity_id", "fault");
        double started = 1.75e9 + i * 0.001;
        if (j == 0) {
            m.put("status", "RUNNING");
            m.put("started_at", started);
            m.put("used", Map.of("input", Map.of("@id", entityPrefix(prefix) + "in-" + i, "@type", "dataset")));
        } else if (j == phases - 1) {
            m.put("status", "FINISHED");
            m.put("started_at", started);
            m.put("ended_at", started + 1);
            m.put("generated", Map.of("out", Map.of("@id", entityPrefix(prefix) + "out-" + i, "@type", "dataset")));
        } else {
            m.put("status", "RUNNING");
        }
        m.put("custom_metadata", Map.of("p" + j, i));
        return m;
    }

    static String entityPrefix(String prefix) {
        return "file:///fault/" + prefix + "/";
    }
}

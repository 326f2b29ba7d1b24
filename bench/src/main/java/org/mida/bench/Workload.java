package org.mida.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;

/**
 * A synthetic but realistic task workload: every task has a RUNNING and a FINISHED event; a window
 * of tasks is in flight (FINISHED arrives 1,000–5,000 events after RUNNING), 3 % of the tasks have
 * their FINISHED before their RUNNING; 2 used entity references + params, 1 generated reference + a
 * metric; about 30 % of the references name an entity another task also names (a used input is an
 * earlier task's output, written before the using task starts). Events are packed into JSON arrays of {@code perEntry} events, as an
 * observer's flushed buffer would be. Deterministic for a given seed and prefix.
 */
final class Workload {

    static final double BASE_TIME = 1.7e9;

    /** One stream entry: its JSON payload and the tasks whose events it carries (index, is RUNNING). */
    record Entry(String payload, int[] tasks, boolean[] running) {}

    final String prefix;
    final int taskCount;
    final List<Entry> entries = new ArrayList<>();
    final List<Map<String, Object>> runningEvents;
    final List<Map<String, Object>> finishedEvents;
    int eventCount;
    int references;
    int sharedReferences;
    int distinctEntities;

    private Workload(String prefix, int taskCount) {
        this.prefix = prefix;
        this.taskCount = taskCount;
        this.runningEvents = new ArrayList<>(taskCount);
        this.finishedEvents = new ArrayList<>(taskCount);
    }

    String taskId(int i) {
        return String.format("%s/task-%07d", prefix, i);
    }

    static Workload generate(String prefix, int taskCount, int perEntry, long seed, EventCodec codec) {
        var w = new Workload(prefix, taskCount);
        var rnd = new Random(seed);
        var entityUses = new LinkedHashMap<String, Integer>();
        for (int i = 0; i < taskCount; i++) {
            String input = pooled(rnd, prefix, i, "file:///data/" + prefix + "/in-" + i + ".h5");
            String config = pooled(rnd, prefix, i, "file:///cfg/" + prefix + "/c-" + i + ".yaml?v=1#x");
            String model = modelId(prefix, i);
            var used = new LinkedHashMap<String, Object>();
            used.put("lr", Math.round(rnd.nextDouble() * 1e4) / 1e6);
            used.put("batch_size", 16 << rnd.nextInt(4));
            used.put("input", ref(input, input.startsWith("model:") ? "model" : "dataset"));
            used.put("config", ref(config, config.startsWith("model:") ? "model" : "file"));
            var generated = new LinkedHashMap<String, Object>();
            generated.put("model", ref(model, "model"));
            generated.put("loss", Math.round(rnd.nextDouble() * 1e6) / 1e6);
            for (String id : List.of(input, config, model)) entityUses.merge(id, 1, Integer::sum);

            double started = BASE_TIME + i * 0.01;
            // 1-31 s: a used output (of a task started >= 40 s earlier, see pooled) was written before its use
            double ended = started + 1 + rnd.nextInt(30_000) / 1000.0;
            var common = new LinkedHashMap<String, Object>();
            common.put("type", "task");
            common.put("task_id", w.taskId(i));
            common.put("workflow_id", prefix + "/wf-" + (i / 2000));
            common.put("campaign_id", prefix + "/campaign");
            common.put("activity_id", List.of("preprocess", "train", "evaluate").get(i % 3));
            common.put("hostname", "node-" + (i % 16));

            var running = new LinkedHashMap<>(common);
            running.put("status", "RUNNING");
            running.put("started_at", started);
            running.put("used", used);
            var finished = new LinkedHashMap<>(common);
            finished.put("status", "FINISHED");
            finished.put("started_at", started);
            finished.put("ended_at", ended);
            finished.put("used", used);
            finished.put("generated", generated);
            w.runningEvents.add(running);
            w.finishedEvents.add(finished);
        }
        for (int uses : entityUses.values()) {
            w.references += uses;
            if (uses > 1) w.sharedReferences += uses;
        }
        w.distinctEntities = entityUses.size();

        // interleaving: RUNNING in task order; FINISHED 1,000-5,000 events later (3 %: before RUNNING)
        var order = new ArrayList<long[]>(2 * taskCount); // {task, running?1:0}
        var later = new PriorityQueue<long[]>((a, b) -> Long.compare(a[0], b[0])); // {due, task, running}
        long seq = 0;
        for (int i = 0; i < taskCount; i++) {
            while (!later.isEmpty() && later.peek()[0] <= seq) {
                long[] l = later.poll();
                order.add(new long[] {l[1], l[2]});
                seq++;
            }
            boolean finishedFirst = rnd.nextInt(100) < 3;
            order.add(new long[] {i, finishedFirst ? 0 : 1});
            seq++;
            later.add(new long[] {seq + 1000 + rnd.nextInt(4000), i, finishedFirst ? 1 : 0});
        }
        while (!later.isEmpty()) {
            long[] l = later.poll();
            order.add(new long[] {l[1], l[2]});
        }
        w.eventCount = order.size();
        for (int from = 0; from < order.size(); from += perEntry) {
            int to = Math.min(order.size(), from + perEntry);
            var batch = new ArrayList<Map<String, Object>>(to - from);
            int[] tasks = new int[to - from];
            boolean[] running = new boolean[to - from];
            for (int k = from; k < to; k++) {
                int t = (int) order.get(k)[0];
                boolean r = order.get(k)[1] == 1;
                tasks[k - from] = t;
                running[k - from] = r;
                batch.add(r ? w.runningEvents.get(t) : w.finishedEvents.get(t));
            }
            w.entries.add(new Entry(codec.toJson(batch), tasks, running));
        }
        // issue 15: only the encoded entries stay (the maps were ≈ half the benchmark's live heap, which G1
        // marked during every phase and which counted in the e2e's GC CPU); mergedTasks decodes the entries
        if (!KEEP_MAPS) {
            w.runningEvents.clear();
            w.finishedEvents.clear();
        }
        return w;
    }

    /**
     * {@code -Dmida.bench.workload.maps=true}: keep every event as a map beside its encoded entry, as before
     * issue 15's ing18 (A/B of the benchmark's own heap).
     */
    static final boolean KEEP_MAPS = Boolean.getBoolean("mida.bench.workload.maps");

    /** The final (merged) state of every task, as the server should hold it. */
    List<TaskEvent> mergedTasks(EventCodec codec) {
        var out = new ArrayList<TaskEvent>(taskCount);
        if (!runningEvents.isEmpty()) {
            for (int i = 0; i < taskCount; i++) {
                var r = (TaskEvent) codec.decodeEvent(runningEvents.get(i));
                var f = (TaskEvent) codec.decodeEvent(finishedEvents.get(i));
                out.add(r.merge(f));
            }
            return out;
        }
        // from the entries: each element of an entry is the event of tasks[k] (RUNNING when running[k])
        var runs = new TaskEvent[taskCount];
        var ends = new TaskEvent[taskCount];
        for (Entry e : entries) {
            var d = codec.decode(e.payload());
            if (!d.rejections().isEmpty() || d.events().size() != e.tasks().length)
                throw new IllegalStateException("the benchmark's own entry does not decode: " + d.rejections());
            for (int k = 0; k < e.tasks().length; k++)
                (e.running()[k] ? runs : ends)[e.tasks()[k]] =
                        (TaskEvent) d.events().get(k);
        }
        for (int i = 0; i < taskCount; i++) out.add(runs[i].merge(ends[i]));
        return out;
    }

    private static String modelId(String prefix, int i) {
        return "model://" + prefix + "/m-" + i;
    }

    /** 45 % of the used references name an earlier task's output (so ~30 % of all are shared). */
    private static String pooled(Random rnd, String prefix, int i, String fresh) {
        if (i < 5000 || rnd.nextInt(100) >= 45) return fresh;
        return modelId(prefix, rnd.nextInt(i - 4000));
    }

    private static Map<String, Object> ref(String id, String type) {
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        m.put("@type", type);
        return m;
    }
}

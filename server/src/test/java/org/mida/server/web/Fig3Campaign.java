package org.mida.server.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A campaign shaped like the paper's Fig. 3: 20 raw microscope scans (entities with no recorded
 * generation; their attributes are the microscope parameters) → 20 preprocessing tasks (tiles) → 60
 * training runs (lr, batch size, architecture, training dataset; loss), 7 of them ERROR with a CUDA
 * out-of-memory stderr → 20 evaluations of finished runs' models. Deterministic: the answers to the
 * paper's two questions are computed from the same records the events are made of.
 */
final class Fig3Campaign {
    static final String CAMPAIGN = "fig3-microscopy";
    static final String ACQ = "wf://fig3/preprocessing";
    static final String TRAIN = "wf://fig3/training";
    static final String EVAL = "wf://fig3/evaluation";
    static final double T0 = 1_717_200_000; // 2024-06-01T00:00Z
    static final String[] DETECTORS = {"HAADF", "BF", "ABF"};
    static final String[] ARCHITECTURES = {"unet", "resnet34-unet", "segformer-b2"};
    static final double[] LRS = {1e-2, 3e-3, 1e-3, 3e-4, 1e-4};
    static final int[] BATCHES = {8, 16, 32, 64};
    static final String OOM = "Traceback (most recent call last):\n  File \"train.py\", line 141, in <module>\n"
            + "    loss.backward()\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
            + " (GPU 0; 39.39 GiB total capacity; 37.12 GiB already allocated)";

    record Scan(String id, int magnification, double dwellTimeUs, String detector, int voltageKv) {}

    record Run(
            String taskId,
            String runName,
            double lr,
            int batchSize,
            String architecture,
            String trainingDataset,
            Scan scan,
            Double loss,
            boolean failed) {}

    final List<Scan> scans = new ArrayList<>();
    final List<Run> runs = new ArrayList<>();

    Fig3Campaign() {
        for (int i = 0; i < 20; i++)
            scans.add(new Scan(
                    "file:///microscope/2024-06/scan-%02d.emd".formatted(i),
                    20_000 + 5_000 * (i % 4),
                    0.5 + 0.25 * (i % 5),
                    DETECTORS[i % 3],
                    i % 2 == 0 ? 200 : 300));
        for (int i = 0; i < 60; i++) {
            boolean failed = i % 8 == 3 && i < 56; // 3, 11, …, 51: batch size 64, 7 runs
            Scan scan = scans.get(i % 20);
            runs.add(new Run(
                    "task:train/%02d".formatted(i),
                    "run-%02d".formatted(i),
                    LRS[i % 5],
                    BATCHES[i % 4],
                    ARCHITECTURES[i % 3],
                    tiles(scan),
                    scan,
                    failed ? null : Math.round((0.08 + ((i * 37) % 60) * 0.0123) * 10_000) / 10_000.0,
                    failed));
        }
    }

    static String tiles(Scan s) {
        return s.id().replace("file:///microscope/2024-06/", "dataset://tiles/").replace(".emd", "");
    }

    /** The 10 finished runs with the lowest loss, lowest first. */
    List<Run> lowestLoss(int k) {
        return runs.stream()
                .filter(r -> !r.failed())
                .sorted(Comparator.comparingDouble(Run::loss))
                .limit(k)
                .toList();
    }

    List<Run> failedRuns() {
        return runs.stream().filter(Run::failed).toList();
    }

    /** The scans behind the out-of-memory runs, by id. */
    Map<String, Scan> scansBehindFailures() {
        var out = new TreeMap<String, Scan>();
        for (Run r : failedRuns()) out.put(r.scan().id(), r.scan());
        return out;
    }

    /** The events: workflows, preprocessing, training, evaluation. */
    List<Map<String, Object>> events() {
        var events = new ArrayList<Map<String, Object>>();
        events.add(workflow(ACQ, "preprocessing", T0));
        events.add(workflow(TRAIN, "training sweep", T0 + 3_600));
        events.add(workflow(EVAL, "evaluation", T0 + 90_000));
        for (int i = 0; i < scans.size(); i++) {
            Scan s = scans.get(i);
            double start = T0 + 60 * i;
            var used = new LinkedHashMap<String, Object>();
            used.put(
                    "scan",
                    ref(
                            s.id(),
                            "microscope_scan",
                            "magnification",
                            s.magnification(),
                            "dwell_time_us",
                            s.dwellTimeUs(),
                            "detector",
                            s.detector(),
                            "voltage_kv",
                            s.voltageKv()));
            used.put("tile_size", 256);
            events.add(task(
                    "task:preprocess/%02d".formatted(i),
                    ACQ,
                    "preprocess",
                    "FINISHED",
                    start,
                    start + 40,
                    used,
                    Map.of("tiles", ref(tiles(s), "dataset", "tiles", 400 + i))));
        }
        int evals = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            double start = T0 + 3_600 + 1_200 * i;
            var used = new LinkedHashMap<String, Object>();
            used.put("lr", r.lr());
            used.put("batch_size", r.batchSize());
            used.put("architecture", r.architecture());
            used.put("training_dataset", ref(r.trainingDataset(), "dataset"));
            var generated = new LinkedHashMap<String, Object>();
            if (!r.failed()) {
                generated.put("loss", r.loss());
                generated.put("model", ref("model://fig3/" + r.runName(), "model"));
            }
            var t = task(
                    r.taskId(),
                    TRAIN,
                    "train_model",
                    r.failed() ? "ERROR" : "FINISHED",
                    start,
                    start + (r.failed() ? 95 : 900 + 7 * i),
                    used,
                    generated);
            t.put("custom_metadata", Map.of("run_name", r.runName()));
            t.put("telemetry_at_start", Map.of("gpu", Map.of("memory_used_mib", 1_000 + i)));
            t.put(
                    "telemetry_at_end",
                    Map.of("gpu", Map.of("memory_used_mib", r.failed() ? 40_300 : 12_000 + 300 * r.batchSize())));
            if (r.failed()) t.put("stderr", OOM);
            events.add(t);
            if (!r.failed() && evals < 20) {
                double es = T0 + 90_000 + 300 * evals;
                events.add(task(
                        "task:eval/%02d".formatted(evals),
                        EVAL,
                        "evaluate",
                        "FINISHED",
                        es,
                        es + 120,
                        Map.of("model", ref("model://fig3/" + r.runName(), "model")),
                        Map.of("iou", Math.round((0.9 - r.loss() / 2) * 10_000) / 10_000.0)));
                evals++;
            }
        }
        return events;
    }

    private static Map<String, Object> task(
            String id,
            String wf,
            String activity,
            String status,
            double started,
            double ended,
            Map<String, Object> used,
            Map<String, Object> generated) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "task");
        m.put("task_id", id);
        m.put("workflow_id", wf);
        m.put("campaign_id", CAMPAIGN);
        m.put("activity_id", activity);
        m.put("status", status);
        m.put("started_at", started);
        m.put("ended_at", ended);
        m.put("used", used);
        m.put("generated", generated);
        m.put("hostname", "gpu-node-0" + (Math.abs(id.hashCode()) % 4));
        return m;
    }

    private static Map<String, Object> workflow(String id, String name, double started) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "workflow");
        m.put("workflow_id", id);
        m.put("campaign_id", CAMPAIGN);
        m.put("name", name);
        m.put("started_at", started);
        return m;
    }

    private static Map<String, Object> ref(String id, String type, Object... attrs) {
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        m.put("@type", type);
        for (int i = 0; i < attrs.length; i += 2) m.put((String) attrs[i], attrs[i + 1]);
        return m;
    }
}

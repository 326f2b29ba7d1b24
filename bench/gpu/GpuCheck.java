import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.executor.ObservedExecutorService;
import org.mida.observers.executor.TaskFuture;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.WorkflowContext;
import org.mida.observers.telemetry.Telemetry;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

/**
 * The Java GPU telemetry path on a machine with NVIDIA GPUs (see bench/gpu/README.md): the telemetry
 * snapshot's gpu list (nvidia-smi), the cost of one nvidia-smi query, and, given a Redis URI, 20 tasks
 * of the Java SDK and 6 through ObservedExecutorService whose stream entries are read back and decoded
 * with the server's EventCodec (so "=[k]" starts and "=telemetry_at_start" ends are resolved as the
 * ingest resolves them): every task must carry a gpu list in its resolved start and end telemetry.
 * Prints one key=value line per figure.
 */
public final class GpuCheck {
    public static void main(String[] args) throws Exception {
        String redisUri = args.length > 0 ? args[0] : "none";
        long t0 = System.nanoTime();
        Telemetry telemetry = Telemetry.shared();
        Object gpu = null;
        while (System.nanoTime() - t0 < 12_000_000_000L) {
            gpu = telemetry.latest().get("gpu");
            if (gpu != null) break;
            Thread.sleep(100);
        }
        System.out.println("java.snapshot.gpu=" + gpu + (gpu == null ? " (no GPU seen in 12 s: no nvidia-smi, or it answered nothing)" : ""));
        System.out.println("java.snapshot.seconds_to_gpu=" + (System.nanoTime() - t0) / 1e9);
        System.out.println("java.machine_info=" + telemetry.machineInfo());

        // the cost of the query Telemetry runs every 5 s on its own thread
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 10 && gpu != null; i++) {
            long s = System.nanoTime();
            Process p = new ProcessBuilder(
                            "nvidia-smi",
                            "--query-gpu=index,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw",
                            "--format=csv,noheader,nounits")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            ms.add((System.nanoTime() - s) / 1e6);
        }
        Collections.sort(ms);
        if (!ms.isEmpty()) System.out.println("java.nvidia_smi_ms.median=" + ms.get(5) + " max=" + ms.get(9));

        if (!redisUri.equals("none")) {
            // tasks in quick succession, so that stream entries carry several events and the wire's compact
            // telemetry forms occur ("=[k]" starts, "=telemetry_at_start" ends), read back and decoded with
            // the server's own EventCodec
            String before;
            try (JedisPooled jedis = new JedisPooled(java.net.URI.create(redisUri))) {
                var last = jedis.xrevrange(STREAM, (StreamEntryID) null, (StreamEntryID) null, 1);
                before = last.isEmpty() ? null : last.get(0).getID().toString();
            }
            Path spill = Files.createTempDirectory("gpu-check-spill");
            String workflowId;
            Set<String> expected = new HashSet<>();
            try (Emitter emitter = EmitterConfig.builder().redisUri(redisUri).spillDir(spill).start();
                    WorkflowContext wf = Mida.workflow(emitter).name("gpu-check-java").campaignId("gpu-check").start()) {
                workflowId = wf.workflowId();
                for (int t = 0; t < SDK_TASKS; t++) {
                    int n = t;
                    // one task outlives a sampling period (1 s): its end telemetry is written in full
                    wf.run("java-gpu-task", Map.of("n", n), () -> {
                        if (n == SDK_TASKS / 2) sleep(1500);
                        spin(200_000 + 100_000 * (n % 5));
                    });
                }
                ExecutorService pool = Executors.newFixedThreadPool(4);
                ObservedExecutorService observed = ObservedExecutorService.wrap(pool, wf);
                List<TaskFuture<Double>> futures = new ArrayList<>();
                for (int t = 0; t < EXECUTOR_TASKS; t++) {
                    int n = t;
                    futures.add(observed.supply("java-gpu-executor-task", Map.of("n", n), () -> spin(300_000 + 100_000 * n)));
                }
                for (var f : futures) {
                    f.get();
                    expected.add(f.taskId());
                }
                pool.shutdown();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
            try (JedisPooled jedis = new JedisPooled(java.net.URI.create(redisUri))) {
                var entries = jedis.xrange(STREAM, (StreamEntryID) null, (StreamEntryID) null, 100_000);
                List<String> texts = new ArrayList<>();
                for (var e : entries) {
                    if (before != null && e.getID().compareTo(new StreamEntryID(before)) <= 0) continue;
                    texts.add(e.getFields().get("event"));
                }
                System.out.println("java.stream.entries=" + texts.size());
                decodeAndCheck(texts, workflowId, SDK_TASKS + EXECUTOR_TASKS, expected);
            }
        }
        System.exit(0);
    }

    static final String STREAM = "mida:events";
    static final int SDK_TASKS = 20;
    static final int EXECUTOR_TASKS = 6;

    /** The gpu entry's keys a task's snapshot must carry (NvidiaSmi's, mida.telemetry's). */
    static final List<String> GPU_KEYS = List.of(
            "index",
            "name",
            "utilization_percent",
            "memory_utilization_percent",
            "memory_used_mib",
            "memory_total_mib",
            "temperature_c",
            "power_w");

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double spin(int n) {
        double x = 0;
        for (int i = 0; i < n; i++) x += Math.sqrt(i);
        return x;
    }

    /** Why a resolved telemetry map's gpu list is not a non-empty list of GPU_KEYS maps, or null. */
    static String gpuProblem(Map<String, Object> telemetry) {
        if (telemetry == null || telemetry.isEmpty()) return "no telemetry";
        Object gpu = telemetry.get("gpu");
        if (!(gpu instanceof List<?> list)) return gpu == null ? "no gpu" : "gpu not a list: " + gpu;
        if (list.isEmpty()) return "gpu empty";
        for (Object g : list) {
            if (!(g instanceof Map<?, ?> m)) return "gpu element not an object: " + g;
            List<String> missing = new ArrayList<>();
            for (String k : GPU_KEYS) if (m.get(k) == null) missing.add(k);
            if (!missing.isEmpty()) return "gpu missing " + missing;
        }
        return null;
    }

    /**
     * Decodes every entry with the server's EventCodec, counts the raw compact forms, and checks that
     * every task of the workflow resolves to start and end telemetry with a gpu list.
     */
    static void decodeAndCheck(List<String> texts, String workflowId, int expectedTasks, Set<String> executorTasks)
            throws Exception {
        EventCodec codec = EventCodec.shared();
        int decoded = 0, refused = 0, elements = 0, maxPerEntry = 0;
        int startMarker = 0, startFull = 0, endSame = 0, endFull = 0;
        int taskEvents = 0, startsChecked = 0, startsOk = 0, endsChecked = 0, endsOk = 0;
        Map<String, boolean[]> tasks = new LinkedHashMap<>(); // task id -> {start gpu ok, end gpu ok}
        Map<String, Integer> problems = new TreeMap<>();
        Object sample = null;
        for (String text : texts) {
            Object raw = codec.parse(text);
            List<?> list = raw instanceof List<?> l ? l : List.of(raw);
            elements += list.size();
            maxPerEntry = Math.max(maxPerEntry, list.size());
            for (Object v : list) {
                if (!(v instanceof Map<?, ?> m) || !"task".equals(m.get("type"))) continue;
                Object s = m.get("telemetry_at_start"), e = m.get("telemetry_at_end");
                if (s instanceof String str && str.startsWith(EventCodec.TELEMETRY_OF_ELEMENT_PREFIX)) startMarker++;
                else if (s instanceof Map<?, ?>) startFull++;
                if (EventCodec.TELEMETRY_SAME_AS_START.equals(e)) endSame++;
                else if (e instanceof Map<?, ?>) endFull++;
            }
            EventCodec.Decoded d = codec.decode(text);
            decoded += d.events().size();
            refused += d.rejections().size();
            for (var r : d.rejections()) System.out.println("java.stream.refused: " + r.reason());
            for (Event ev : d.events()) {
                if (!(ev instanceof TaskEvent te) || !workflowId.equals(te.workflowId())) continue;
                taskEvents++;
                boolean[] ok = tasks.computeIfAbsent(te.taskId(), k -> new boolean[2]);
                if (!te.telemetryAtStart().isEmpty()) { // absent decodes to an empty map
                    startsChecked++;
                    String p = gpuProblem(te.telemetryAtStart());
                    if (p == null) {
                        startsOk++;
                        ok[0] = true;
                        if (sample == null) sample = te.telemetryAtStart().get("gpu");
                    } else problems.merge("start: " + p, 1, Integer::sum);
                }
                if (!te.telemetryAtEnd().isEmpty()) {
                    endsChecked++;
                    String p = gpuProblem(te.telemetryAtEnd());
                    if (p == null) {
                        endsOk++;
                        ok[1] = true;
                    } else problems.merge("end: " + p, 1, Integer::sum);
                }
            }
        }
        int both = 0;
        for (boolean[] ok : tasks.values()) if (ok[0] && ok[1]) both++;
        System.out.println("java.stream.elements=" + elements + " max_per_entry=" + maxPerEntry);
        System.out.println("java.stream.events_decoded=" + decoded);
        System.out.println("java.stream.refused=" + refused);
        System.out.println("java.stream.raw.telemetry_at_start.marker_k=" + startMarker + " full=" + startFull);
        System.out.println("java.stream.raw.telemetry_at_end.same_as_start=" + endSame + " full=" + endFull);
        System.out.println("java.stream.task_events=" + taskEvents + " tasks=" + tasks.size() + " expected="
                + expectedTasks + " (executor " + executorTasks.size() + ", all seen="
                + tasks.keySet().containsAll(executorTasks) + ")");
        System.out.println("java.stream.resolved.start_gpu_ok=" + startsOk + "/" + startsChecked);
        System.out.println("java.stream.resolved.end_gpu_ok=" + endsOk + "/" + endsChecked);
        System.out.println("java.stream.tasks_with_start_and_end_gpu=" + both + "/" + tasks.size());
        for (var p : problems.entrySet()) System.out.println("java.stream.problem: " + p.getKey() + " x" + p.getValue());
        if (sample != null) System.out.println("java.stream.resolved.gpu=" + codec.toJson(sample));
        boolean all = refused == 0
                && tasks.size() == expectedTasks
                && tasks.keySet().containsAll(executorTasks)
                && both == expectedTasks
                && startsOk == startsChecked
                && endsOk == endsChecked;
        System.out.println("java.stream.all_tasks_have_gpu=" + all);
    }
}

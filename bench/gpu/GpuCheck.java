import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.observers.sdk.Mida;
import org.mida.observers.sdk.WorkflowContext;
import org.mida.observers.telemetry.Telemetry;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

/**
 * The Java GPU telemetry path on a machine with NVIDIA GPUs (see bench/gpu/README.md): the telemetry
 * snapshot's gpu list (nvidia-smi), the cost of one nvidia-smi query, and, given a Redis URI, a task
 * of the Java SDK whose event in the stream carries the gpu list. Prints one JSON-ish line per check.
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
        System.out.println("java.snapshot.gpu=" + gpu);
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
            Path spill = Files.createTempDirectory("gpu-check-spill");
            try (Emitter emitter = EmitterConfig.builder().redisUri(redisUri).spillDir(spill).start();
                    WorkflowContext wf = Mida.workflow(emitter).name("gpu-check-java").campaignId("gpu-check").start()) {
                wf.run("java-gpu-task", Map.of("n", 1), () -> {
                    double x = 0;
                    for (int i = 0; i < 5_000_000; i++) x += Math.sqrt(i);
                    if (x < 0) throw new IllegalStateException();
                });
            }
            try (JedisPooled jedis = new JedisPooled(java.net.URI.create(redisUri))) {
                var entries = jedis.xrange("mida:events", (StreamEntryID) null, (StreamEntryID) null, 1000);
                String found = null;
                for (var e : entries) {
                    String ev = e.getFields().get("event");
                    if (ev != null && ev.contains("java-gpu-task") && ev.contains("telemetry_at_end")) found = ev;
                }
                System.out.println("java.stream.entries=" + entries.size());
                System.out.println("java.stream.task_event_with_gpu=" + (found != null && found.contains("\"gpu\"")));
                if (found != null && found.lastIndexOf("\"gpu\"") >= 0)
                    System.out.println("java.stream.task_event.gpu=" + found.substring(found.lastIndexOf("\"gpu\""), Math.min(found.length(), found.lastIndexOf("\"gpu\"") + 260)));
            }
        }
        System.exit(0);
    }
}

package org.mida.observers.telemetry;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mida.observers.emit.CachedJsonMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * Host and process telemetry (OSHI), sampled by a background daemon thread at most every {@code
 * refreshMillis}; {@link #latest()} hands out the newest immutable snapshot and costs a volatile
 * read. The snapshot is the wire object for {@code telemetry_at_start}/{@code telemetry_at_end}:
 *
 * <pre>{@code
 * {"cpu":{"percent":12.5,"per_core":[10.0,15.0]},
 *  "memory":{"total":..,"available":..,"used":..,"percent":..,"swap_total":..,"swap_used":..,"swap_percent":..},
 *  "disk":{"read_bytes":..,"write_bytes":..,"read_count":..,"write_count":..},
 *  "network":{"bytes_sent":..,"bytes_recv":..,"packets_sent":..,"packets_recv":..},
 *  "process":{"pid":..,"rss":..,"cpu_percent":..,"cpu_time_s":..,"threads":..,"open_files":..},
 *  "gpu":[{"index":0,"name":..,"utilization_percent":..,"memory_used_mib":..,...}],
 *  "sampled_at":1.7e9}
 * }</pre>
 *
 * ({@code gpu} only where {@code nvidia-smi} answers.) The sections are {@link CachedJsonMap}s, so the
 * emitter serialises a snapshot shared by many events once. Thread-safe. Usage:
 *
 * <pre>{@code
 * Telemetry t = Telemetry.shared();         // started on first use, refreshes every second
 * Map<String, Object> now = t.latest();     // cheap: no sampling on the caller's thread
 * Map<String, Object> host = t.machineInfo();
 * }</pre>
 */
public final class Telemetry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    public static final long DEFAULT_REFRESH_MILLIS = 1_000;
    /** The GPU query spawns a process: it runs at most this often, whatever the refresh. */
    static final long GPU_REFRESH_MILLIS = 5_000;

    private static volatile Telemetry shared;

    private final long refreshMillis;
    private final Thread sampler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Map<String, Object> latest = Map.of();
    private volatile Map<String, Object> machineInfo;
    private volatile long lastReadNanos = System.nanoTime();

    // sampler-thread state
    private SystemInfo si;
    private long[] cpuTicks;
    private long[][] coreTicks;
    private OSProcess lastProcess;
    private List<Map<String, Object>> gpus = List.of();
    private long gpuSampledNanos;
    private final NvidiaSmi nvidia = new NvidiaSmi();

    private Telemetry(long refreshMillis) {
        if (refreshMillis < 10) throw new IllegalArgumentException("refreshMillis must be >= 10");
        this.refreshMillis = refreshMillis;
        this.sampler = new Thread(this::run, "mida-telemetry");
        this.sampler.setDaemon(true);
    }

    /** Starts a sampler; the first snapshot is taken before this returns. */
    public static Telemetry start(long refreshMillis) {
        var t = new Telemetry(refreshMillis);
        t.sampleSafely();
        t.sampler.start();
        return t;
    }

    /** The process-wide sampler (refresh {@value #DEFAULT_REFRESH_MILLIS} ms), started on first use. */
    public static Telemetry shared() {
        Telemetry t = shared;
        if (t == null) {
            synchronized (Telemetry.class) {
                t = shared;
                if (t == null) shared = t = start(DEFAULT_REFRESH_MILLIS);
            }
        }
        return t;
    }

    /** The newest snapshot (immutable; may be up to {@code refreshMillis} old). Never null. */
    public Map<String, Object> latest() {
        lastReadNanos = System.nanoTime();
        return latest;
    }

    /** Hostname, OS, CPUs, memory, Java and GPUs of this machine; computed once. */
    public Map<String, Object> machineInfo() {
        Map<String, Object> m = machineInfo;
        if (m == null) {
            synchronized (this) {
                if (machineInfo == null) machineInfo = computeMachineInfo();
                m = machineInfo;
            }
        }
        return m;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) sampler.interrupt();
    }

    private void run() {
        while (!closed.get()) {
            try {
                Thread.sleep(refreshMillis);
            } catch (InterruptedException e) {
                return;
            }
            // nobody read for a while: keep the machine quiet until someone does
            if (System.nanoTime() - lastReadNanos > 10 * refreshMillis * 1_000_000L && !latest.isEmpty()) continue;
            sampleSafely();
        }
    }

    private void sampleSafely() {
        try {
            latest = sample();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Telemetry sample failed: {}", e.toString());
        }
    }

    private synchronized SystemInfo si() {
        if (si == null) si = new SystemInfo();
        return si;
    }

    private Map<String, Object> sample() {
        HardwareAbstractionLayer hw = si().getHardware();
        OperatingSystem os = si().getOperatingSystem();
        var m = new LinkedHashMap<String, Object>();

        CentralProcessor cpu = hw.getProcessor();
        long[] ticks = cpu.getSystemCpuLoadTicks();
        long[][] cores = cpu.getProcessorCpuLoadTicks();
        if (cpuTicks != null) {
            var c = new LinkedHashMap<String, Object>();
            c.put("percent", pct(cpu.getSystemCpuLoadBetweenTicks(cpuTicks)));
            double[] per = cpu.getProcessorCpuLoadBetweenTicks(coreTicks);
            var perCore = new ArrayList<Object>(per.length);
            for (double d : per) perCore.add(pct(d));
            c.put("per_core", List.copyOf(perCore));
            m.put("cpu", CachedJsonMap.of(c));
        }
        cpuTicks = ticks;
        coreTicks = cores;

        GlobalMemory mem = hw.getMemory();
        long total = mem.getTotal(), avail = mem.getAvailable();
        long swapTotal = mem.getVirtualMemory().getSwapTotal(),
                swapUsed = mem.getVirtualMemory().getSwapUsed();
        var memory = new LinkedHashMap<String, Object>();
        memory.put("total", total);
        memory.put("available", avail);
        memory.put("used", total - avail);
        memory.put("percent", total > 0 ? round1(100.0 * (total - avail) / total) : 0.0);
        memory.put("swap_total", swapTotal);
        memory.put("swap_used", swapUsed);
        memory.put("swap_percent", swapTotal > 0 ? round1(100.0 * swapUsed / swapTotal) : 0.0);
        m.put("memory", CachedJsonMap.of(memory));

        long rb = 0, wb = 0, rc = 0, wc = 0;
        for (HWDiskStore d : hw.getDiskStores()) {
            rb += d.getReadBytes();
            wb += d.getWriteBytes();
            rc += d.getReads();
            wc += d.getWrites();
        }
        m.put(
                "disk",
                CachedJsonMap.of(Map.of("read_bytes", rb, "write_bytes", wb, "read_count", rc, "write_count", wc)));

        long bs = 0, br = 0, ps = 0, pr = 0;
        for (NetworkIF n : hw.getNetworkIFs(true)) {
            bs += n.getBytesSent();
            br += n.getBytesRecv();
            ps += n.getPacketsSent();
            pr += n.getPacketsRecv();
        }
        m.put(
                "network",
                CachedJsonMap.of(Map.of("bytes_sent", bs, "bytes_recv", br, "packets_sent", ps, "packets_recv", pr)));

        OSProcess p = os.getProcess(os.getProcessId());
        if (p != null) {
            var proc = new LinkedHashMap<String, Object>();
            proc.put("pid", p.getProcessID());
            proc.put("rss", p.getResidentSetSize());
            // a load needs two samples: the first snapshot leaves it out rather than claim 0 %
            if (lastProcess != null) proc.put("cpu_percent", pct(p.getProcessCpuLoadBetweenTicks(lastProcess)));
            proc.put("cpu_time_s", round3((p.getKernelTime() + p.getUserTime()) / 1000.0));
            proc.put("threads", p.getThreadCount());
            proc.put("open_files", p.getOpenFiles());
            m.put("process", CachedJsonMap.of(proc));
            lastProcess = p;
        }

        long now = System.nanoTime();
        if (nvidia.available() && (gpuSampledNanos == 0 || now - gpuSampledNanos >= GPU_REFRESH_MILLIS * 1_000_000L)) {
            gpus = nvidia.query();
            gpuSampledNanos = now;
        }
        if (!gpus.isEmpty()) m.put("gpu", gpus);
        m.put("sampled_at", round3(System.currentTimeMillis() / 1000.0));
        // one immutable map with its JSON text: every event of this period keeps it (no copy) and the
        // emitter writes its text as it is (issue 15)
        return CachedJsonMap.of(m);
    }

    private Map<String, Object> computeMachineInfo() {
        var m = new LinkedHashMap<String, Object>();
        m.put("hostname", hostname());
        try {
            HardwareAbstractionLayer hw = si().getHardware();
            OperatingSystem os = si().getOperatingSystem();
            m.put("os", os.getFamily() + " " + os.getVersionInfo());
            CentralProcessor cpu = hw.getProcessor();
            m.put(
                    "cpus",
                    Map.of(
                            "logical", cpu.getLogicalProcessorCount(),
                            "physical", cpu.getPhysicalProcessorCount(),
                            "model", cpu.getProcessorIdentifier().getName().trim()));
            m.put("memory", Map.of("total", hw.getMemory().getTotal()));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Cannot read machine info: {}", e.toString());
            m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
            m.put("cpus", Map.of("logical", Runtime.getRuntime().availableProcessors()));
        }
        m.put("java", System.getProperty("java.version"));
        if (nvidia.available()) {
            List<Map<String, Object>> g = nvidia.query();
            if (!g.isEmpty()) m.put("gpu", g.stream().map(x -> x.get("name")).toList());
        }
        return Collections.unmodifiableMap(m);
    }

    private static volatile String hostname;

    /** This machine's host name (cached; falls back to {@code HOSTNAME} / {@code localhost}). */
    public static String hostname() {
        String h = hostname;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                h = System.getenv().getOrDefault("HOSTNAME", "localhost");
            }
            hostname = h;
        }
        return h;
    }

    static double pct(double fraction) {
        return round1(Double.isNaN(fraction) ? 0 : fraction * 100);
    }

    static double round1(double d) {
        return Math.round(d * 10) / 10.0;
    }

    static double round3(double d) {
        return Math.round(d * 1000) / 1000.0;
    }
}

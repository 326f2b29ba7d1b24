package org.mida.observers.telemetry;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVIDIA GPUs through {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits}. Absent binary,
 * no GPU, a timeout or odd output all give an empty list; this never throws.
 */
final class NvidiaSmi {

    private static final Logger LOG = LoggerFactory.getLogger(NvidiaSmi.class);

    /** Queried fields, in order, and their wire names. */
    static final List<String> QUERY = List.of(
            "index",
            "name",
            "utilization.gpu",
            "utilization.memory",
            "memory.used",
            "memory.total",
            "temperature.gpu",
            "power.draw");

    static final List<String> WIRE = List.of(
            "index",
            "name",
            "utilization_percent",
            "memory_utilization_percent",
            "memory_used_mib",
            "memory_total_mib",
            "temperature_c",
            "power_w");

    private final String binary = find();
    private boolean failedOnce;

    boolean available() {
        return binary != null && !failedOnce;
    }

    List<Map<String, Object>> query() {
        if (!available()) return List.of();
        try {
            Process p = new ProcessBuilder(
                            binary, "--query-gpu=" + String.join(",", QUERY), "--format=csv,noheader,nounits")
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                failedOnce = true; // e.g. no driver: do not spawn it again every few seconds
                LOG.debug("nvidia-smi exited {}: {}", p.exitValue(), out.strip());
                return List.of();
            }
            return parse(out);
        } catch (IOException e) {
            failedOnce = true;
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses the CSV output: one GPU a line; numbers as numbers, "[N/A]" and the like left out. */
    static List<Map<String, Object>> parse(String csv) {
        var gpus = new ArrayList<Map<String, Object>>();
        for (String line : csv.split("\\R")) {
            if (line.isBlank()) continue;
            String[] cells = line.split(",", -1);
            if (cells.length != WIRE.size()) continue;
            var g = new LinkedHashMap<String, Object>();
            for (int i = 0; i < cells.length; i++) {
                String c = cells[i].trim();
                if (c.isEmpty() || c.startsWith("[") || c.equalsIgnoreCase("N/A")) continue;
                g.put(WIRE.get(i), i == 1 ? c : number(c));
            }
            if (!g.isEmpty()) gpus.add(Collections.unmodifiableMap(g));
        }
        return List.copyOf(gpus);
    }

    private static Object number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                return s;
            }
        }
    }

    private static String find() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, "nvidia-smi");
            if (f.isFile() && f.canExecute()) return f.getPath();
        }
        return null;
    }
}

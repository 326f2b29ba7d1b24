package org.mida.server.prov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/**
 * Opt-in measurement ({@code -Dmida.prov.scale=N}): exports a workflow of N tasks (2 parameters, 1 used
 * and 1 generated artifact each) and reports time, bytes and heap growth. Skipped by default.
 */
@ExtendWith(Backends.class)
class ProvExportScaleIT {
    @Test
    void export_of_a_large_workflow_streams() throws Exception {
        int n = Integer.getInteger("mida.prov.scale", 0);
        Assumptions.assumeTrue(n > 0, "set -Dmida.prov.scale=N to run");
        try (TestServer server = TestServer.start()) {
            var batch = new ArrayList<String>();
            for (int i = 0; i < n; i++) {
                batch.add("{\"type\":\"task\",\"task_id\":\"t" + i
                        + "\",\"workflow_id\":\"big\",\"status\":\"FINISHED\","
                        + "\"started_at\":" + (1.7e9 + i) + ",\"ended_at\":" + (1.7e9 + i + 0.5) + ",\"hostname\":\"h"
                        + (i % 8) + "\",\"used\":{\"lr\":0.01,\"i\":" + i + ",\"in\":{\"@id\":\"file:///d/in" + i
                        + ".h5\"}},\"generated\":{\"out\":{\"@id\":\"file:///d/out" + i + ".h5\"}}}");
                if (batch.size() == 1000 || i == n - 1) {
                    server.xadd("[" + String.join(",", batch) + "]");
                    batch.clear();
                }
            }
            server.awaitIngested(seconds(1800));
            // twice: the first export also plans its queries (cold), the second shows the steady cost
            for (String run : List.of("cold", "warm")) {
                Runtime rt = Runtime.getRuntime();
                System.gc();
                long heapBefore = rt.totalMemory() - rt.freeMemory();
                long t0 = System.nanoTime();
                var req = HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.server().port() + "/api/prov/workflows?id=big"))
                        .build();
                HttpResponse<InputStream> r =
                        HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
                long bytes = 0;
                long peak = 0;
                byte[] buf = new byte[1 << 16];
                try (InputStream in = r.body()) {
                    for (int k; (k = in.read(buf)) > 0; ) {
                        bytes += k;
                        peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                assertThat(r.statusCode()).isEqualTo(200);
                System.out.printf(
                        "PROV export (%s) of %d tasks: %.1f s, %.1f MiB, heap before %d MiB, peak while reading %d MiB, max heap %d MiB%n",
                        run, n, secs, bytes / 1048576.0, heapBefore >> 20, peak >> 20, rt.maxMemory() >> 20);
                assertThat(List.of(bytes)).allMatch(b -> b > n * 100L);
            }
        }
    }
}

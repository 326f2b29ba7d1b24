package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.testing.ServerProcess;

/**
 * SIGTERM (a service manager's stop, Ctrl-C) in the middle of an ingest: the server stops in order — the
 * ingest loop ends before the embedded Redis and Neo4j stop under it — says nothing alarming, and a
 * restart ingests the rest exactly once. Before, each embedded backend's own shutdown hook ran at the same
 * time as the server's: Redis stopped in ~30 ms under the ingest, which logged "ingest paused … the store
 * cannot take writes (JedisConnectionException …)" on every stop.
 */
class GracefulStopIT {

    @Test
    void sigterm_during_an_ingest_stops_the_ingest_before_the_backends_and_loses_nothing(@TempDir Path dir)
            throws Exception {
        int total = 40_000;
        var server = ServerProcess.on(dir);
        ServerProcess first = server.launch("--batch-size", "500");
        ServerProcess second = null;
        try {
            first.awaitHealthy(Duration.ofSeconds(120));
            var events = new ArrayList<String>();
            for (int i = 0; i < total; i++)
                events.add("{\"type\":\"task\",\"task_id\":\"g-" + i + "\",\"workflow_id\":\"wf\","
                        + "\"status\":\"FINISHED\",\"started_at\":" + i + ",\"ended_at\":" + (i + 1) + "}");
            try (var redis = first.redis()) {
                ServerProcess.xaddInEntries(redis, events);
            }
            long seen = first.awaitTasksAtLeast(1000, Duration.ofSeconds(120));
            assertThat(first.stop(Duration.ofSeconds(60)))
                    .as("stopped within 60 s")
                    .isTrue();
            assertThat(seen).as("stopped in the middle of the ingest").isBetween(1000L, (long) total - 1);

            List<String> log = first.logText().lines().toList();
            assertThat(log)
                    .as("log of the stopped server")
                    .noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR "));
            int ingestStopped = indexOf(log, "ingest loop stopped");
            int redisStopped = indexOf(log, "Embedded Redis stopped");
            int neo4jStopped = indexOf(log, "Embedded Neo4j stopped");
            int midaStopped = indexOf(log, "MIDA stopped");
            assertThat(ingestStopped).as("the ingest's stop is logged").isNotNegative();
            assertThat(redisStopped).as("Redis stops after the ingest").isGreaterThan(ingestStopped);
            assertThat(neo4jStopped).as("Neo4j stops after the ingest").isGreaterThan(ingestStopped);
            assertThat(midaStopped)
                    .as("the server says it stopped, last")
                    .isGreaterThan(Math.max(redisStopped, neo4jStopped));

            second = server.launch("--batch-size", "500").awaitHealthy(Duration.ofSeconds(120));
            String health = second.awaitIngested(total, Duration.ofSeconds(180));
            assertThat(second.healthTasks()).isEqualTo(total);
            assertThat(health).contains("\"pending\":0,").contains("\"dead_letters\":0");
        } finally {
            first.close();
            if (second != null && !second.stop(Duration.ofSeconds(30))) second.close();
        }
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i;
        return -1;
    }
}

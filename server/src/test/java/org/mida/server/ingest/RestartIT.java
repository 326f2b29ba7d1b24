package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.app.Config;
import org.mida.server.app.MidaServer;
import org.mida.server.testing.ServerProcess;
import redis.clients.jedis.JedisPooled;

/** Restarts on the same data dir with the embedded Neo4j and Redis: in-process, and after kill -9. */
class RestartIT {

    static String task(int i, String status) {
        return "{\"type\":\"task\",\"task_id\":\"r-" + i + "\",\"workflow_id\":\"wf\",\"status\":\"" + status
                + "\",\"started_at\":" + i + (status.equals("FINISHED") ? ",\"ended_at\":" + (i + 1) : "")
                + ",\"used\":{\"in\":{\"@id\":\"file:///in/" + (i % 50) + "\"}}}";
    }

    static void xaddTasks(JedisPooled redis, int from, int to, String status) {
        var events = new ArrayList<String>();
        for (int i = from; i < to; i++) events.add(task(i, status));
        ServerProcess.xaddInEntries(redis, events);
    }

    static long tasks(MidaServer s, String where) {
        try (var session = s.driver().session()) {
            return session.run("MATCH (t:Task) " + where + " RETURN count(t)")
                    .single()
                    .get(0)
                    .asLong();
        }
    }

    @Test
    void a_restart_on_the_same_data_dir_keeps_the_graph_and_the_stream(@TempDir Path dir) {
        Config config = Config.defaults().withDataDir(dir).withPort(0).withEmbeddedPorts(0, 0);
        try (MidaServer s = MidaServer.start(config)) {
            xaddTasks((JedisPooled) s.redis(), 0, 1000, "RUNNING");
            await(Duration.ofSeconds(60), "1000 running tasks", () -> tasks(s, "WHERE t.status = 'RUNNING'") == 1000);
        }
        try (MidaServer s = MidaServer.start(config)) {
            assertThat(tasks(s, "")).isEqualTo(1000);
            xaddTasks((JedisPooled) s.redis(), 0, 1000, "FINISHED");
            await(Duration.ofSeconds(60), "1000 finished tasks", () -> tasks(s, "WHERE t.status = 'FINISHED'") == 1000);
            assertThat(tasks(s, "WHERE t.started_at = toFloat(toInteger(substring(t.task_id, 2)))"))
                    .isEqualTo(1000);
            assertThat(tasks(s, "")).isEqualTo(1000);
        }
    }

    @Test
    void after_kill_minus_9_in_the_middle_of_an_ingest_a_restart_finishes_it_exactly_once(@TempDir Path dir)
            throws Exception {
        int total = 30_000;
        var server = ServerProcess.on(dir);
        ServerProcess first = server.launch("--batch-size", "500");
        ServerProcess second = null;
        try {
            first.awaitHealthy(Duration.ofSeconds(120));
            try (var redis = first.redis()) {
                xaddTasks(redis, 0, total, "FINISHED");
            }
            Thread.sleep(1500); // the append-only file is fsynced every second
            long before = first.awaitTasksAtLeast(2000, Duration.ofSeconds(120));
            first.process().destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no drain
            assertThat(before).as("killed in the middle of the ingest").isBetween(2000L, (long) total - 1);

            second = server.launch("--batch-size", "500").awaitHealthy(Duration.ofSeconds(120));
            String health = second.awaitIngested(total, Duration.ofSeconds(180));
            assertThat(second.healthTasks()).isEqualTo(total);
            assertThat(health).contains("\"pending\":0,").contains("\"dead_letters\":0");
        } finally {
            first.close();
            if (second != null && !second.stop(Duration.ofSeconds(30))) second.close(); // SIGTERM: graceful
        }
    }
}

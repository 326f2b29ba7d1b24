package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.Threads.sleep;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.mida.server.testing.Tmpfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * The embedded redis-server's supervisor under faults (issue 14): on a full disk it waits for free space
 * instead of restarting redis-server every 0.5 s, and a redis-server loading its append-only file is
 * "starting", not dead. Observable behaviour only: {@link EmbeddedRedis#state()} and its restart count.
 */
@EnabledOnOs(OS.LINUX)
class EmbeddedRedisFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedisFaultIT.class);

    @Test
    void on_a_full_disk_it_waits_for_free_space_instead_of_restarting_in_a_loop(@TempDir Path dir) throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tmpfs.mount(mnt, "48m");
        try {
            try (EmbeddedRedis redis = EmbeddedRedis.start(mnt.resolve("redis"), 0)) {
                try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                    jedis.set("before", "kept");
                }
                Path filler = mnt.resolve("filler");
                Tmpfs.fill(filler);
                assertThat(EmbeddedRedis.usableSpace(mnt)).isLessThan(EmbeddedRedis.FREE_SPACE_WANTED);
                // a client writing all along: a redis-server on a full disk (appendfsync always) exits at
                // its first write, so without the wait it came back every 0.5 s and died again
                var stop = new AtomicBoolean();
                var writer = new Thread(() -> {
                    while (!stop.get()) {
                        try (Jedis j = new Jedis(URI.create(redis.uri()))) {
                            j.set("during", "x".repeat(1000));
                        } catch (RuntimeException ignored) {
                            // down or refusing: that is the fault
                        }
                        sleep(100);
                    }
                });
                writer.start();
                try {
                    ProcessHandle.of(redis.pid()).ifPresent(ProcessHandle::destroyForcibly);
                    sleep(5_000);
                    EmbeddedRedis.State full = redis.state();
                    LOG.info("after 5 s on a full disk: {}", full);
                    assertThat(full.state()).isEqualTo("waiting for free disk space");
                    assertThat(full.restarts()).isZero();

                    Files.delete(filler);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!redis.state().state().equals("up") && System.nanoTime() < deadline) sleep(50);
                    EmbeddedRedis.State freed = redis.state();
                    LOG.info("after the space was freed: {}", freed);
                    assertThat(freed.state()).isEqualTo("up");
                    assertThat(freed.restarts()).isOne();
                } finally {
                    stop.set(true);
                    writer.join();
                }
                try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                    assertThat(jedis.get("before")).isEqualTo("kept");
                    assertThat(jedis.set("after", "ok")).isEqualTo("OK");
                }
                assertThat(redis.state().restarts()).isOne();
            }
        } finally {
            Tmpfs.unmount(mnt);
        }
    }

    @Test
    void a_redis_server_loading_its_append_only_file_is_starting_not_dead(@TempDir Path dir) throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir, 0)) {
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                // an append-only file that takes a while to load: 2.5 million commands, replayed one by
                // one at start (≈ 52 MB: under the 64 MB at which Redis rewrites the AOF into a compact
                // one; 1.5 million keys written with MSET were rewritten and loaded too fast to be seen)
                for (int b = 0; b < 250; b++) {
                    try (var pipe = jedis.pipelined()) {
                        for (int i = 0; i < 10_000; i++) pipe.incr("n");
                        pipe.sync();
                    }
                }
            }
            ProcessHandle.of(redis.pid()).ifPresent(ProcessHandle::destroyForcibly);
            var seen = new ArrayList<String>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                EmbeddedRedis.State s = redis.state();
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(s.state())) seen.add(s.state());
                if (s.state().equals("up") && s.restarts() > 0) break;
                sleep(2);
            }
            LOG.info("states while redis-server restarted and loaded its AOF: {}", seen);
            assertThat(seen).contains("starting (loading its append-only file)");
            assertThat(redis.state().state()).isEqualTo("up");
            assertThat(redis.state().restarts())
                    .as("one restart, no kill during the load")
                    .isOne();
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                assertThat(jedis.get("n")).isEqualTo("2500000");
            }
        }
    }
}

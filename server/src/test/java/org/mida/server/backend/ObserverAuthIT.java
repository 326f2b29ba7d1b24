package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import redis.clients.jedis.Jedis;

/**
 * The Java observer SDK against the password-protected embedded Redis: without the password (or
 * with a wrong one) its events are spilled, never lost, and an emitter with the password replays
 * them; by default it finds the password in the server's data dir.
 */
class ObserverAuthIT {
    @TempDir
    Path tmp;

    private EmitterConfig.Builder config(String uri) {
        return EmitterConfig.builder().redisUri(uri).stream("mida:it:auth")
                .spillDir(tmp.resolve("spill"))
                .maxAgeMillis(20)
                .retryMillis(100)
                .timeoutMillis(1_000);
    }

    @Test
    void an_emitter_refused_by_redis_spills_and_one_with_the_password_replays() {
        try (EmbeddedRedis redis = EmbeddedRedis.start(tmp.resolve("data/redis"), 0)) {
            for (String wrong : new String[] {redis.uriWithoutPassword(), "redis://:guess@127.0.0.1:" + redis.port()}) {
                Emitter e = config(wrong).start();
                for (int i = 0; i < 10; i++)
                    e.emit(TaskEvent.builder("t" + i + wrong.length())
                            .workflowId("wf")
                            .status(Status.FINISHED)
                            .build());
                e.close();
                assertThat(e.stats().spilled()).isEqualTo(10);
                assertThat(e.stats().flushed()).isZero();
                assertThat(e.stats().dropped()).isZero();
            }
            // the default URI: $MIDA_REDIS_URI unset, the password file in the data dir
            String found = EmitterConfig.defaultRedisUri(Map.of(
                    "MIDA_DATA_DIR", tmp.resolve("data").toString(),
                    "MIDA_REDIS_PORT", Integer.toString(redis.port())));
            assertThat(found).isEqualTo(redis.uri());
            Emitter ok = config(found).start();
            ok.close();
            assertThat(ok.stats().replayed()).isEqualTo(20);
            try (Jedis j = new Jedis(URI.create(redis.uri()))) {
                assertThat(j.xlen("mida:it:auth")).isPositive();
            }
        }
    }

    @Test
    void the_default_uri_is_the_environments_then_the_password_files_then_the_plain_default() throws Exception {
        assertThat(EmitterConfig.defaultRedisUri(
                        Map.of("MIDA_REDIS_URI", "redis://:x@h:1", "MIDA_DATA_DIR", "/nowhere")))
                .isEqualTo("redis://:x@h:1");
        assertThat(EmitterConfig.defaultRedisUri(Map.of("MIDA_DATA_DIR", tmp.toString())))
                .isEqualTo(EmitterConfig.DEFAULT_REDIS_URI);
        Files.createDirectories(tmp.resolve("redis"));
        Files.writeString(tmp.resolve("redis/password"), "abc-_1\n");
        assertThat(EmitterConfig.defaultRedisUri(Map.of("MIDA_DATA_DIR", tmp.toString())))
                .isEqualTo("redis://:abc-_1@127.0.0.1:6379");
    }
}

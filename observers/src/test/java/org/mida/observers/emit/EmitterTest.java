package org.mida.observers.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

/** The emitter with no Redis to talk to (a closed port): everything must land in the spill file. */
class EmitterTest {

    @TempDir
    Path dir;

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Emitter start(int port) {
        return EmitterConfig.builder().redisUri("redis://127.0.0.1:" + port).stream("mida:test")
                .maxBatch(100)
                .maxAgeMillis(20)
                .maxBuffered(1000)
                .eventsPerEntry(50)
                .spillDir(dir)
                .retryMillis(60_000)
                .start();
    }

    @Test
    void with_redis_unreachable_every_event_is_spilled_in_order() throws Exception {
        Emitter e = start(closedPort());
        for (int i = 0; i < 2500; i++)
            e.emit(TaskEvent.builder("t" + i).status(Status.FINISHED).build());
        assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
        e.close();

        Emitter.Stats s = e.stats();
        assertThat(s.emitted()).isEqualTo(2500);
        assertThat(s.spilled()).isEqualTo(2500);
        assertThat(s.flushed()).isZero();
        assertThat(s.dropped()).isZero();
        assertThat(s.buffered()).isZero();
        assertThat(s.redisUp()).isFalse();

        List<Path> files = SpillFile.list(dir);
        assertThat(files).hasSize(1);
        var ids = new ArrayList<String>();
        for (String line : Files.readAllLines(files.get(0))) {
            assertThat(line).startsWith("[").endsWith("]");
            var d = EventCodec.shared().decode(line);
            assertThat(d.rejections()).isEmpty();
            assertThat(d.events().size()).isLessThanOrEqualTo(50);
            d.events().forEach(ev -> ids.add(ev.key()));
        }
        assertThat(ids).hasSize(2500);
        for (int i = 0; i < 2500; i++) assertThat(ids.get(i)).isEqualTo("t" + i);
    }

    @Test
    void memory_stays_bounded_when_callers_outrun_the_flusher() throws Exception {
        Emitter e = start(closedPort());
        for (int i = 0; i < 20_000; i++) e.emit(TaskEvent.builder("t" + i).build());
        assertThat(e.stats().buffered()).isLessThanOrEqualTo(1001);
        e.close();
        assertThat(e.stats().spilled()).isEqualTo(20_000);
        assertThat(e.stats().dropped()).isZero();
    }

    @Test
    void emit_after_close_is_refused() throws Exception {
        Emitter e = start(closedPort());
        e.close();
        assertThatThrownBy(() -> e.emit(TaskEvent.builder("late").build())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void config_rejects_a_buffer_smaller_than_a_batch() {
        assertThatThrownBy(() ->
                        EmitterConfig.builder().maxBatch(100).maxBuffered(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBuffered");
    }

    @Test
    void config_masks_the_password() {
        String s =
                EmitterConfig.builder().redisUri("redis://u:secret@h:1").build().toString();
        assertThat(s).doesNotContain("secret");
    }
}

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
        return start(port, EmitterConfig.DEFAULT_LINGER_MILLIS);
    }

    private Emitter start(int port, long lingerMillis) {
        return EmitterConfig.builder().redisUri("redis://127.0.0.1:" + port).stream("mida:test")
                .lingerMillis(lingerMillis)
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

    /** The task ids in this emitter's spill file, in order. */
    private List<String> spilledIds() throws Exception {
        var ids = new ArrayList<String>();
        for (Path f : SpillFile.list(dir))
            for (String line : Files.readAllLines(f))
                EventCodec.shared().decode(line).events().forEach(ev -> ids.add(ev.key()));
        return ids;
    }

    @Test
    void a_withdrawn_deferred_event_is_never_sent_and_is_counted_as_coalesced() throws Exception {
        Emitter e = start(closedPort(), 60_000);
        Emitter.Deferred running =
                e.emitDeferred(TaskEvent.builder("t1").status(Status.RUNNING).build());
        assertThat(running.withdraw()).isTrue();
        assertThat(running.withdraw()).isFalse();
        e.emit(TaskEvent.builder("t1").status(Status.FINISHED).build());
        e.close();

        assertThat(spilledIds()).containsExactly("t1");
        Emitter.Stats s = e.stats();
        assertThat(s.emitted()).isEqualTo(1);
        assertThat(s.spilled()).isEqualTo(1);
        assertThat(s.coalesced()).isEqualTo(1);
    }

    @Test
    void a_deferred_event_joins_the_buffer_after_the_linger_and_can_no_longer_be_withdrawn() throws Exception {
        Emitter e = start(closedPort(), 20);
        Emitter.Deferred running =
                e.emitDeferred(TaskEvent.builder("t1").status(Status.RUNNING).build());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (e.stats().spilled() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(running.withdraw()).isFalse();
        e.close();
        assertThat(spilledIds()).containsExactly("t1");
        assertThat(e.stats().coalesced()).isZero();
    }

    @Test
    void flush_and_close_send_the_deferred_events_still_waiting() throws Exception {
        Emitter e = start(closedPort(), 60_000);
        Emitter.Deferred a = e.emitDeferred(TaskEvent.builder("a").build());
        assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(e.stats().spilled()).isEqualTo(1);
        assertThat(a.withdraw()).isFalse();
        Emitter.Deferred b = e.emitDeferred(TaskEvent.builder("b").build());
        e.close();
        assertThat(b.withdraw()).isFalse();
        assertThat(spilledIds()).containsExactly("a", "b");
        assertThat(e.stats().emitted()).isEqualTo(2);
        assertThat(e.stats().buffered()).isZero();
    }

    @Test
    void with_no_linger_a_deferred_event_is_sent_at_once() throws Exception {
        Emitter e = start(closedPort(), 0);
        Emitter.Deferred d = e.emitDeferred(TaskEvent.builder("a").build());
        assertThat(d.withdraw()).isFalse();
        assertThat(e.stats().emitted()).isEqualTo(1);
        e.close();
        assertThat(spilledIds()).containsExactly("a");
    }

    @Test
    void a_deferred_event_given_as_a_supplier_is_never_built_when_withdrawn_within_the_linger() throws Exception {
        Emitter e = start(closedPort(), 60_000);
        var built = new java.util.concurrent.atomic.AtomicInteger();
        Emitter.Deferred running = e.emitDeferred(() -> {
            built.incrementAndGet();
            return TaskEvent.builder("t1").status(Status.RUNNING).build();
        });
        assertThat(running.withdraw()).isTrue();
        e.emit(TaskEvent.builder("t1").status(Status.FINISHED).build());
        e.close();

        assertThat(built).hasValue(0);
        assertThat(spilledIds()).containsExactly("t1");
        assertThat(e.stats().emitted()).isEqualTo(1);
        assertThat(e.stats().coalesced()).isEqualTo(1);
    }

    @Test
    void a_deferred_supplier_that_outlives_the_linger_is_built_once_and_sent() throws Exception {
        Emitter e = start(closedPort(), 20);
        var built = new java.util.concurrent.atomic.AtomicInteger();
        Emitter.Deferred running = e.emitDeferred(() -> {
            built.incrementAndGet();
            return TaskEvent.builder("t1").status(Status.RUNNING).build();
        });
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (e.stats().spilled() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(running.withdraw()).isFalse();
        Emitter.Deferred atClose = e.emitDeferred(() -> {
            built.incrementAndGet();
            return TaskEvent.builder("t2").status(Status.RUNNING).build();
        });
        e.close(); // sends the waiting one: built then
        assertThat(atClose.withdraw()).isFalse();
        assertThat(built).hasValue(2);
        assertThat(spilledIds()).containsExactly("t1", "t2");
        assertThat(e.stats().coalesced()).isZero();
    }

    @Test
    void a_deferred_event_that_cannot_be_built_is_refused_to_the_dead_letters_not_lost_silently() throws Exception {
        Emitter e = start(closedPort(), 60_000);
        e.emitDeferred(
                () -> TaskEvent.builder("t1").activityId("x".repeat(2000)).build());
        e.emitDeferred(() -> TaskEvent.builder("t2").build());
        assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(e.stats().rejected()).isEqualTo(1);
        assertThat(e.stats().emitted()).isEqualTo(1);
        e.close();
        assertThat(spilledIds()).containsExactly("t2");
    }

    @Test
    void with_no_linger_a_deferred_supplier_is_built_and_sent_at_once() throws Exception {
        Emitter e = start(closedPort(), 0);
        Emitter.Deferred d = e.emitDeferred(() -> TaskEvent.builder("a").build());
        assertThat(d.withdraw()).isFalse();
        assertThat(e.stats().emitted()).isEqualTo(1);
        e.close();
        assertThat(spilledIds()).containsExactly("a");
    }

    @Test
    void emit_after_close_is_refused() throws Exception {
        Emitter e = start(closedPort());
        e.close();
        assertThatThrownBy(() -> e.emit(TaskEvent.builder("late").build())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> e.emitDeferred(TaskEvent.builder("late").build()))
                .isInstanceOf(IllegalStateException.class);
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

package org.mida.server.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.observers.emit.Emitter;
import org.mida.observers.emit.EmitterConfig;
import org.mida.server.backend.EmbeddedRedis;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** The emitter against real Redis servers that are missing, stopped and started again. */
@ExtendWith(Backends.class)
class EmitterIT {

    @TempDir
    Path tmp;

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private EmitterConfig.Builder config(String uri, String stream) {
        return EmitterConfig.builder().redisUri(uri).stream(stream)
                .spillDir(tmp.resolve("spill"))
                .maxAgeMillis(20)
                .maxBatch(200)
                .eventsPerEntry(50)
                .retryMillis(100);
    }

    private static TaskEvent event(int i) {
        return TaskEvent.builder("t" + i)
                .workflowId("wf-spill")
                .status(Status.FINISHED)
                .build();
    }

    /** Every task id in the stream, in stream order. */
    private static List<String> idsIn(String uri, String stream) {
        var ids = new ArrayList<String>();
        try (Jedis j = new Jedis(URI.create(uri))) {
            for (StreamEntry e : j.xrange(stream, (StreamEntryID) null, (StreamEntryID) null)) {
                var d = EventCodec.shared().decode(e.getFields().get("event"));
                assertThat(d.rejections()).isEmpty();
                d.events().forEach(ev -> ids.add(ev.key()));
            }
        }
        return ids;
    }

    private static List<String> expected(int from, int to) {
        var l = new ArrayList<String>();
        for (int i = from; i < to; i++) l.add("t" + i);
        return l;
    }

    @Test
    void events_spilled_by_a_process_without_redis_are_replayed_first_by_the_next_one() throws Exception {
        Backends.reset();
        String stream = "mida:it:spill-restart";
        Emitter offline = config("redis://127.0.0.1:" + closedPort(), stream).start();
        for (int i = 0; i < 1000; i++) offline.emit(event(i));
        offline.close();
        assertThat(offline.stats().spilled()).isEqualTo(1000);
        assertThat(offline.stats().dropped()).isZero();
        try (var files = Files.list(tmp.resolve("spill"))) {
            assertThat(files.count()).isEqualTo(1);
        }

        Emitter online = config(Backends.redisUri(), stream).start();
        for (int i = 1000; i < 2000; i++) online.emit(event(i));
        online.close();

        Emitter.Stats s = online.stats();
        assertThat(s.replayed()).isEqualTo(1000);
        assertThat(s.flushed()).isEqualTo(1000);
        assertThat(s.spilled()).isZero();
        assertThat(s.dropped()).isZero();
        assertThat(idsIn(Backends.redisUri(), stream)).containsExactlyElementsOf(expected(0, 2000));
        try (var files = Files.list(tmp.resolve("spill"))) {
            assertThat(files.count()).as("replayed spill files are removed").isZero();
        }
    }

    @Test
    void redis_stopping_and_coming_back_loses_nothing_and_keeps_the_order() throws Exception {
        String stream = "mida:it:outage";
        Path redisDir = tmp.resolve("redis");
        EmbeddedRedis redis = EmbeddedRedis.start(redisDir, 0);
        int port = redis.port();
        Emitter e = config(redis.uri(), stream).start();
        try {
            for (int i = 0; i < 500; i++) e.emit(event(i));
            assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(e.stats().flushed()).isEqualTo(500);

            redis.close(); // SHUTDOWN writes the AOF: the first 500 survive the restart
            for (int i = 500; i < 1000; i++) e.emit(event(i));
            assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(e.stats().spilled()).isEqualTo(500);
            assertThat(e.stats().redisUp()).isFalse();

            redis = EmbeddedRedis.start(redisDir, port);
            for (int i = 1000; i < 1500; i++) e.emit(event(i));
            // events emitted before the emitter noticed Redis is back are spilled too: order first
            TestServer.await(seconds(30), "the spill to be replayed", () -> {
                Emitter.Stats st = e.stats();
                return st.buffered() == 0 && st.replayed() == st.spilled();
            });
            assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
        } finally {
            e.close();
        }
        Emitter.Stats s = e.stats();
        assertThat(s.emitted()).isEqualTo(1500);
        assertThat(s.spilled()).isBetween(500L, 1000L);
        assertThat(s.flushed() + s.spilled()).isEqualTo(1500);
        assertThat(s.replayed()).isEqualTo(s.spilled());
        assertThat(s.dropped()).isZero();
        try {
            assertThat(idsIn(redis.uri(), stream)).containsExactlyElementsOf(expected(0, 1500));
        } finally {
            redis.close();
        }
    }

    @Test
    void spilled_events_reach_the_graph_once_redis_is_reachable() throws Exception {
        try (TestServer server = TestServer.start()) {
            Emitter offline =
                    config("redis://127.0.0.1:" + closedPort(), server.stream()).start();
            for (int i = 0; i < 300; i++) offline.emit(event(i));
            offline.close();
            Emitter online = config(Backends.redisUri(), server.stream()).start();
            online.emit(TaskEvent.builder("after").workflowId("wf-spill").build());
            assertThat(online.flush(Duration.ofSeconds(10))).isTrue();
            TestServer.await(seconds(30), "the replay", () -> online.stats().replayed() == 300);
            online.close();
            server.awaitIngested(seconds(30));
            assertThat(server.count("MATCH (t:Task {workflow_id:'wf-spill'}) RETURN count(t)"))
                    .isEqualTo(301);
            assertThat(server.count("MATCH (t:Task {workflow_id:'wf-spill', status:'FINISHED'}) RETURN count(t)"))
                    .isEqualTo(300);
        }
    }

    @Test
    void rare_events_are_sent_one_by_one_without_waiting_for_a_batch() throws Exception {
        Backends.reset();
        String stream = "mida:it:rare";
        try (Emitter e = config(Backends.redisUri(), stream).maxAgeMillis(2_000).start();
                Jedis j = new Jedis(URI.create(Backends.redisUri()))) {
            e.emit(event(1));
            TestServer.await(Duration.ofMillis(500), "a lone event to arrive", () -> j.xlen(stream) == 1);
            Thread.sleep(600);
            e.emit(event(2));
            // well before the 2 s max age: the flush size follows the (low) rate
            TestServer.await(Duration.ofMillis(500), "a second lone event to arrive", () -> j.xlen(stream) == 2);
            assertThat(e.currentFlushSize()).isEqualTo(1);
        }
    }

    @Test
    void refused_inputs_reach_the_dead_letter_stream_with_reason_source_and_text_even_after_an_outage()
            throws Exception {
        String stream = "mida:it:refused";
        Path redisDir = tmp.resolve("redis-refused");
        EmbeddedRedis redis = EmbeddedRedis.start(redisDir, 0);
        int port = redis.port();
        Emitter e = config(redis.uri(), stream).start();
        try {
            e.reject("not a Flowcept task message", "flowcept:interception", "{\"x\": 1}");
            assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
            redis.close();
            e.emit(event(1)); // lets the emitter notice Redis is gone
            assertThat(e.flush(Duration.ofSeconds(10))).isTrue();
            e.reject("line 17 does not match the pattern", "file:///runs/a.log#L17", "garbage line");
            assertThat(e.stats().deadLettered()).isEqualTo(1);
            redis = EmbeddedRedis.start(redisDir, port);
            TestServer.await(seconds(30), "the second letter", () -> e.stats().deadLettered() == 2);
        } finally {
            e.close();
        }
        Emitter.Stats s = e.stats();
        assertThat(s.rejected()).isEqualTo(2);
        assertThat(s.dropped()).isZero();
        try (Jedis j = new Jedis(URI.create(redis.uri()))) {
            List<StreamEntry> dead = j.xrange(stream + ":dead", (StreamEntryID) null, null, 10);
            assertThat(dead).hasSize(2);
            assertThat(dead.get(0).getFields())
                    .containsEntry("reason", "not a Flowcept task message")
                    .containsEntry("source_id", "flowcept:interception")
                    .containsEntry("stream", stream)
                    .containsEntry("event", "{\"x\": 1}");
            assertThat(dead.get(1).getFields())
                    .containsEntry("reason", "line 17 does not match the pattern")
                    .containsEntry("source_id", "file:///runs/a.log#L17")
                    .containsEntry("event", "garbage line");
        } finally {
            redis.close();
        }
    }
}

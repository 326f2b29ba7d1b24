package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.ingest.IngestIT.array;
import static org.mida.server.ingest.IngestIT.finished;
import static org.mida.server.ingest.IngestIT.running;
import static org.mida.server.testing.TestServer.seconds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import redis.clients.jedis.params.XAddParams;

/**
 * Issue 15, 13th session: while the stream is backlogged, the ingest reads and decodes the next entries on
 * the {@code mida-ingest-read} thread while the batch in hand is written ({@code -Dmida.ingest.readahead}).
 * Every event is still written once, acknowledged after its commit, and nothing read ahead is lost when the
 * ingest stops.
 */
@ExtendWith(Backends.class)
class ReadAheadIT {
    private static final String STREAM = "mida:read-ahead-test";
    private static final String GROUP = "read-ahead";
    private static final int TASKS = 1_500; // 30 entries of 50 tasks (100 events), 3 batches of 1,000 events

    private TestServer server; // Redis, Neo4j and the schema
    private final EventCodec codec = EventCodec.shared();
    private final List<StreamIngestor> ingestors = new ArrayList<>();

    @BeforeEach
    void start() {
        server = TestServer.start();
        server.server().redis().del(STREAM);
        // every entry in the stream before the ingest reads: a backlog
        try (var tx = server.server().redis().multi()) {
            for (int from = 0; from < TASKS; from += 50) {
                var events = new ArrayList<String>();
                for (int i = from; i < from + 50; i++) {
                    events.add(running("ra-" + i, "wf-ra", 1 + i, "file:///ra/in-" + (i % 11)));
                    events.add(finished("ra-" + i, 2 + i, "file:///ra/out-" + i));
                }
                tx.xadd(STREAM, XAddParams.xAddParams(), Map.of(EventStream.FIELD, array(events)));
            }
            tx.exec();
        }
    }

    @AfterEach
    void stop() {
        ingestors.forEach(StreamIngestor::close);
        System.clearProperty(StreamIngestor.READ_AHEAD_PROPERTY);
        server.close();
    }

    private StreamIngestor ingestor(java.util.function.Consumer<List<Event>> listener) {
        var settings = new StreamIngestor.Settings(STREAM, GROUP, "ra-consumer", 1_000, 60_000, false);
        var ingest = new StreamIngestor(
                server.server().redis(),
                new BatchWriter(Backends.driver(), codec),
                codec,
                new IngestMetrics(),
                settings,
                listener,
                () -> {});
        ingestors.add(ingest);
        return ingest;
    }

    private long pending() {
        return server.server().redis().xpending(STREAM, GROUP).getTotal();
    }

    /**
     * The first batch's listener runs after its commit and acknowledgement, on the ingest thread: the loop
     * is held there. With the read ahead, the next batch's entries are already delivered to this consumer
     * (pending) by then; without it, none is, since the loop reads only after the listener returns.
     */
    private long pendingWhileFirstBatchHeld() throws Exception {
        var seen = new AtomicLong(-1);
        var release = new CountDownLatch(1);
        var first = new java.util.concurrent.atomic.AtomicBoolean(true);
        var ingest = ingestor(batch -> {
            if (!first.getAndSet(false)) return;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (pending() == 0 && System.nanoTime() < deadline) sleep(20);
            seen.set(pending());
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ingest.start();
        TestServer.await(seconds(30), "the first batch's listener", () -> seen.get() >= 0);
        release.countDown();
        awaitAllWritten(ingest);
        return seen.get();
    }

    private void awaitAllWritten(StreamIngestor ingest) {
        TestServer.await(
                seconds(60),
                "every task written and every entry acknowledged",
                () -> server.count("MATCH (t:Task {status: 'FINISHED'}) WHERE t.task_id STARTS WITH 'ra-'"
                                        + " RETURN count(t)")
                                == TASKS
                        && pending() == 0);
        assertThat(server.count("MATCH (t:Task) WHERE t.task_id STARTS WITH 'ra-' RETURN count(t)"))
                .as("one node per task")
                .isEqualTo(TASKS);
        assertThat(server.count(
                        "MATCH (t:Task)-[u:USED]->(:Entity) WHERE t.task_id STARTS WITH 'ra-' RETURN" + " count(u)"))
                .as("one usage per task")
                .isEqualTo(TASKS);
        assertThat(ingest.metrics().eventsIngested()).isEqualTo(2L * TASKS);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void in_a_backlog_the_next_entries_are_read_while_a_batch_is_written_and_every_event_is_written_once()
            throws Exception {
        assertThat(pendingWhileFirstBatchHeld())
                .as("the second batch's entries, read ahead while the first was written")
                .isEqualTo(10);
    }

    @Test
    void switched_off_the_loop_reads_only_after_the_batch() throws Exception {
        System.setProperty(StreamIngestor.READ_AHEAD_PROPERTY, "off");
        assertThat(pendingWhileFirstBatchHeld()).isZero();
    }

    @Test
    void entries_read_ahead_when_the_ingest_stops_are_written_before_it_stops_or_at_the_next_start() {
        var stopping = new CountDownLatch(1);
        var first = new java.util.concurrent.atomic.AtomicBoolean(true);
        var ingest = ingestor(batch -> {
            // the first batch's entries are acknowledged, the second batch's read ahead: stop now
            if (first.getAndSet(false)) stopping.countDown();
        });
        ingest.start();
        try {
            assertThat(stopping.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        ingest.close();
        long written = server.count("MATCH (t:Task) WHERE t.task_id STARTS WITH 'ra-' RETURN count(t)");
        assertThat(written)
                .as("the batch read ahead is written before the loop stops")
                .isGreaterThanOrEqualTo(1_000);
        // a new ingest (the same consumer: a restart) writes the rest, each task once
        var again = ingestor(batch -> {});
        again.start();
        TestServer.await(
                seconds(60),
                "every task written and every entry acknowledged",
                () -> server.count("MATCH (t:Task {status: 'FINISHED'}) WHERE t.task_id STARTS WITH 'ra-'"
                                        + " RETURN count(t)")
                                == TASKS
                        && pending() == 0);
        assertThat(server.count("MATCH (t:Task) WHERE t.task_id STARTS WITH 'ra-' RETURN count(t)"))
                .isEqualTo(TASKS);
    }
}

package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.ingest.IngestIT.finished;
import static org.mida.server.ingest.IngestIT.running;
import static org.mida.server.testing.TestServer.seconds;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.slf4j.LoggerFactory;

/**
 * Where a batch's time went: each batch's phases in the metrics ({@code /metrics} and the latest batches) and,
 * past {@code -Dmida.ingest.slowBatchMs}, in a log line (issue 15's visibility tail).
 */
@ExtendWith(Backends.class)
class BatchPhasesIT {

    private TestServer server;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger ingestLog = (Logger) LoggerFactory.getLogger(StreamIngestor.class);
    private Level levelBefore;

    @AfterEach
    void stop() {
        System.clearProperty(BatchPhases.SLOW_PROPERTY);
        ingestLog.detachAppender(logged);
        if (levelBefore != null) ingestLog.setLevel(levelBefore);
        if (server != null) server.close();
    }

    private void ingestTenTasks() {
        for (int i = 0; i < 10; i++) {
            server.xadd(running("task-" + i, "wf", 100 + i, "file:///in/" + i));
            server.xadd(finished("task-" + i, 200 + i, "file:///out/" + i));
        }
        server.awaitIngested(seconds(60));
    }

    /**
     * The latest batches once they add up to {@code events}: a batch is recorded in the metrics after its
     * entries are acknowledged, so an empty stream does not yet mean the last batch is in the metrics.
     */
    private List<IngestMetrics.Batch> batchesOf(int events) {
        TestServer.await(
                seconds(30),
                events + " events in the recorded batches",
                () -> server.server().metrics().recentBatches().stream()
                                .mapToInt(IngestMetrics.Batch::events)
                                .sum()
                        >= events);
        return server.server().metrics().recentBatches();
    }

    @Test
    void every_batch_records_its_time_by_phase_in_the_metrics() {
        server = TestServer.start(c -> c.withIngestLinger(0));
        ingestTenTasks();
        List<IngestMetrics.Batch> batches = batchesOf(20);
        assertThat(batches).isNotEmpty();
        assertThat(batches.stream().mapToInt(IngestMetrics.Batch::events).sum())
                .as("events written, over the batches")
                .isEqualTo(20);
        List<String> names = IngestMetrics.phaseNames();
        assertThat(names)
                .containsExactly(
                        "fetch",
                        "decode",
                        "hold",
                        "read",
                        "plan",
                        "statements",
                        "commit",
                        "dead_letters",
                        "ack",
                        "listener");
        for (IngestMetrics.Batch b : batches) {
            long sum = 0;
            for (long n : b.phaseNanos()) {
                assertThat(n).isNotNegative();
                sum += n;
            }
            assertThat(sum).as("the phases are parts of the batch").isLessThanOrEqualTo(b.nanos());
            if (b.events() > 0) {
                for (String p : List.of("decode", "read", "plan", "statements", "commit", "ack"))
                    assertThat(b.phaseNanos()[names.indexOf(p)])
                            .as(p + " of a batch that wrote " + b.events() + " events")
                            .isPositive();
            }
        }
        String metrics = server.get("/metrics").body();
        for (String p : names)
            assertThat(metrics).contains("mida_ingest_batch_phase_seconds_count{phase=\"" + p + "\"}");
        assertThat(metrics).containsPattern("mida_ingest_batch_phase_seconds_sum\\{phase=\"statements\"} 0\\.0*[1-9]");
    }

    /** 30 entries of 100 RUNNING events (tasks {@code prefix}e-i), all in the stream before the ingest reads. */
    private void xaddThirtyEntriesAtOnce(String prefix) {
        try (var tx = server.server().redis().multi()) {
            for (int e = 0; e < 30; e++) {
                var events = new java.util.StringJoiner(",", "[", "]");
                for (int i = 0; i < 100; i++) events.add(running(prefix + e + "-" + i, "wf", 1 + i, "file:///in/" + e));
                tx.xadd(
                        server.stream(),
                        redis.clients.jedis.params.XAddParams.xAddParams(),
                        java.util.Map.of(org.mida.event.EventStream.FIELD, events.toString()));
            }
            tx.exec();
        }
    }

    @Test
    void a_batch_holds_about_the_batch_size_whatever_the_events_per_entry() {
        // entries of 100 events (an observer's flushed buffer), batch size 500: before, a batch's first read
        // asked for 64 entries whatever they carried, and wrote these 3,000 events as one batch
        server = TestServer.start(c -> c.withIngest(500, "batch-bound", 60_000).withIngestLinger(0));
        xaddThirtyEntriesAtOnce("t-");
        server.awaitIngested(seconds(60));
        List<IngestMetrics.Batch> batches = batchesOf(3_000);
        assertThat(batches.stream().mapToInt(IngestMetrics.Batch::events).sum()).isEqualTo(3_000);
        assertThat(batches)
                .as("at most the batch size and one entry")
                .allSatisfy(b -> assertThat(b.events()).isLessThanOrEqualTo(600));
    }

    @Test
    void a_backlogged_read_counts_as_the_batch_fetch_and_an_idle_wait_does_not() throws Exception {
        // 30 entries of 100 events in the stream at once, batch size 500: every read after the first finds the
        // stream backlogged, so its time (XREADGROUP and the reply's parsing) is the next batch's fetch
        server = TestServer.start(c -> c.withIngest(500, "fetch", 60_000).withIngestLinger(0));
        xaddThirtyEntriesAtOnce("f-");
        server.awaitIngested(seconds(60));
        int fetch = IngestMetrics.phaseNames().indexOf("fetch");
        List<IngestMetrics.Batch> backlog = batchesOf(3_000);
        assertThat(backlog.stream().filter(b -> b.phaseNanos()[fetch] > 0).count())
                .as("batches whose entries were read from a backlogged stream")
                .isGreaterThanOrEqualTo(3);
        assertThat(backlog).allSatisfy(b -> assertThat(b.phaseNanos()[fetch]).isLessThanOrEqualTo(b.nanos()));
        // idle: the next read blocks until this event comes; that wait is not the batch's fetch
        Thread.sleep(1_500);
        server.xadd(running("f-idle", "wf", 1, "file:///in/idle"));
        server.awaitIngested(seconds(60));
        List<IngestMetrics.Batch> after = batchesOf(3_001);
        IngestMetrics.Batch last = after.stream()
                .max(java.util.Comparator.comparingLong(IngestMetrics.Batch::endNanos))
                .orElseThrow();
        assertThat(last.events()).isEqualTo(1);
        assertThat(last.phaseNanos()[fetch])
                .as("fetch of the batch read after an idle wait")
                .isZero();
    }

    /** Ten tasks ingested by a server whose slow-batch threshold is {@code slowMs}; the slow-batch lines logged. */
    private List<String> slowBatchLines(String slowMs) {
        System.setProperty(BatchPhases.SLOW_PROPERTY, slowMs);
        levelBefore = ingestLog.getLevel();
        ingestLog.setLevel(Level.INFO);
        logged.start();
        ingestLog.addAppender(logged);
        server = TestServer.start(c -> c.withIngestLinger(0));
        ingestTenTasks();
        return logged.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("slow ingest batch"))
                .toList();
    }

    @Test
    void a_batch_slower_than_the_threshold_is_logged_with_its_split() {
        var lines = slowBatchLines("0"); // every batch is "slow"
        assertThat(lines).isNotEmpty();
        assertThat(lines.get(0))
                .containsPattern(
                        "slow ingest batch: \\d+ ms for \\d+ events \\(\\d+ entries, \\d+ held back\\): fetch [0-9.]+, decode "
                                + "[0-9.]+, hold [0-9.]+, read [0-9.]+, plan [0-9.]+, statements [0-9.]+, commit [0-9.]+,"
                                + " dead_letters [0-9.]+, ack [0-9.]+, listener [0-9.]+ ms");
    }

    @Test
    void batches_under_the_threshold_are_not_logged() {
        assertThat(slowBatchLines("600000")).isEmpty();
    }
}

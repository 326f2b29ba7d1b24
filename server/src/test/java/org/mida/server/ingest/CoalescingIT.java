package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.ingest.IngestIT.finished;
import static org.mida.server.ingest.IngestIT.running;
import static org.mida.server.testing.TestServer.seconds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** The ingest's linger: a task's RUNNING waits in memory for its FINISHED, so the task is written once. */
@ExtendWith(Backends.class)
class CoalescingIT {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** RUNNING of 100 tasks, read and held; their FINISHED a moment later, in later entries and batches. */
    private void runningThenFinished(long lingerMs) {
        server = TestServer.start(c -> c.withIngestLinger(lingerMs));
        for (int i = 0; i < 100; i++) server.xadd(running("task-" + i, "wf", 100 + i, "file:///in/" + (i % 7)));
        // the ingest has read every RUNNING (held, or written without a linger) before a FINISHED comes
        TestServer.await(
                seconds(30),
                "the RUNNING events read",
                () -> lingerMs > 0
                        ? server.server().metrics().heldEvents() == 100
                        : server.count("MATCH (t:Task) RETURN count(t)") == 100);
        for (int i = 0; i < 100; i++) server.xadd(finished("task-" + i, 200 + i, "file:///out/" + i));
        server.awaitIngested(seconds(60));
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) RETURN count(t)"))
                .isEqualTo(100);
        assertThat(server.count("MATCH (t:Task) WHERE t.duration = 100.0 AND t.`used.lr` = 0.01"
                        + " AND t.`generated.loss` = 0.25 RETURN count(t)"))
                .isEqualTo(100);
        assertThat(server.count("MATCH (:Task)-[r:USED]->(:Entity) RETURN count(r)"))
                .isEqualTo(100);
        assertThat(server.count("MATCH (:Entity)-[r:WAS_GENERATED_BY]->(:Task) RETURN count(r)"))
                .isEqualTo(100);
    }

    @Test
    void with_a_linger_running_and_finished_in_different_batches_are_written_as_one_create() {
        runningThenFinished(10_000);
        var m = server.server().metrics();
        assertThat(m.holds()).as("each RUNNING held once").isEqualTo(100);
        assertThat(m.tasksCreated()).isEqualTo(100);
        assertThat(m.tasksUpdated()).as("no task written twice").isZero();
        assertThat(m.heldEvents()).isZero();
    }

    /**
     * A backlog (every entry in the stream before the first read, 100 events each) whose FINISHED follows its
     * RUNNING by 800 events, at batch size 1,000: each batch holds its last 400 RUNNINGs. Before, the next
     * batch read 1,000 less those 400 events and a hundred of them met no FINISHED (written twice); now it
     * reads a whole batch of new events and every task is written once.
     */
    @Test
    void in_a_backlog_a_held_running_meets_a_finished_that_comes_up_to_a_batch_later() {
        server =
                TestServer.start(c -> c.withIngest(1_000, "backlog-lag", 60_000).withIngestLinger(10_000));
        int tasks = 3_000;
        int lag = 400; // tasks started between a task's RUNNING and its FINISHED
        var events = new java.util.ArrayList<String>();
        for (int i = 0; i < tasks + lag; i++) {
            if (i < tasks) events.add(running("t-" + i, "wf", 1 + i, "file:///in/" + (i % 7)));
            if (i >= lag) events.add(finished("t-" + (i - lag), 1 + i, "file:///out/" + (i - lag)));
        }
        try (var tx = server.server().redis().multi()) { // all in the stream before the ingest's read returns
            for (int from = 0; from < events.size(); from += 100)
                tx.xadd(
                        server.stream(),
                        redis.clients.jedis.params.XAddParams.xAddParams(),
                        java.util.Map.of(
                                org.mida.event.EventStream.FIELD,
                                "[" + String.join(",", events.subList(from, Math.min(from + 100, events.size())))
                                        + "]"));
            tx.exec();
        }
        server.awaitIngested(seconds(120));
        assertThat(server.count("MATCH (t:Task {status:'FINISHED'}) RETURN count(t)"))
                .isEqualTo(tasks);
        var m = server.server().metrics();
        assertThat(m.tasksCreated()).isEqualTo(tasks);
        assertThat(m.tasksUpdated()).as("no task written twice").isZero();
        assertThat(m.recentBatches())
                .as("a batch: the batch size of new events, one entry more, and up to half a batch held")
                .allSatisfy(b -> assertThat(b.events()).isLessThanOrEqualTo(1_600));
    }

    @Test
    void without_a_linger_each_event_is_written_with_its_batch() {
        runningThenFinished(0);
        var m = server.server().metrics();
        assertThat(m.tasksCreated()).isEqualTo(100);
        assertThat(m.tasksUpdated()).isEqualTo(100);
    }

    @Test
    void a_held_event_is_written_when_its_linger_ends_though_no_finished_comes_and_its_entry_stays_pending_until() {
        server = TestServer.start(c -> c.withIngestLinger(1_500));
        server.xadd(running("alone", "wf", 1, "file:///in/x"));
        TestServer.await(
                seconds(30), "the RUNNING held", () -> server.server().metrics().heldEvents() == 1);
        // held: not in the graph, its entry unacknowledged (a crash now loses nothing: it is re-read)
        assertThat(server.count("MATCH (t:Task {task_id:'alone'}) RETURN count(t)"))
                .isZero();
        assertThat(server.server()
                        .redis()
                        .xpending(server.stream(), server.server().config().consumerGroup())
                        .getTotal())
                .isEqualTo(1);
        server.awaitIngested(seconds(30));
        assertThat(server.count("MATCH (t:Task {task_id:'alone', status:'RUNNING'}) RETURN count(t)"))
                .isEqualTo(1);
        assertThat(server.get("/api/tasks/alone").status()).isEqualTo(200);
    }

    @Test
    void a_running_whose_entry_waited_in_the_stream_past_its_linger_is_written_with_the_batch_that_read_it() {
        // the linger runs from when the entry entered the stream (its id's time), not from when the ingest
        // got round to it: an entry two minutes old, in a stream that is not backlogged, is not held at all
        // (before, it was held a whole linger after its read; then, in the batch that read it)
        server = TestServer.start(c -> c.withIngestLinger(10_000));
        long twoMinutesAgo = System.currentTimeMillis() - 120_000;
        server.server()
                .redis()
                .xadd(
                        server.stream(),
                        new redis.clients.jedis.StreamEntryID(twoMinutesAgo, 0),
                        java.util.Map.of(org.mida.event.EventStream.FIELD, running("waited", "wf", 1, "file:///in/x")));
        // before, it was held a whole linger (10 s) after the read
        TestServer.await(
                seconds(8),
                "the RUNNING written",
                () -> server.count("MATCH (t:Task {task_id:'waited', status:'RUNNING'}) RETURN count(t)") == 1);
        // (the gauge is set after the batch's commit and acknowledgement)
        TestServer.await(
                seconds(8), "nothing held", () -> server.server().metrics().heldEvents() == 0);
        assertThat(server.server().metrics().holds())
                .as("events ever held back")
                .isZero();
    }

    @Test
    void a_server_that_stops_writes_what_it_holds_before_it_returns() {
        server = TestServer.start(c -> c.withIngestLinger(10_000));
        server.xadd(running("held", "wf", 1, "file:///in/x"));
        TestServer.await(
                seconds(30), "the RUNNING held", () -> server.server().metrics().heldEvents() == 1);
        server.close();
        server = null;
        server = TestServer.startKeepingState(c -> c.withIngestLinger(0));
        assertThat(server.count("MATCH (t:Task {task_id:'held', status:'RUNNING'}) RETURN count(t)"))
                .isEqualTo(1);
        server.awaitIngested(seconds(30));
    }
}

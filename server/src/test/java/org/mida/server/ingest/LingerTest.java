package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a held event is due: the linger from the stream's time, to the batch nearest its end. */
class LingerTest {

    private static final long MS = 1_000_000;

    @Test
    void a_linger_begins_when_the_entry_entered_the_stream_never_after_it_was_read() {
        var linger = new Linger(250, Linger.Rule.NEAREST);
        long read = 5_000 * MS;
        // the entry waited 120 ms in the stream while the ingest wrote the batch before
        assertThat(linger.since(read, 1_000_120, 1_000_000)).isEqualTo(read - 120 * MS);
        // a Redis clock ahead of ours cannot stretch it
        assertThat(linger.since(read, 1_000_000, 1_000_500)).isEqualTo(read);
        // the rule before: from the read
        assertThat(new Linger(250, Linger.Rule.READ).since(read, 1_000_120, 1_000_000))
                .isEqualTo(read);
    }

    @Test
    void a_task_is_written_with_the_batch_nearest_the_end_of_its_linger_not_one_batch_after_it() {
        var linger = new Linger(250, Linger.Rule.NEAREST);
        linger.observedBatch(240 * MS); // busy: a batch every 240 ms
        long read = 10_000 * MS;
        assertThat(linger.holds(read, read, true, false))
                .as("held in the batch that read it: 250 ms left, more than half a batch")
                .isTrue();
        // the next batch starts 240 ms later: 10 ms of linger left, less than half a batch: written now
        assertThat(linger.holds(read, read + 240 * MS, false, false)).isFalse();
        // before, it waited one more batch (480 ms in all)
        var before = new Linger(250, Linger.Rule.READ);
        before.observedBatch(240 * MS);
        assertThat(before.holds(read, read + 240 * MS, false, false)).isTrue();
        assertThat(before.holds(read, read + 480 * MS, false, false)).isFalse();
    }

    @Test
    void short_batches_hold_a_task_until_about_its_linger() {
        var linger = new Linger(250, Linger.Rule.NEAREST);
        linger.observedBatch(40 * MS);
        long since = 0;
        assertThat(linger.holds(since, 160 * MS, false, false)).isTrue(); // 90 ms left
        assertThat(linger.holds(since, 200 * MS, false, false)).isTrue(); // 50 ms left > 20
        assertThat(linger.holds(since, 240 * MS, false, false)).isFalse(); // 10 ms left
        // an idle loop wakes for it half a batch before its end
        assertThat(linger.dueInMillis(since, 100 * MS)).isEqualTo(130);
        assertThat(linger.dueInMillis(since, 400 * MS)).isZero();
    }

    @Test
    void a_backlogged_stream_still_coalesces_across_one_batch() {
        // every entry is older than the linger: each is held in the batch that read it, written in the next
        var linger = new Linger(250, Linger.Rule.NEAREST);
        linger.observedBatch(900 * MS);
        long read = 60_000 * MS;
        long since = linger.since(read, 2_000_000, 1_990_000); // 10 s in the stream
        assertThat(linger.holds(since, read, true, true)).isTrue();
        assertThat(linger.holds(since, read + 900 * MS, false, true)).isFalse();
        // not backlogged (the read did not fill the batch): written at once, its linger long over
        assertThat(linger.holds(since, read, true, false)).isFalse();
    }

    @Test
    void in_a_steady_stream_an_event_read_near_its_lingers_end_is_written_with_the_batch_that_read_it() {
        // 2,000 events/s on 2 cores: batches of ≈ 330 ms, longer than the linger; the entry waited 200 ms in
        // the stream while the batch before was written: 50 ms of its linger left, less than half a batch
        var linger = new Linger(250, Linger.Rule.NEAREST);
        linger.observedBatch(330 * MS);
        long read = 60_000 * MS;
        long since = linger.since(read, 2_000_200, 2_000_000);
        assertThat(linger.holds(since, read, true, false)).isFalse();
        // an entry read 20 ms after it came: 230 ms left, more than half a batch: held for the next one
        assertThat(linger.holds(linger.since(read, 2_000_020, 2_000_000), read, true, false))
                .isTrue();
        // the rule before held every event in the batch that read it: one batch (330 ms) more for the first
        var before = new Linger(250, Linger.Rule.FRESH);
        before.observedBatch(330 * MS);
        assertThat(before.holds(since, read, true, false)).isTrue();
        assertThat(Linger.rule("fresh")).isEqualTo(Linger.Rule.FRESH);
        assertThat(Linger.rule(" Read ")).isEqualTo(Linger.Rule.READ);
        assertThat(Linger.rule("")).isEqualTo(Linger.Rule.NEAREST);
    }

    @Test
    void a_small_batch_after_big_ones_is_judged_by_its_own_size() {
        // a backlog worked off in batches of 5,000 events, ≈ 1 s each; then a trickle: a batch of 100 fresh
        // RUNNINGs, 250 ms of linger left. Judged by the big batches' second, half a cycle (500 ms) exceeds the
        // linger, so every one went alone and its task was written twice when its FINISHED came
        var linger = new Linger(250, Linger.Rule.NEAREST, true);
        var before = new Linger(250, Linger.Rule.NEAREST, false);
        for (Linger l : new Linger[] {linger, before}) for (int i = 0; i < 5; i++) l.observedBatch(1_000 * MS, 5_000);
        long read = 60_000 * MS;
        assertThat(linger.cycleNanos(100)).as("100 events at 0.2 ms each").isEqualTo(20 * MS);
        assertThat(linger.holds(read, read, true, false, 100)).isTrue();
        assertThat(before.holds(read, read, true, false, 100)).isFalse();
        // a held one is due half its own batch before its linger's end, not half a big one
        assertThat(linger.dueInMillis(read, read, 100)).isEqualTo(240);
        assertThat(before.dueInMillis(read, read, 100)).isZero();
        // a batch as big as the latest ones is judged as before; never by more than the average
        assertThat(linger.cycleNanos(5_000)).isEqualTo(1_000 * MS);
        assertThat(linger.cycleNanos(50_000)).isEqualTo(1_000 * MS);
        assertThat(linger.cycleNanos(0)).as("size unknown").isEqualTo(1_000 * MS);
        assertThat(linger.holds(read, read, true, false, 5_000)).isFalse();
    }

    @Test
    void the_cycle_is_an_average_of_the_latest_batches() {
        var linger = new Linger(250, Linger.Rule.NEAREST);
        assertThat(linger.cycleNanos()).isZero();
        linger.observedBatch(100 * MS);
        assertThat(linger.cycleNanos()).isEqualTo(100 * MS);
        linger.observedBatch(200 * MS);
        assertThat(linger.cycleNanos()).isEqualTo(130 * MS);
    }
}

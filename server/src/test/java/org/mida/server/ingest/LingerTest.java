package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a held event is due: the linger from the stream's time, to the batch nearest its end. */
class LingerTest {

    private static final long MS = 1_000_000;

    @Test
    void a_linger_begins_when_the_entry_entered_the_stream_never_after_it_was_read() {
        var linger = new Linger(250, false);
        long read = 5_000 * MS;
        // the entry waited 120 ms in the stream while the ingest wrote the batch before
        assertThat(linger.since(read, 1_000_120, 1_000_000)).isEqualTo(read - 120 * MS);
        // a Redis clock ahead of ours cannot stretch it
        assertThat(linger.since(read, 1_000_000, 1_000_500)).isEqualTo(read);
        // the rule before: from the read
        assertThat(new Linger(250, true).since(read, 1_000_120, 1_000_000)).isEqualTo(read);
    }

    @Test
    void a_task_is_written_with_the_batch_nearest_the_end_of_its_linger_not_one_batch_after_it() {
        var linger = new Linger(250, false);
        linger.observedBatch(240 * MS); // busy: a batch every 240 ms
        long read = 10_000 * MS;
        assertThat(linger.holds(read, read, true))
                .as("held in the batch that read it")
                .isTrue();
        // the next batch starts 240 ms later: 10 ms of linger left, less than half a batch: written now
        assertThat(linger.holds(read, read + 240 * MS, false)).isFalse();
        // before, it waited one more batch (480 ms in all)
        var before = new Linger(250, true);
        before.observedBatch(240 * MS);
        assertThat(before.holds(read, read + 240 * MS, false)).isTrue();
        assertThat(before.holds(read, read + 480 * MS, false)).isFalse();
    }

    @Test
    void short_batches_hold_a_task_until_about_its_linger() {
        var linger = new Linger(250, false);
        linger.observedBatch(40 * MS);
        long since = 0;
        assertThat(linger.holds(since, 160 * MS, false)).isTrue(); // 90 ms left
        assertThat(linger.holds(since, 200 * MS, false)).isTrue(); // 50 ms left > 20
        assertThat(linger.holds(since, 240 * MS, false)).isFalse(); // 10 ms left
        // an idle loop wakes for it half a batch before its end
        assertThat(linger.dueInMillis(since, 100 * MS)).isEqualTo(130);
        assertThat(linger.dueInMillis(since, 400 * MS)).isZero();
    }

    @Test
    void a_backlogged_stream_still_coalesces_across_one_batch() {
        // every entry is older than the linger: each is held in the batch that read it, written in the next
        var linger = new Linger(250, false);
        linger.observedBatch(900 * MS);
        long read = 60_000 * MS;
        long since = linger.since(read, 2_000_000, 1_990_000); // 10 s in the stream
        assertThat(linger.holds(since, read, true)).isTrue();
        assertThat(linger.holds(since, read + 900 * MS, false)).isFalse();
    }

    @Test
    void the_cycle_is_an_average_of_the_latest_batches() {
        var linger = new Linger(250, false);
        assertThat(linger.cycleNanos()).isZero();
        linger.observedBatch(100 * MS);
        assertThat(linger.cycleNanos()).isEqualTo(100 * MS);
        linger.observedBatch(200 * MS);
        assertThat(linger.cycleNanos()).isEqualTo(130 * MS);
    }
}

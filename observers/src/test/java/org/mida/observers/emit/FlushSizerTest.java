package org.mida.observers.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FlushSizerTest {

    private static final long MS = 1_000_000L;

    @Test
    void starts_with_batches_of_one_so_the_first_events_go_out_at_once() {
        var s = new FlushSizer(5000, 100);
        assertThat(s.batchSize()).isEqualTo(1);
        s.sample(0, 0);
        assertThat(s.batchSize()).isEqualTo(1);
    }

    @Test
    void rare_events_keep_batches_of_one() {
        var s = new FlushSizer(5000, 100);
        long t = 0, n = 0;
        s.sample(n, t);
        for (int i = 0; i < 20; i++) s.sample(n += 2, t += 1000 * MS); // 2 events/s
        assertThat(s.rate()).isBetween(1.9, 2.1);
        assertThat(s.batchSize()).isEqualTo(1);
    }

    @Test
    void batch_fills_in_a_tenth_of_the_max_age() {
        var s = new FlushSizer(5000, 100);
        long t = 0, n = 0;
        s.sample(n, t);
        for (int i = 0; i < 40; i++) s.sample(n += 250, t += 25 * MS); // 10,000 events/s
        assertThat(s.batchSize()).isBetween(99, 101); // 10,000/s x 10 ms
    }

    @Test
    void high_rates_are_capped_at_max_batch() {
        var s = new FlushSizer(5000, 100);
        long t = 0, n = 0;
        s.sample(n, t);
        for (int i = 0; i < 40; i++) s.sample(n += 25_000, t += 25 * MS); // 1M events/s
        assertThat(s.batchSize()).isEqualTo(5000);
    }

    @Test
    void shrinks_again_when_the_rate_drops() {
        var s = new FlushSizer(5000, 100);
        long t = 0, n = 0;
        s.sample(n, t);
        for (int i = 0; i < 40; i++) s.sample(n += 25_000, t += 25 * MS);
        for (int i = 0; i < 40; i++) s.sample(n, t += 25 * MS); // silence
        assertThat(s.batchSize()).isEqualTo(1);
    }

    @Test
    void ignores_windows_too_short_to_measure() {
        var s = new FlushSizer(5000, 100);
        s.sample(0, 0);
        s.sample(1000, 1000); // 1 µs later: no sample
        assertThat(s.rate()).isZero();
        s.sample(1, 5 * MS); // shorter than the fill time (10 ms): still accumulating
        assertThat(s.rate()).isZero();
        s.sample(2, 20 * MS);
        assertThat(s.rate()).isEqualTo(100.0);
    }

    @Test
    void rejects_nonsense_settings() {
        assertThatThrownBy(() -> new FlushSizer(0, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FlushSizer(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}

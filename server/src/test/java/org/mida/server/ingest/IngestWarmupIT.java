package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.server.testing.Backends;
import org.neo4j.driver.Driver;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, the first minute after a cold start: {@link IngestWarmup} leaves the plans that batches of the
 * sizes it rehearses need (so the first busy batches plan nothing), and writes nothing.
 */
@ExtendWith(Backends.class)
class IngestWarmupIT {
    private static final Pattern CLEARED = Pattern.compile("cleared of (\\d+) quer");
    private final EventCodec codec = EventCodec.shared();

    /** Empties Neo4j's query caches; how many plans they held (the procedure's message tells). */
    private static int clearPlans(Driver driver) {
        try (var s = driver.session()) {
            String message = s.run("CALL db.clearQueryCaches()").single().get(0).asString();
            var m = CLEARED.matcher(message);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }
    }

    private List<Event> events(String prefix, int from, int n, boolean finished) {
        var out = new ArrayList<Event>();
        for (String entry : IngestWarmup.entries(prefix, from, n, finished))
            out.addAll(codec.decode(entry).events());
        return out;
    }

    /** The start-up rehearsals: {@link BatchWriter#warmUp()}, then, with {@code full}, {@link IngestWarmup}. */
    private void warm(Driver driver, boolean full, int batchSize) {
        new BatchWriter(driver, codec).warmUp();
        if (full) IngestWarmup.run(driver, codec, batchSize);
    }

    /** Plans the start-up left, and plans after two busy batches of {@code n} events ({@code n} start, then finish). */
    private int[] plans(Driver driver, boolean full, int n) {
        Backends.reset();
        clearPlans(driver);
        warm(driver, full, n);
        int warmed = clearPlans(driver);
        Backends.reset();
        clearPlans(driver);
        warm(driver, full, n);
        var writer = new BatchWriter(driver, codec);
        writer.write(events("busy/", 0, n, false));
        var next = new ArrayList<>(events("busy/", 0, n, true));
        next.addAll(events("busy/", n, n, false));
        writer.write(next);
        return new int[] {warmed, clearPlans(driver)};
    }

    @Test
    void busy_batches_after_the_warm_up_plan_fewer_statements() {
        Driver driver = Backends.driver();
        int[] full = plans(driver, true, 1_000);
        int[] small = plans(driver, false, 1_000);
        int newAfterFull = full[1] - full[0], newAfterSmall = small[1] - small[0];
        LoggerFactory.getLogger(IngestWarmupIT.class)
                .info(
                        "plans: warm-up {} then busy batches +{}; small rehearsal only {} then +{}",
                        full[0],
                        newAfterFull,
                        small[0],
                        newAfterSmall);
        // what two 1,000-event batches (start 1,000 tasks; finish them and start 1,000 more) still plan after
        // the warm-up: 3 of the 8 the small rehearsal leaves them (seen 2026-11-27) — statements whose
        // transaction state (a fresh one whose first read locks existing tasks) a rolled-back rehearsal of
        // new tasks does not reproduce
        assertThat(newAfterFull)
                .as("plans the busy batches made after the warm-up (%d plans after it alone)", full[0])
                .isLessThan(newAfterSmall);
        assertThat(newAfterSmall)
                .as("plans the busy batches made after the small rehearsal only")
                .isPositive();
    }

    @Test
    void the_warm_up_writes_nothing_and_rehearses_each_size_bucket_up_to_the_batch_size() {
        Backends.reset();
        var report = IngestWarmup.run(Backends.driver(), codec, 300);
        assertThat(report.sizes()).containsExactly(10, 100);
        assertThat(report.events()).isEqualTo(3 * (10 + 100));
        try (var s = Backends.driver().session()) {
            assertThat(s.run("MATCH (n) RETURN count(n)").single().get(0).asLong())
                    .isZero();
        }
        assertThat(IngestWarmup.sizes(5_000)).containsExactly(10, 100, 1_000);
        assertThat(IngestWarmup.sizes(20_000)).containsExactly(10, 100, 1_000, 10_000);
        assertThat(IngestWarmup.sizes(1_000)).containsExactly(10, 100, 1_000);
        assertThat(IngestWarmup.sizes(50)).containsExactly(10);
        assertThat(IngestWarmup.sizes(1)).containsExactly(1);
    }
}

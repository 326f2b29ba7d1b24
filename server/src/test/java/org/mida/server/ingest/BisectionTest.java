package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.mida.event.Event;
import org.mida.event.TaskEvent;

/** The search for refused events, with a write function that refuses chosen events: no database. */
class BisectionTest {

    /** A transient failure, as the store's "unavailable, try later". */
    static final class Unavailable extends RuntimeException {
        Unavailable() {
            super("store unavailable");
        }
    }

    private final List<List<Event>> calls = new ArrayList<>();
    private final List<Event> stored = new ArrayList<>();

    static List<Event> events(int n) {
        var out = new ArrayList<Event>();
        for (int i = 0; i < n; i++) out.add(TaskEvent.builder("t" + i).build());
        return out;
    }

    /** Writes a list unless it holds a refused event; refuses the whole list then. */
    private Consumer<List<Event>> refusing(Set<Event> refused) {
        return list -> {
            calls.add(List.copyOf(list));
            for (Event e : list) if (refused.contains(e)) throw new IllegalArgumentException("bad " + e.key());
            stored.addAll(list);
        };
    }

    private static boolean isTransient(Throwable e) {
        return e instanceof Unavailable;
    }

    @Test
    void a_batch_the_store_takes_is_written_in_one_call() {
        List<Event> events = events(10);

        Bisection.Outcome o = Bisection.write(events, refusing(Set.of()), BisectionTest::isTransient);

        assertThat(o.written()).isEqualTo(events);
        assertThat(o.refused()).isEmpty();
        assertThat(calls).hasSize(1);
    }

    @Test
    void one_refused_event_among_many_is_refused_alone_and_the_others_written_in_order() {
        List<Event> events = events(13);
        Event bad = events.get(6);

        Bisection.Outcome o = Bisection.write(events, refusing(Set.of(bad)), BisectionTest::isTransient);

        assertThat(o.refused()).singleElement().satisfies(r -> {
            assertThat(r.event()).isSameAs(bad);
            assertThat(r.reason()).hasMessage("bad t6");
        });
        var others = new ArrayList<>(events);
        others.remove(bad);
        assertThat(o.written()).isEqualTo(others);
        assertThat(stored).isEqualTo(others);
        // a refusal costs about two writes per level of halving, not one write per event
        assertThat(calls.size()).isLessThanOrEqualTo(1 + 2 * 4);
    }

    @Test
    void several_refused_events_are_each_refused_and_nothing_else_is_lost() {
        List<Event> events = events(20);
        Set<Event> bad = Set.of(events.get(0), events.get(7), events.get(8), events.get(19));

        Bisection.Outcome o = Bisection.write(events, refusing(bad), BisectionTest::isTransient);

        assertThat(o.refused())
                .extracting(Bisection.Refusal::event)
                .containsExactly(events.get(0), events.get(7), events.get(8), events.get(19));
        assertThat(o.written()).hasSize(16).doesNotContainAnyElementsOf(bad);
        assertThat(stored).containsExactlyElementsOf(o.written());
    }

    @Test
    void a_single_refused_event_is_refused_after_one_try() {
        List<Event> events = events(1);

        Bisection.Outcome o = Bisection.write(events, refusing(Set.copyOf(events)), BisectionTest::isTransient);

        assertThat(o.refused()).hasSize(1);
        assertThat(o.written()).isEmpty();
        assertThat(calls).hasSize(1);
    }

    @Test
    void a_transient_failure_is_rethrown_at_once_without_splitting() {
        List<Event> events = events(8);
        var unavailable = new Unavailable();

        assertThatThrownBy(() -> Bisection.write(
                        events,
                        list -> {
                            calls.add(list);
                            throw unavailable;
                        },
                        BisectionTest::isTransient))
                .isSameAs(unavailable);
        assertThat(calls).hasSize(1);
    }

    @Test
    void a_transient_failure_while_splitting_is_rethrown_too() {
        List<Event> events = events(8);
        Event bad = events.get(1);

        assertThatThrownBy(() -> Bisection.write(
                        events,
                        list -> {
                            calls.add(list);
                            if (list.contains(bad) && list.size() > 1) throw new IllegalArgumentException("bad");
                            if (list.contains(bad)) throw new Unavailable();
                            stored.addAll(list);
                        },
                        BisectionTest::isTransient))
                .isInstanceOf(Unavailable.class);
    }

    @Test
    void nothing_to_write_writes_nothing() {
        Bisection.Outcome o = Bisection.write(List.of(), refusing(Set.of()), BisectionTest::isTransient);

        assertThat(o.written()).isEmpty();
        assertThat(o.refused()).isEmpty();
        assertThat(calls).isEmpty();
    }
}

package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.mida.event.Event;

/**
 * Finds the events a store refuses without losing the others: the events are written at once; when
 * the write is refused for a reason that is not transient, the list is split in halves and each half
 * written the same way, down to single events, which are then refused alone. A transient failure
 * (a storage fault: the store unreachable, out of disk, panicked) is rethrown at once, not split: the whole list is retried later. Writes must
 * be idempotent, since halves written before a transient failure are written again.
 *
 * <pre>{@code
 * Bisection.Outcome o = Bisection.write(events, writer::write, ingestor::isStorageFault);
 * o.refused().forEach(r -> deadLetter(r.event(), r.reason()));
 * }</pre>
 */
final class Bisection {

    private Bisection() {}

    /** An event the store refused even alone, and the error it refused it with. */
    record Refusal(Event event, RuntimeException reason) {}

    /** The events written (in their order) and those refused. */
    record Outcome(List<Event> written, List<Refusal> refused) {
        Outcome {
            written = List.copyOf(written);
            refused = List.copyOf(refused);
        }
    }

    /**
     * Writes {@code events} with {@code write}, splitting on refusals.
     *
     * @param write writes one list of events or throws
     * @param isTransient true for failures that mean "retry later" rather than "refused"
     * @throws RuntimeException the first transient failure, as thrown
     */
    static Outcome write(List<Event> events, Consumer<List<Event>> write, Predicate<Throwable> isTransient) {
        var written = new ArrayList<Event>(events.size());
        var refused = new ArrayList<Refusal>();
        write(events, write, isTransient, written, refused);
        return new Outcome(written, refused);
    }

    private static void write(
            List<Event> events,
            Consumer<List<Event>> write,
            Predicate<Throwable> isTransient,
            List<Event> written,
            List<Refusal> refused) {
        if (events.isEmpty()) return;
        try {
            write.accept(events);
            written.addAll(events);
        } catch (RuntimeException e) {
            if (isTransient.test(e)) throw e;
            if (events.size() == 1) {
                refused.add(new Refusal(events.get(0), e));
                return;
            }
            int mid = events.size() / 2;
            write(events.subList(0, mid), write, isTransient, written, refused);
            write(events.subList(mid, events.size()), write, isTransient, written, refused);
        }
    }
}

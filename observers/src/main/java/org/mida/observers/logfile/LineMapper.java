package org.mida.observers.logfile;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.mida.event.Event;

/**
 * Turns one log line into events, nothing (a line that is not about a task), or a refusal (a line
 * that looks like a record but cannot be mapped: it goes to the dead letters). Implementations must
 * be thread-safe or used by one observer only.
 *
 * <pre>{@code
 * LineMapper json = LineMapper.jsonLines();
 * LineMapper regex = LineMapper.regex(Pattern.compile(
 *         "(?<timestamp>\\S+) task=(?<taskId>\\S+) status=(?<status>\\w+) lr=(?<usedLr>\\S+) loss=(?<genLoss>\\S+)"));
 * }</pre>
 */
@FunctionalInterface
public interface LineMapper {

    /** The event of a line, or empty (skipped, or refused: see {@link #mapLine}). */
    Optional<Event> map(String line);

    /**
     * The full answer for a line in its context: events, a skip, or a refusal with its reason. The
     * default maps with {@link #map(String)} (an exception is a refusal).
     */
    default Mapped mapLine(String line, LineContext context) {
        try {
            return map(line).map(e -> Mapped.of(List.of(e))).orElse(Mapped.SKIP);
        } catch (RuntimeException e) {
            return Mapped.refused(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /**
     * True when this mapper puts task ids under the run's workflow (then the observer also announces
     * that workflow with a workflow event). Default false: events are taken as they are.
     */
    default boolean runScoped() {
        return false;
    }

    /**
     * What a line gave.
     *
     * @param events the events (empty: skipped or refused)
     * @param refusal why the line was refused, or null
     * @param runId a run id the line named (a {@code run_id} capture), or null
     */
    record Mapped(List<Event> events, String refusal, String runId) {
        public static final Mapped SKIP = new Mapped(List.of(), null, null);

        public Mapped {
            events = List.copyOf(events);
        }

        public static Mapped of(List<Event> events) {
            return new Mapped(events, null, null);
        }

        public static Mapped refused(String reason) {
            return new Mapped(List.of(), reason, null);
        }

        public boolean isRefused() {
            return refusal != null;
        }
    }

    /** Lines that are JSON events (the wire format, one object per line); other lines are skipped. */
    static LineMapper jsonLines() {
        return new JsonLineMapper();
    }

    /** Lines matched by a regex with named groups; see {@link RegexLineMapper} for the group names. */
    static LineMapper regex(Pattern pattern) {
        return new RegexLineMapper(pattern, null, null, "logfile");
    }
}

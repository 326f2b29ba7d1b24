package org.mida.observers.logfile;

import java.util.Optional;
import java.util.regex.Pattern;
import org.mida.event.Event;

/**
 * Turns one log line into an event, or nothing (a line that is not about a task). Implementations
 * must be thread-safe or used by one observer only.
 *
 * <pre>{@code
 * LineMapper json = LineMapper.jsonLines();
 * LineMapper regex = LineMapper.regex(Pattern.compile(
 *         "(?<timestamp>\\S+) task=(?<taskId>\\S+) status=(?<status>\\w+) lr=(?<usedLr>\\S+) loss=(?<genLoss>\\S+)"));
 * }</pre>
 */
@FunctionalInterface
public interface LineMapper {

    Optional<Event> map(String line);

    /** Lines that are JSON events (the wire format, one object per line); other lines are skipped. */
    static LineMapper jsonLines() {
        return new JsonLineMapper();
    }

    /** Lines matched by a regex with named groups; see {@link RegexLineMapper} for the group names. */
    static LineMapper regex(Pattern pattern) {
        return new RegexLineMapper(pattern, null, null, "logfile");
    }
}

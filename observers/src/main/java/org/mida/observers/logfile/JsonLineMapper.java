package org.mida.observers.logfile;

import java.util.List;
import java.util.Optional;
import org.mida.event.EventCodec;
import org.mida.event.InvalidEventException;

/**
 * A line that is one JSON event ({@code {"type":"task","task_id":...}}); a line starting with
 * {@code {} that is not one is refused (it looks like a record); anything else is skipped.
 */
final class JsonLineMapper implements LineMapper {

    @Override
    public Optional<org.mida.event.Event> map(String line) {
        Mapped m = mapLine(line, LineContext.none());
        return m.events().isEmpty() ? Optional.empty() : Optional.of(m.events().get(0));
    }

    @Override
    public Mapped mapLine(String line, LineContext context) {
        String s = line.strip();
        if (!s.startsWith("{")) return Mapped.SKIP;
        try {
            return Mapped.of(
                    List.of(EventCodec.shared().decodeEvent(EventCodec.shared().parse(s))));
        } catch (InvalidEventException e) {
            return Mapped.refused("not a MIDA event: " + e.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Mapped.refused("not valid JSON: " + e.getOriginalMessage());
        }
    }
}

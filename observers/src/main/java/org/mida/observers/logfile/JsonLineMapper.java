package org.mida.observers.logfile;

import java.util.Optional;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.InvalidEventException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A line that is one JSON event ({@code {"type":"task","task_id":...}}); anything else is skipped. */
final class JsonLineMapper implements LineMapper {
    private static final Logger LOG = LoggerFactory.getLogger(JsonLineMapper.class);

    @Override
    public Optional<Event> map(String line) {
        String s = line.strip();
        if (!s.startsWith("{")) return Optional.empty();
        try {
            return Optional.of(
                    EventCodec.shared().decodeEvent(EventCodec.shared().parse(s)));
        } catch (InvalidEventException | com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.debug("Skipping a log line that is not an event: {}", e.getMessage());
            return Optional.empty();
        }
    }
}

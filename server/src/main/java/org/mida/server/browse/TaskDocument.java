package org.mida.server.browse;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A task as sent, merged (less its {@code type}), maps intact, plus its {@code duration} when it has both
 * a start and an end time. Free-form, so it is written as that JSON object itself.
 */
record TaskDocument(@JsonValue Map<String, Object> fields) {

    TaskDocument {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields, "fields")));
    }

    /** The stored document with its duration (ended_at − started_at), which replaces one sent with it. */
    static TaskDocument of(Map<String, Object> stored) {
        var m = new LinkedHashMap<>(stored);
        if (m.get("started_at") instanceof Number s && m.get("ended_at") instanceof Number e)
            m.put("duration", e.doubleValue() - s.doubleValue());
        return new TaskDocument(m);
    }

    /** A task with no stored document: only its id. */
    static TaskDocument idOnly(String taskId) {
        return new TaskDocument(Map.of("task_id", taskId));
    }
}

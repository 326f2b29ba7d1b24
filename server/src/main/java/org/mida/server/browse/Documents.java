package org.mida.server.browse;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Stored documents (a task or workflow as sent, merged): free-form JSON objects, kept in their order. */
final class Documents {
    private Documents() {}

    /**
     * An unmodifiable copy in the same order, nulls kept, less the {@code computed} keys (the answer
     * writes those itself, so a document that was sent with one does not repeat it).
     */
    static Map<String, Object> copy(Map<String, Object> document, Collection<String> computed) {
        var m = new LinkedHashMap<>(document);
        m.keySet().removeAll(computed);
        return Collections.unmodifiableMap(m);
    }
}

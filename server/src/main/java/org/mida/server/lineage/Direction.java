package org.mida.server.lineage;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which way a lineage search follows the PROV relationships; on the wire in lower case. */
enum Direction {
    UPSTREAM,
    DOWNSTREAM,
    BOTH;

    @JsonValue
    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package org.mida.server.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A PROV relationship from {@code source} (the dependent) to {@code target} (what it depends on), by
 * domain id; {@code type} is used, wasGeneratedBy, wasInformedBy or wasDerivedFrom. Workflow-level edges
 * (a workflow fed by another) also say how many entities and informed-by links make them; other edges
 * leave those keys out.
 */
record LineageEdge(
        String source,
        String target,
        String type,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long entities,

        @JsonProperty("informed_by") @JsonInclude(JsonInclude.Include.NON_NULL)
        Long informedBy) {

    LineageEdge {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(type, "type");
    }

    static LineageEdge of(String source, String target, String type) {
        return new LineageEdge(source, target, type, null, null);
    }

    /** The consumer workflow was informed by the producer. */
    static LineageEdge of(LineageGraph.Feed f) {
        return new LineageEdge(f.consumer(), f.producer(), "wasInformedBy", f.entities(), f.informed());
    }

    /** Identifies the edge regardless of the counts: one edge per source, type and target. */
    String key() {
        return source + '\u0000' + type + '\u0000' + target;
    }
}

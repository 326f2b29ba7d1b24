package org.mida.observers.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.mida.observers.emit.Emitter;

/**
 * Entry point of the instrumentation API for plain Java programs.
 *
 * <pre>{@code
 * try (Emitter emitter = EmitterConfig.builder().start();
 *      WorkflowContext wf = Mida.workflow(emitter).name("training").campaignId("c-1").start()) {
 *     try (TaskScope t = wf.task("load").used("path", Mida.entity("file:///data/x.csv", "dataset")).start()) {
 *         t.generated("rows", 1000);
 *     }
 *     double loss = wf.call("train", Map.of("lr", 0.01), () -> train());   // ERROR + stderr if it throws
 * }
 * }</pre>
 */
public final class Mida {
    private Mida() {}

    /** Starts describing a workflow whose events go to {@code emitter}. */
    public static WorkflowContext.Builder workflow(Emitter emitter) {
        return new WorkflowContext.Builder(Objects.requireNonNull(emitter, "emitter"));
    }

    /** An entity reference for {@code used}/{@code generated}: {@code {"@id": id, "@type": type}}. */
    public static Map<String, Object> entity(String id, String type) {
        return entity(id, type, Map.of());
    }

    /** An entity reference with attributes: {@code {"@id": id, "@type": type, ...attributes}}. */
    public static Map<String, Object> entity(String id, String type, Map<String, ?> attributes) {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("entity id must not be blank");
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        if (type != null) m.put("@type", type);
        attributes.forEach((k, v) -> {
            if (!k.equals("@id") && !k.equals("@type")) m.put(k, v);
        });
        return java.util.Collections.unmodifiableMap(m);
    }
}

package org.mida.observers.sdk;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import org.mida.event.EntityRef;

/**
 * Small helpers shared by the SDK and the executor wrapper: wall-clock time as epoch seconds, what
 * of a task's return value goes into {@code generated}, and stack traces for {@code stderr}.
 */
public final class Values {
    /** Longest {@code stderr} kept; stack traces of deep recursions are cut here. */
    public static final int MAX_STDERR_CHARS = 16_384;

    private Values() {}

    /** Now, in epoch seconds with microseconds. */
    public static double now() {
        Instant i = Instant.now();
        return i.getEpochSecond() + i.getNano() / 1e9;
    }

    /**
     * The part of a value worth recording: scalars (numbers, strings, booleans, enums) and entity
     * references ({@code Map} with {@code "@id"}) as they are; anything else is null (not recorded),
     * since serialising arbitrary objects would cost the workflow time and could leak data.
     */
    public static Object recordable(Object v) {
        if (v instanceof Number || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Character || v instanceof Enum<?>) return v.toString();
        if (EntityRef.isReference(v)) return v;
        if (v instanceof ProvenanceValue p) return p.provenance();
        return null;
    }

    /** The stack trace as text, cut to {@link #MAX_STDERR_CHARS}. */
    public static String stackTrace(Throwable t) {
        var sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        String s = sw.toString();
        return s.length() <= MAX_STDERR_CHARS ? s : s.substring(0, MAX_STDERR_CHARS) + "\n... (truncated)";
    }

    /** Implemented by a result type that knows how it should appear in {@code generated}. */
    public interface ProvenanceValue {
        /** A scalar or an entity reference ({@link Mida#entity}); e.g. {@code Map.of("@id", uri)}. */
        Object provenance();
    }

    static Map<String, Object> resultMap(Object value) {
        Object r = recordable(value);
        return r == null ? Map.of() : Map.of("result", r);
    }
}

package org.mida.observers.emit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;

/**
 * Writes events as the stream's JSON arrays, text for text what {@link EventCodec#encodeAll} writes,
 * but straight from the event to one reused buffer: a {@link TaskEvent}'s fields go to the generator in
 * wire order without building its {@link Event#toMap() map}, the common value types (strings, numbers,
 * booleans, maps with string keys, lists) are written without a serializer lookup, a {@link CachedJsonMap}
 * (a telemetry section) is copied as the text it already is, and epoch times are put in plain notation
 * without a {@code BigDecimal}. Anything else goes through the codec's own mapper. Not thread-safe: the
 * emitter's flusher owns one.
 */
final class WireWriter {

    private static final int INITIAL_CHARS = 64 * 1024;
    /** A buffer grown past this by one huge entry is dropped after use rather than kept. */
    private static final int KEEP_CHARS = 4 * 1024 * 1024;

    private final ObjectWriter wire;
    private StringBuilderWriter out = new StringBuilderWriter(INITIAL_CHARS);

    WireWriter() {
        ObjectMapper mapper = EventCodec.shared()
                .mapper()
                .copy()
                .registerModule(new SimpleModule("mida-cached-json")
                        .addSerializer(CachedJsonMap.class, new StdSerializer<>(CachedJsonMap.class) {
                            @Override
                            public void serialize(CachedJsonMap value, JsonGenerator gen, SerializerProvider p)
                                    throws IOException {
                                gen.writeRawValue(value.json());
                            }
                        }));
        // NaN and infinities as the wire's tokens (NaN, Infinity, -Infinity), never as strings
        this.wire = mapper.writer()
                .without(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    /** One JSON array of {@code events}, as {@code EventCodec.shared().encodeAll(events)} would write it. */
    String array(List<? extends Event> events) throws IOException {
        out.sb.setLength(0);
        try (JsonGenerator g = wire.createGenerator(out)) {
            g.writeStartArray();
            for (Event e : events) event(g, e);
            g.writeEndArray();
        }
        String s = out.sb.toString();
        if (out.sb.capacity() > KEEP_CHARS) out = new StringBuilderWriter(INITIAL_CHARS);
        return s;
    }

    private void event(JsonGenerator g, Event e) throws IOException {
        if (e instanceof TaskEvent t && t.extras().isEmpty()) task(g, t);
        else value(g, e.toMap()); // workflow and observer events are rare; extras need toMap's precedence
    }

    /** The fields in {@link TaskEvent#toMap()}'s order, with its rules (nulls, empty maps and lists left out). */
    private void task(JsonGenerator g, TaskEvent t) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "task");
        g.writeStringField("task_id", t.taskId());
        string(g, "workflow_id", t.workflowId());
        string(g, "campaign_id", t.campaignId());
        string(g, "activity_id", t.activityId());
        if (t.status() != null) g.writeStringField("status", t.status().name());
        time(g, "submitted_at", t.submittedAt());
        time(g, "started_at", t.startedAt());
        time(g, "ended_at", t.endedAt());
        map(g, "used", t.used());
        map(g, "generated", t.generated());
        if (!t.dependencies().isEmpty()) {
            g.writeFieldName("dependencies");
            value(g, t.dependencies());
        }
        string(g, "parent_task_id", t.parentTaskId());
        string(g, "group_id", t.groupId());
        string(g, "subtype", t.subtype());
        string(g, "adapter_id", t.adapterId());
        string(g, "hostname", t.hostname());
        string(g, "node_name", t.nodeName());
        string(g, "login_name", t.loginName());
        string(g, "user", t.user());
        map(g, "telemetry_at_start", t.telemetryAtStart());
        map(g, "telemetry_at_end", t.telemetryAtEnd());
        if (t.stdout() != null) {
            g.writeFieldName("stdout");
            value(g, t.stdout());
        }
        if (t.stderr() != null) {
            g.writeFieldName("stderr");
            value(g, t.stderr());
        }
        map(g, "custom_metadata", t.customMetadata());
        if (!t.tags().isEmpty()) {
            g.writeFieldName("tags");
            value(g, t.tags());
        }
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, String name, String v) throws IOException {
        if (v != null) g.writeStringField(name, v);
    }

    private static void time(JsonGenerator g, String name, Double v) throws IOException {
        if (v == null) return;
        g.writeFieldName(name);
        number(g, v);
    }

    private void map(JsonGenerator g, String name, Map<String, Object> v) throws IOException {
        if (v == null || v.isEmpty()) return;
        g.writeFieldName(name);
        value(g, v);
    }

    private void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) g.writeNull();
        else if (v instanceof String s) g.writeString(s);
        else if (v instanceof CachedJsonMap c) g.writeRawValue(c.json());
        else if (v instanceof Double d) number(g, d);
        else if (v instanceof Integer i) g.writeNumber(i);
        else if (v instanceof Long l) g.writeNumber(l);
        else if (v instanceof Boolean b) g.writeBoolean(b);
        else if (v instanceof Map<?, ?> m && stringKeys(m)) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName((String) e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object x : l) value(g, x);
            g.writeEndArray();
        } else wire.writeValue(g, v); // anything else as the codec writes it
    }

    private static boolean stringKeys(Map<?, ?> m) {
        for (Object k : m.keySet()) if (!(k instanceof String)) return false;
        return true;
    }

    /** As the codec's double serializer: epoch-sized values in plain notation, others as Jackson writes them. */
    private static void number(JsonGenerator g, double d) throws IOException {
        double a = Math.abs(d);
        if (Double.isFinite(d) && a >= 1e7 && a < 1e16) g.writeNumber(plain(d));
        else g.writeNumber(d);
    }

    /**
     * {@code BigDecimal.valueOf(d).toPlainString()} for finite {@code 1e7 <= |d| < 1e16}, where {@link
     * Double#toString} always uses its {@code d.dddE<n>} form: the point moved {@code n} places right.
     */
    static String plain(double d) {
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) return new java.math.BigDecimal(s).toPlainString();
        int exp = Integer.parseInt(s, e + 1, s.length(), 10);
        int start = s.charAt(0) == '-' ? 1 : 0;
        int fracStart = start + 2; // after "d."
        int fracLen = e - fracStart;
        var b = new StringBuilder(24);
        b.append(s, 0, start + 1); // sign and first digit
        if (fracLen <= exp) {
            b.append(s, fracStart, e);
            for (int i = fracLen; i < exp; i++) b.append('0');
        } else {
            b.append(s, fracStart, fracStart + exp).append('.').append(s, fracStart + exp, e);
        }
        return b.toString();
    }

    /** A {@link Writer} over one reused {@link StringBuilder} (no locks, no copies until the end). */
    private static final class StringBuilderWriter extends Writer {
        final StringBuilder sb;

        StringBuilderWriter(int capacity) {
            sb = new StringBuilder(capacity);
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            sb.append(cbuf, off, len);
        }

        @Override
        public void write(String str, int off, int len) {
            sb.append(str, off, off + len);
        }

        @Override
        public void write(int c) {
            sb.append((char) c);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}

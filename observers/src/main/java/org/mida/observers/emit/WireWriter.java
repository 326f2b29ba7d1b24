package org.mida.observers.emit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;
import org.mida.observers.sdk.Ids;

/**
 * Writes events as the stream's JSON arrays, what {@link EventCodec#encodeAll} writes (the same text
 * but for the digits of epoch times, which may be one shorter: the same doubles), but straight from the event to one reused buffer: a {@link TaskEvent}'s fields go to the generator in
 * wire order without building its {@link Event#toMap() map}, the common value types (strings, numbers,
 * booleans, maps with string keys, lists) are written without a serializer lookup, a {@link CachedJsonMap}
 * (a telemetry section) is copied as the text it already is, and epoch times are put in plain notation
 * without a {@code BigDecimal}; field names are pre-quoted. Anything else goes through the codec's own mapper.
 * A {@code telemetry_at_end} that is the very snapshot of the event's {@code telemetry_at_start} (a short
 * task's) is written {@code "=telemetry_at_start"} ({@link EventCodec#TELEMETRY_SAME_AS_START}), which the
 * codec decodes to the same event; a {@code telemetry_at_start} that is the very snapshot an earlier element of
 * the same entry carries in full is written {@code "=[k]"} ({@link EventCodec#sharedTelemetry}), which the
 * codec resolves to that element's; {@code new WireWriter(false)} writes both in full. Not thread-safe: the
 * emitter's flusher owns one.
 *
 * <pre>{@code
 * WireWriter w = new WireWriter();
 * String entry = w.array(List.of(event1, event2)); // one stream entry
 * }</pre>
 */
public final class WireWriter {

    private static final int INITIAL_BYTES = 64 * 1024;
    private static final SerializedString TASK = new SerializedString("task");
    private static final SerializedString TYPE = new SerializedString("type");
    private static final SerializedString TASK_ID = new SerializedString("task_id");
    private static final SerializedString WORKFLOW_ID = new SerializedString("workflow_id");
    private static final SerializedString CAMPAIGN_ID = new SerializedString("campaign_id");
    private static final SerializedString ACTIVITY_ID = new SerializedString("activity_id");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString SUBMITTED_AT = new SerializedString("submitted_at");
    private static final SerializedString STARTED_AT = new SerializedString("started_at");
    private static final SerializedString ENDED_AT = new SerializedString("ended_at");
    private static final SerializedString USED = new SerializedString("used");
    private static final SerializedString GENERATED = new SerializedString("generated");
    private static final SerializedString DEPENDENCIES = new SerializedString("dependencies");
    private static final SerializedString PARENT_TASK_ID = new SerializedString("parent_task_id");
    private static final SerializedString GROUP_ID = new SerializedString("group_id");
    private static final SerializedString SUBTYPE = new SerializedString("subtype");
    private static final SerializedString ADAPTER_ID = new SerializedString("adapter_id");
    private static final SerializedString HOSTNAME = new SerializedString("hostname");
    private static final SerializedString NODE_NAME = new SerializedString("node_name");
    private static final SerializedString LOGIN_NAME = new SerializedString("login_name");
    private static final SerializedString USER = new SerializedString("user");
    private static final SerializedString TELEMETRY_AT_START = new SerializedString("telemetry_at_start");
    private static final SerializedString TELEMETRY_AT_END = new SerializedString("telemetry_at_end");
    private static final SerializedString STDOUT = new SerializedString("stdout");
    private static final SerializedString STDERR = new SerializedString("stderr");
    private static final SerializedString CUSTOM_METADATA = new SerializedString("custom_metadata");
    private static final SerializedString TAGS = new SerializedString("tags");
    private static final SerializedString SAME_AS_START = new SerializedString(EventCodec.TELEMETRY_SAME_AS_START);
    /** A buffer grown past this by one huge entry is dropped after use rather than kept. */
    private static final int KEEP_BYTES = 4 * 1024 * 1024;

    /**
     * The default for the two shortcuts of issue 15 part 5 (epoch digits from the double's bits, this
     * process's task ids copied unscanned); {@code -Dmida.wire.shortcuts=false} turns them off (the
     * benchmark's before).
     */
    static final boolean SHORTCUTS = !"false".equals(System.getProperty("mida.wire.shortcuts"));

    /** Whether this writer takes those shortcuts (the same text but for shorter digits either way). */
    private final boolean shortcuts;

    /** {@link Ids#prefix()} as bytes; the counter's digits are written after it, per id. */
    private final byte[] idBytes;

    private final int idPrefixLength;
    private final String idPrefix = Ids.prefix();

    /** Digits of an epoch time, reused. */
    private final char[] digits = new char[32];

    private final ObjectWriter wire;
    private BytesOut out = new BytesOut(INITIAL_BYTES);
    /** Keys and values of the last telemetry map written, alternating, and its JSON text. */
    private Object[] lastSnapshot;

    private SerializedString lastSnapshotJson;

    /** Per {@link #constant} slot: the last value written, by identity, and its pre-escaped text. */
    private final String[] constantValues = new String[6];

    private final SerializedString[] constantTexts = new SerializedString[6];

    /** Writes {@code telemetry_at_end} as {@code "=telemetry_at_start"} when it is the start's snapshot. */
    private final boolean compactTelemetry;

    /** Writes a start snapshot already written in full in the entry as {@code "=[k]"}. */
    private final boolean sharedStart;

    /** A writer that sends an end telemetry equal to the start's in its compact form. */
    public WireWriter() {
        this(true);
    }

    /**
     * @param compactTelemetry whether a {@code telemetry_at_end} that is the very snapshot of the event's
     *     {@code telemetry_at_start} is written as {@link EventCodec#TELEMETRY_SAME_AS_START}, and a {@code
     *     telemetry_at_start} already written in full by an earlier element of the entry as {@code "=[k]"}
     *     (servers from issue 15 on read them; older ones refuse the event)
     */
    public WireWriter(boolean compactTelemetry) {
        this(compactTelemetry, SHORTCUTS);
    }

    /**
     * @param shortcuts whether epoch times' digits are made from the double's bits and this process's
     *     {@link Ids} copied without the escape scan (default on; off for a benchmark's before)
     */
    public WireWriter(boolean compactTelemetry, boolean shortcuts) {
        this(compactTelemetry, shortcuts, !"false".equals(System.getProperty("mida.wire.sharedStart")));
    }

    /**
     * @param sharedStart with {@code compactTelemetry}: whether a start snapshot already written in full in
     *     the entry is written {@code "=[k]"} (default on; {@code -Dmida.wire.sharedStart=false}, read when a
     *     writer is made, turns it off alone: a benchmark's before)
     */
    public WireWriter(boolean compactTelemetry, boolean shortcuts, boolean sharedStart) {
        this.shortcuts = shortcuts;
        this.compactTelemetry = compactTelemetry;
        this.sharedStart = compactTelemetry && sharedStart;
        this.idPrefixLength = idPrefix.length();
        this.idBytes = Arrays.copyOf(idPrefix.getBytes(StandardCharsets.US_ASCII), idPrefixLength + 20);
        ObjectMapper mapper = EventCodec.shared()
                .mapper()
                .copy()
                .registerModule(new SimpleModule("mida-cached-json")
                        .addSerializer(CachedJsonMap.class, new StdSerializer<>(CachedJsonMap.class) {
                            @Override
                            public void serialize(CachedJsonMap value, JsonGenerator gen, SerializerProvider p)
                                    throws IOException {
                                gen.writeRawValue(value.text());
                            }
                        }));
        // NaN and infinities as the wire's tokens (NaN, Infinity, -Infinity), never as strings
        this.wire = mapper.writer()
                .without(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    /** One JSON array of {@code events}, as {@code EventCodec.shared().encodeAll(events)} would write it. */
    public String array(List<? extends Event> events) throws IOException {
        return new String(arrayBytes(events), StandardCharsets.UTF_8);
    }

    /**
     * {@link #array} as the UTF-8 bytes the stream entry holds: written as bytes from the start (no
     * {@code String} and no re-encoding per entry; a telemetry snapshot's bytes are made once per snapshot
     * and copied), one copy out of the reused buffer.
     */
    public byte[] arrayBytes(List<? extends Event> events) throws IOException {
        out.len = 0;
        pairsTop = 0;
        element = 0;
        sharedCount = 0;
        try (JsonGenerator g = wire.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartArray();
            for (Event e : events) {
                event(g, e);
                element++;
            }
            g.writeEndArray();
        }
        byte[] b = Arrays.copyOf(out.buf, out.len);
        if (out.buf.length > KEEP_BYTES) out = new BytesOut(INITIAL_BYTES);
        return b;
    }

    private void event(JsonGenerator g, Event e) throws IOException {
        if (e instanceof TaskEvent t && t.extras().isEmpty()) task(g, t);
        else value(g, e.toMap()); // workflow and observer events are rare; extras need toMap's precedence
    }

    /** The fields in {@link TaskEvent#toMap()}'s order, with its rules (nulls, empty maps and lists left out). */
    private void task(JsonGenerator g, TaskEvent t) throws IOException {
        g.writeStartObject();
        g.writeFieldName(TYPE);
        g.writeString(TASK);
        g.writeFieldName(TASK_ID);
        taskId(g, t.taskId());
        if (runs && ids.write(g, t.workflowId(), t.campaignId(), t.activityId())) {
            // written as one run
        } else {
            constant(g, WORKFLOW_ID, t.workflowId(), 0);
            constant(g, CAMPAIGN_ID, t.campaignId(), 1);
            constant(g, ACTIVITY_ID, t.activityId(), 5);
        }
        if (t.status() != null) string(g, STATUS, t.status().name());
        time(g, SUBMITTED_AT, t.submittedAt());
        time(g, STARTED_AT, t.startedAt());
        time(g, ENDED_AT, t.endedAt());
        map(g, USED, t.used());
        map(g, GENERATED, t.generated());
        if (!t.dependencies().isEmpty()) {
            g.writeFieldName(DEPENDENCIES);
            value(g, t.dependencies());
        }
        string(g, PARENT_TASK_ID, t.parentTaskId());
        string(g, GROUP_ID, t.groupId());
        string(g, SUBTYPE, t.subtype());
        if (runs && origin.write(g, t.adapterId(), t.hostname(), null)) {
            // written as one run
        } else {
            constant(g, ADAPTER_ID, t.adapterId(), 2);
            constant(g, HOSTNAME, t.hostname(), 3);
        }
        string(g, NODE_NAME, t.nodeName());
        string(g, LOGIN_NAME, t.loginName());
        constant(g, USER, t.user(), 4);
        Map<String, Object> start = t.telemetryAtStart(), end = t.telemetryAtEnd();
        boolean startIsLastSnapshot = startTelemetry(g, start);
        if (compactTelemetry && end != null && !end.isEmpty() && sameSnapshot(start, end, startIsLastSnapshot)) {
            g.writeFieldName(TELEMETRY_AT_END);
            g.writeString(SAME_AS_START);
        } else telemetry(g, TELEMETRY_AT_END, end);
        if (t.stdout() != null) {
            g.writeFieldName(STDOUT);
            value(g, t.stdout());
        }
        if (t.stderr() != null) {
            g.writeFieldName(STDERR);
            value(g, t.stderr());
        }
        map(g, CUSTOM_METADATA, t.customMetadata());
        if (!t.tags().isEmpty()) {
            g.writeFieldName(TAGS);
            value(g, t.tags());
        }
        g.writeEndObject();
    }

    /**
     * Whether consecutive fields whose values are the same objects event after event (workflow, campaign
     * and activity ids; adapter and host) are copied as one pre-encoded run of text; {@code
     * -Dmida.wire.runs=false} (read when a writer is made) writes them field by field (a benchmark's before).
     */
    private final boolean runs = !"false".equals(System.getProperty("mida.wire.runs"));

    private final ConstantRun ids = new ConstantRun(WORKFLOW_ID, CAMPAIGN_ID, ACTIVITY_ID);
    private final ConstantRun origin = new ConstantRun(ADAPTER_ID, HOSTNAME, null);

    /**
     * Up to three consecutive string fields (issue 15, obs19): their text {@code ,"a":"x","b":"y"} (the
     * absent ones left out) is made when one of the values changes, found again by identity, and copied as
     * raw bytes — one copy instead of a name and a value through the generator's checks per field (≈ 8 %
     * of the flusher's samples were Jackson's per-value bookkeeping). Raw text bypasses the generator's
     * context, which stays right because a run always follows a written field ({@code task_id}) and starts
     * with its own comma.
     */
    private static final class ConstantRun {
        private final SerializedString[] names;
        private final String[] values = new String[3];
        private boolean made;
        /** Null when a value holds a surrogate: then written field by field, as the generator writes it. */
        private SerializedString text;

        ConstantRun(SerializedString a, SerializedString b, SerializedString c) {
            names = new SerializedString[] {a, b, c};
        }

        /** @return false (nothing written) when the caller must write the fields one by one */
        boolean write(JsonGenerator g, String a, String b, String c) throws IOException {
            if (!made || values[0] != a || values[1] != b || values[2] != c) {
                values[0] = a;
                values[1] = b;
                values[2] = c;
                made = true;
                text = null;
                var sb = new StringBuilder(64);
                for (int i = 0; i < 3; i++) {
                    if (values[i] == null) continue;
                    for (int j = 0; j < values[i].length(); j++)
                        if (Character.isSurrogate(values[i].charAt(j))) return false;
                    sb.append(",\"").append(names[i].getValue()).append("\":\"");
                    sb.append(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                            .quoteAsString(values[i]));
                    sb.append('"');
                }
                text = new SerializedString(sb.toString());
            }
            if (text == null) return false;
            if (text.charLength() > 0) g.writeRaw(text);
            return true;
        }
    }

    /**
     * A field whose value is the same object in event after event (the workflow's ids, the host, the
     * user, the adapter, an activity): its escaped, quoted text is kept for the last value seen in each
     * {@code slot}, found again by identity, and copied instead of escaped character by character.
     */
    private void constant(JsonGenerator g, SerializedString name, String v, int slot) throws IOException {
        if (v == null) return;
        g.writeFieldName(name);
        if (constantValues[slot] != v) {
            constantValues[slot] = v;
            constantTexts[slot] = new SerializedString(v);
        }
        g.writeString(constantTexts[slot]);
    }

    /**
     * A task id: one of this process's {@link Ids} (its prefix, then up to 19 decimal digits) is copied as
     * it is, with no scan for characters to escape (there are none); any other id through the generator's
     * escaping.
     */
    private void taskId(JsonGenerator g, String id) throws IOException {
        int n = id.length(), p = idPrefixLength;
        if (shortcuts && n > p && n <= p + 19 && id.startsWith(idPrefix)) {
            byte[] b = idBytes;
            int i = p;
            for (; i < n; i++) {
                char c = id.charAt(i);
                if (c < '0' || c > '9') break;
                b[i] = (byte) c;
            }
            if (i == n) {
                g.writeRawUTF8String(b, 0, n);
                return;
            }
        }
        g.writeString(id);
    }

    private static void string(JsonGenerator g, SerializedString name, String v) throws IOException {
        if (v == null) return;
        g.writeFieldName(name);
        g.writeString(v);
    }

    private void time(JsonGenerator g, SerializedString name, Double v) throws IOException {
        if (v == null) return;
        g.writeFieldName(name);
        double d = v;
        int len = shortcuts ? plainDigits(d, digits, integerDigits) : -1;
        if (len > 0) g.writeNumber(digits, 0, len);
        else number(g, d);
    }

    private void map(JsonGenerator g, SerializedString name, Map<String, Object> v) throws IOException {
        if (v == null || v.isEmpty()) return;
        g.writeFieldName(name);
        value(g, v);
    }

    /**
     * A telemetry snapshot is shared by every event of its sampling period, but each event holds its own
     * copy of the snapshot's top-level map (the event copies its maps), with the same keys and section
     * objects. So the text of the last snapshot written is kept with those references; a map holding the
     * same ones, in the same order, is that text again — checked by identity, without serialising.
     *
     * @return whether {@code v} was written as the last snapshot's text (its keys and values are in {@link
     *     #lastSnapshot})
     */
    private boolean telemetry(JsonGenerator g, SerializedString name, Map<String, Object> v) throws IOException {
        if (v == null || v.isEmpty()) return false;
        g.writeFieldName(name);
        if (v instanceof CachedJsonMap c) { // Telemetry's own snapshots: their text is made once per sample
            g.writeRawValue(c.text());
            return false;
        }
        if (!sameAsLastSnapshot(v)) {
            var refs = new Object[2 * v.size()];
            int i = 0;
            for (Map.Entry<String, Object> e : v.entrySet()) {
                if (!immutable(e.getValue())) { // a section that may change under us: no shortcut
                    lastSnapshot = null;
                    value(g, v);
                    return false;
                }
                refs[i++] = e.getKey();
                refs[i++] = e.getValue();
            }
            lastSnapshotJson = new SerializedString(wire.writeValueAsString(v));
            lastSnapshot = refs;
        }
        g.writeRawValue(lastSnapshotJson);
        return true;
    }

    /**
     * {@code telemetry_at_start}: written in full the first time a snapshot appears in this entry, then as
     * {@code "=[k]"} ({@link EventCodec#sharedTelemetry}), {@code k} the element that carries it in full — the
     * same snapshot known by identity: the same {@link CachedJsonMap} (the sampler's own snapshots, which
     * events keep as they are), or a map holding the last snapshot's keys and values ({@link
     * #sameAsLastSnapshot}). Never by equal values.
     *
     * @return as {@link #telemetry}: whether the start's keys and values are {@link #lastSnapshot}'s
     */
    private boolean startTelemetry(JsonGenerator g, Map<String, Object> start) throws IOException {
        if (!sharedStart || start == null || start.isEmpty()) return telemetry(g, TELEMETRY_AT_START, start);
        boolean cached = start instanceof CachedJsonMap;
        boolean last = !cached && sameAsLastSnapshot(start);
        Object key = cached ? start : last ? lastSnapshot : start;
        for (int i = sharedCount - 1; i >= 0; i--) {
            if (sharedKeys[i] == key) {
                g.writeFieldName(TELEMETRY_AT_START);
                g.writeString(marker(sharedElements[i]));
                return last;
            }
        }
        boolean written = telemetry(g, TELEMETRY_AT_START, start);
        Object writtenKey = cached ? start : written ? lastSnapshot : start;
        if (sharedCount == sharedKeys.length) { // the oldest goes: snapshots change once per sampling period
            System.arraycopy(sharedKeys, 1, sharedKeys, 0, sharedCount - 1);
            System.arraycopy(sharedElements, 1, sharedElements, 0, sharedCount - 1);
            sharedCount--;
        }
        sharedKeys[sharedCount] = writtenKey;
        sharedElements[sharedCount++] = element;
        return written;
    }

    /** {@code "=[k]"}, made once per {@code k}. */
    private SerializedString marker(int k) {
        if (k >= markers.length) markers = Arrays.copyOf(markers, Math.max(2 * markers.length, k + 1));
        SerializedString m = markers[k];
        if (m == null) markers[k] = m = new SerializedString(EventCodec.sharedTelemetry(k));
        return m;
    }

    /** The element being written in the current entry (its index in the array). */
    private int element;

    /** The start snapshots written in full in the current entry (by identity), and their elements; the last few. */
    private final Object[] sharedKeys = new Object[4];

    private final int[] sharedElements = new int[4];
    private int sharedCount;
    private SerializedString[] markers = new SerializedString[64];

    /**
     * Whether an event's end telemetry is its start telemetry, known without comparing values: the same
     * map object, or (for snapshot maps the event copied) the start was just written as the last snapshot's
     * text and the end holds the same keys and the same immutable values, by identity. Anything else,
     * even equal, is written in full: never a guess.
     */
    private boolean sameSnapshot(Map<String, Object> start, Map<String, Object> end, boolean startIsLastSnapshot) {
        if (start == null || start.isEmpty()) return false;
        return start == end || (startIsLastSnapshot && !(end instanceof CachedJsonMap) && sameAsLastSnapshot(end));
    }

    private static boolean immutable(Object v) {
        return v instanceof CachedJsonMap
                || v instanceof String
                || v instanceof Double
                || v instanceof Long
                || v instanceof Integer
                || v instanceof Boolean;
    }

    /**
     * Keys and values compared by identity, walked apart: the event's map is read-only, and the entry
     * iterator of a read-only map wraps every entry in a new object, which made this check alone ≈ 12 %
     * of the flusher's samples.
     */
    private boolean sameAsLastSnapshot(Map<String, Object> v) {
        Object[] refs = lastSnapshot;
        if (refs == null || refs.length != 2 * v.size()) return false;
        int i = 0;
        for (Object k : v.keySet()) {
            if (refs[i] != k) return false;
            i += 2;
        }
        i = 1;
        for (Object x : v.values()) {
            if (refs[i] != x) return false;
            i += 2;
        }
        return true;
    }

    private void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) g.writeNull();
        else if (v instanceof String s) g.writeString(s);
        else if (v instanceof CachedJsonMap c) g.writeRawValue(c.text());
        else if (v instanceof Double d) number(g, d);
        else if (v instanceof Integer i) g.writeNumber(i);
        else if (v instanceof Long l) g.writeNumber(l);
        else if (v instanceof Boolean b) g.writeBoolean(b);
        else if (v instanceof Map<?, ?> m && shortcuts) mapOnce(g, m);
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

    /**
     * A map walked once, by {@code forEach} into {@link #pairs} (keys and values alternating, a stack
     * segment per nesting level): no key-set view, iterator or entry objects per map — the used/generated
     * maps' {@code stringKeys} check plus the entry walk allocated 6–9 objects per map (≈ 30 % of the
     * flusher's allocation besides the entries' bytes in issue 15 part 5's profile); a key that is not a
     * string sends the map to the codec's mapper as before.
     */
    private void mapOnce(JsonGenerator g, Map<?, ?> m) throws IOException {
        int base = pairsTop;
        nonStringKey = false;
        m.forEach(collectPair);
        int end = pairsTop;
        try {
            if (nonStringKey) {
                wire.writeValue(g, m);
                return;
            }
            g.writeStartObject();
            for (int i = base; i < end; i += 2) {
                g.writeFieldName((String) pairs[i]);
                value(g, pairs[i + 1]); // may push and pop a segment above end
            }
            g.writeEndObject();
        } finally {
            Arrays.fill(pairs, base, end, null);
            pairsTop = base;
        }
    }

    private Object[] pairs = new Object[64];
    private int pairsTop;
    private boolean nonStringKey;

    private final java.util.function.BiConsumer<Object, Object> collectPair = (k, x) -> {
        if (!(k instanceof String)) nonStringKey = true;
        if (pairsTop + 2 > pairs.length) pairs = Arrays.copyOf(pairs, 2 * pairs.length);
        pairs[pairsTop++] = k;
        pairs[pairsTop++] = x;
    };

    private static boolean stringKeys(Map<?, ?> m) {
        for (Object k : m.keySet()) if (!(k instanceof String)) return false;
        return true;
    }

    /** As the codec's double serializer: epoch-sized values in plain notation, others as Jackson writes them. */
    private void number(JsonGenerator g, double d) throws IOException {
        double a = Math.abs(d);
        if (Double.isFinite(d) && a >= 1e7 && a < 1e16) g.writeNumber(shortcuts ? plain(d) : plainSchubfach(d));
        else g.writeNumber(d);
    }

    /**
     * The codec's {@code BigDecimal.valueOf(d).toPlainString()} for finite {@code 1e7 <= |d| < 1e16}: the
     * same double, in plain notation. Digits from Jackson's Schubfach writer (the shortest decimal that
     * reads back as {@code d}, several times faster than {@link Double#toString} on Java 17, which
     * occasionally gives a digit more), in its {@code d.dddE<n>} form with the point moved {@code n}
     * places right.
     */
    static String plain(double d) {
        var buf = new char[32];
        int len = plainDigits(d, buf);
        return len > 0 ? new String(buf, 0, len) : plainSchubfach(d);
    }

    /**
     * The shortest plain decimal that reads back as {@code d}, for {@code 1e7 <= |d| < 2^52} (epoch
     * seconds), written into {@code out} without objects; its length, or -1 outside that range or when no
     * decimal of at most 9 fraction digits reads back as {@code d} (then {@link #plainSchubfach}). Exact
     * integer arithmetic: there {@code |d| = ip + n / 2^e} with {@code 2^-e} its ulp ({@code 1 <= e <= 29}),
     * and for {@code k = 0, 1, …} fraction digits the nearest {@code m / 10^k} to {@code n / 2^e} reads back
     * as {@code d} when it lies within half an ulp of it, {@code |m·2^e − n·10^k| < 10^k / 2} — the first such {@code k} is the shortest, and the nearest
     * {@code m} of that length (the even one of two as near) is what Schubfach picks too.
     */
    static int plainDigits(double d, char[] out) {
        return plainDigits(d, out, null);
    }

    /** The integer part of the last epoch time written and its digits: it changes once a second. */
    static final class IntegerDigits {
        long value = -1;
        final char[] chars = new char[20];
        int length;
    }

    private final IntegerDigits integerDigits = new IntegerDigits();

    /** {@link #plainDigits(double, char[])}, the integer part's digits copied from {@code cache} when they are its. */
    static int plainDigits(double d, char[] out, IntegerDigits cache) {
        double a = Math.abs(d);
        if (!(a >= 1e7 && a < 0x1p52)) return -1;
        long ip = (long) a;
        int e = -Math.getExponent(Math.ulp(a)); // ulp = 2^-e
        long n = (long) Math.scalb(a - ip, e); // a - ip is exact: n / 2^e
        long pow = 1;
        long half = 1L << (e - 1);
        for (int k = 0; k <= 9; k++, pow *= 10) {
            long num = n * pow; // < 2^29 · 10^9
            long m = (num + half) >> e;
            if ((m & 1) != 0 && (num & (2 * half - 1)) == half) m--; // halfway: the even digit, as Schubfach
            long twice = 2 * Math.abs((m << e) - num);
            // never a tie (twice == pow): that needs k > e, and k = e is exact (n / 2^e has e decimals)
            if (twice < pow) {
                if (m == pow) { // rounds up to the next integer (only for k = 0: a shorter k is found first)
                    ip++;
                    m = 0;
                }
                int len = 0;
                if (d < 0) out[len++] = '-';
                if (cache == null) len = appendLong(out, len, ip);
                else {
                    if (cache.value != ip) {
                        cache.length = appendLong(cache.chars, 0, ip);
                        cache.value = ip;
                    }
                    System.arraycopy(cache.chars, 0, out, len, cache.length);
                    len += cache.length;
                }
                if (k > 0) {
                    out[len++] = '.';
                    for (int j = len + k - 1; j >= len; j--, m /= 10) out[j] = (char) ('0' + m % 10);
                    len += k;
                }
                return len;
            }
        }
        return -1;
    }

    private static int appendLong(char[] out, int at, long v) {
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) digits++;
        for (int j = at + digits - 1; j >= at; j--, v /= 10) out[j] = (char) ('0' + v % 10);
        return at + digits;
    }

    /** {@link #plain} by Jackson's Schubfach writer (the fallback of {@link #plainDigits}). */
    static String plainSchubfach(double d) {
        String s = NumberOutput.toString(d, true);
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

    /** An {@link OutputStream} over one reused {@code byte[]}: the generator's buffer is copied in. */
    private static final class BytesOut extends OutputStream {
        byte[] buf;
        int len;

        BytesOut(int capacity) {
            buf = new byte[capacity];
        }

        private void room(int more) {
            if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }

        @Override
        public void write(byte[] b, int off, int n) {
            room(n);
            System.arraycopy(b, off, buf, len, n);
            len += n;
        }

        @Override
        public void write(int b) {
            room(1);
            buf[len++] = (byte) b;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}

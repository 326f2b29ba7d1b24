package org.mida.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON codec for the wire format. Decoding never throws on bad input: every element that cannot be
 * turned into an {@link Event} comes back as a {@link Rejection} with the reason, so one bad event
 * never sinks the others sent with it. Thread-safe.
 *
 * <pre>{@code
 * EventCodec.Decoded d = EventCodec.shared().decode("[{\"type\":\"task\",\"task_id\":\"t1\"}]");
 * d.events();      // [TaskEvent[t1]]
 * d.rejections();  // []
 * }</pre>
 */
public final class EventCodec {

    /** Deeper JSON than this is refused; real task metadata is a few levels deep. */
    public static final int MAX_NESTING_DEPTH = 200;

    /**
     * Doubles in the range of epoch seconds are written in plain notation ({@code 1714564800.5}, not
     * Jackson's default {@code 1.7145648005E9}): same value, readable by people and by every JSON parser.
     */
    private static final JsonSerializer<Double> PLAIN_DOUBLES = new StdSerializer<>(Double.class) {
        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value;
            double a = Math.abs(d);
            if (Double.isFinite(d) && a >= 1e7 && a < 1e16)
                gen.writeNumber(BigDecimal.valueOf(d).toPlainString());
            else gen.writeNumber(d);
        }
    };

    private static final EventCodec SHARED = new EventCodec();

    /**
     * The compact {@code telemetry_at_end} of a task event whose end telemetry is the very snapshot of its
     * {@code telemetry_at_start} (a short task starts and ends within one sampling period): {@code
     * "telemetry_at_end": "=telemetry_at_start"}. Decoded to the same map as {@code telemetry_at_start}, so
     * nothing past the codec sees a difference. A string, not a flag beside the field: a server that
     * predates it refuses the event ("must be an object") to the dead letters instead of storing a task
     * without its end telemetry.
     */
    public static final String TELEMETRY_SAME_AS_START = "=telemetry_at_start";

    /**
     * The compact {@code telemetry_at_start} of an element of an array entry whose start snapshot is the
     * very object an earlier element {@code k} of the same entry carries in full: {@code
     * "telemetry_at_start": "=[k]"} ({@link #sharedTelemetry(int)}). Resolved when the array is decoded,
     * before anything else sees the event, so every decoded event, and every refused element's dead-letter
     * text, holds the snapshot itself. {@code k} must be an earlier element whose {@code telemetry_at_start}
     * is a non-empty object written in full (no chains, no forward references); elsewhere (a single-event
     * entry, a stored {@code _json}) the marker is refused. An older server refuses it too ("must be an
     * object, got a string"), visibly.
     */
    public static final String TELEMETRY_OF_ELEMENT_PREFIX = "=[";

    /** {@code "=[k]"}: the start telemetry of element {@code k} of the same array entry. */
    public static String sharedTelemetry(int k) {
        return TELEMETRY_OF_ELEMENT_PREFIX + k + "]";
    }

    /** The {@code k} of a {@code "=[k]"} marker (up to 9 digits, no sign, no leading zero but {@code 0}), or -1. */
    static int sharedTelemetryIndex(String s) {
        int n = s.length();
        if (n < 4 || n > 12 || !s.startsWith(TELEMETRY_OF_ELEMENT_PREFIX) || s.charAt(n - 1) != ']') return -1;
        if (s.charAt(2) == '0' && n != 4) return -1;
        int k = 0;
        for (int i = 2; i < n - 1; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            k = 10 * k + (c - '0');
        }
        return k;
    }

    static final Set<String> TASK_FIELDS = Set.of(
            "type",
            "task_id",
            "workflow_id",
            "campaign_id",
            "activity_id",
            "status",
            "submitted_at",
            "started_at",
            "ended_at",
            "used",
            "generated",
            "dependencies",
            "parent_task_id",
            "group_id",
            "subtype",
            "adapter_id",
            "hostname",
            "node_name",
            "login_name",
            "user",
            "telemetry_at_start",
            "telemetry_at_end",
            "stdout",
            "stderr",
            "custom_metadata",
            "tags");
    static final Set<String> WORKFLOW_FIELDS = Set.of(
            "type",
            "workflow_id",
            "campaign_id",
            "name",
            "parent_workflow_id",
            "adapter_id",
            "user",
            "environment_id",
            "machine_info",
            "code_repository",
            "used",
            "generated",
            "custom_metadata",
            "started_at",
            "ended_at",
            "status");
    static final Set<String> OBSERVER_FIELDS = Set.of(
            "type",
            "observer_id",
            "at",
            "name",
            "kind",
            "state",
            "hostname",
            "version",
            "pid",
            "campaign_id",
            "started_at",
            "interval",
            "last_poll_at",
            "last_error",
            "last_error_at",
            "counters",
            "custom_metadata");

    private final ObjectMapper mapper;

    /** Writes the wire: NaN and infinities as the tokens NaN, Infinity, -Infinity (as Python's json does). */
    private final ObjectWriter wire;

    /** Reads one entry or element: one JSON text, nothing after it. */
    private final ObjectReader entries;

    private static final BigDecimal MAX_DOUBLE = new BigDecimal(Double.MAX_VALUE);

    public EventCodec() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .build())
                // NaN, Infinity, -Infinity: kept as the doubles they are (a diverged loss is provenance)
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        this.mapper = new ObjectMapper(factory)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .registerModule(new SimpleModule("mida-plain-doubles")
                        .addSerializer(Double.class, PLAIN_DOUBLES)
                        .addSerializer(double.class, PLAIN_DOUBLES));
        this.wire = mapper.writer().without(JsonWriteFeature.WRITE_NAN_AS_STRINGS);
        // "[…] […]" or "{…} x" is not one JSON text: never keep the first value and drop the rest (on the
        // entry reader only: the shared mapper also reads values out of the middle of documents)
        this.entries = mapper.readerFor(Object.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public static EventCodec shared() {
        return SHARED;
    }

    /** What a decode produced: the good events in order, and the bad ones with reasons. */
    public record Decoded(List<Event> events, List<Rejection> rejections) {}

    /**
     * One element that was refused: its position when the entry is an array ({@code null} otherwise),
     * why (prefixed with {@code [i] } in arrays), and its JSON text as received.
     */
    public record Rejection(Integer index, String reason, String raw) {
        public Rejection(String reason, String raw) {
            this(null, reason, raw);
        }
    }

    public Decoded decode(String json) {
        if (json == null) return new Decoded(List.of(), List.of(new Rejection("empty entry", "")));
        Object root;
        try {
            root = entries.readValue(json);
        } catch (JsonProcessingException | RuntimeException | StackOverflowError e) {
            // one element the parser refuses (a lone surrogate in a key, nesting past the limit, an overlong
            // name) must not take the valid events sent with it: decode the elements of the array one by one
            List<String> elements = ArrayElements.split(json);
            if (elements != null) return decodeEach(elements);
            String why = e instanceof JsonProcessingException p
                    ? "not valid JSON: " + firstLine(p)
                    : "unreadable JSON: " + e;
            return new Decoded(List.of(), List.of(new Rejection(why, json)));
        }
        var events = new ArrayList<Event>();
        var rejections = new ArrayList<Rejection>();
        var numbers = new Numbers(json);
        if (root instanceof List<?> list) {
            if (list.isEmpty()) rejections.add(new Rejection("empty array", json));
            Shared shared = null;
            for (int i = 0; i < list.size(); i++) {
                Object v = list.get(i);
                if (v instanceof Map<?, ?> m && m.get("telemetry_at_start") instanceof String s) {
                    if (shared == null) shared = new Shared(list.size());
                    String problem = shared.resolve(list, i, s, numbers, null);
                    if (problem != null) {
                        rejections.add(new Rejection(i, "[" + i + "] " + problem, toJson(v)));
                        continue;
                    }
                }
                decodeOne(v, i, i, numbers, events, rejections);
            }
        } else {
            decodeOne(root, null, null, numbers, events, rejections);
        }
        return new Decoded(events, rejections);
    }

    /** The elements of an array entry the parser refused whole, each parsed and decoded alone. */
    private Decoded decodeEach(List<String> elements) {
        var events = new ArrayList<Event>();
        var rejections = new ArrayList<Rejection>();
        var values = new ArrayList<Object>(elements.size()); // null where the element could not be parsed
        var numbers = new ArrayList<Numbers>(elements.size());
        Shared shared = null;
        for (int i = 0; i < elements.size(); i++) {
            String text = elements.get(i);
            Object value;
            try {
                value = entries.readValue(text);
            } catch (JsonProcessingException e) {
                values.add(null);
                numbers.add(null);
                rejections.add(new Rejection(i, "[" + i + "] not valid JSON: " + firstLine(e), text));
                continue;
            } catch (RuntimeException | StackOverflowError e) {
                values.add(null);
                numbers.add(null);
                rejections.add(new Rejection(i, "[" + i + "] unreadable JSON: " + e, text));
                continue;
            }
            values.add(value);
            numbers.add(new Numbers(text));
            if (value instanceof Map<?, ?> m && m.get("telemetry_at_start") instanceof String s) {
                if (shared == null) shared = new Shared(elements.size());
                String problem = shared.resolve(values, i, s, null, numbers);
                if (problem != null) {
                    rejections.add(new Rejection(i, "[" + i + "] " + problem, toJson(value)));
                    continue;
                }
            }
            decodeOne(value, i, null, numbers.get(i), events, rejections);
        }
        return new Decoded(events, rejections);
    }

    /**
     * The {@code "=[k]"} markers of one array entry ({@link #TELEMETRY_OF_ELEMENT_PREFIX}): each is replaced,
     * in its element's map, by element {@code k}'s {@code telemetry_at_start} object before the element is
     * decoded, so the event and a refused element's dead-letter text carry the snapshot itself. Element
     * {@code k} itself may be refused for another reason: its snapshot is still used when it is a sound
     * object (numbers that can be kept as sent).
     */
    private static final class Shared {
        /** Elements whose telemetry_at_start was a marker (their resolved map must not be pointed at). */
        private final boolean[] wasMarker;

        Shared(int size) {
            wasMarker = new boolean[size];
        }

        /**
         * Resolves element {@code i}'s marker {@code s} in place.
         *
         * @param entryNumbers the numbers of the whole entry (elements parsed together), else null
         * @param elementNumbers the numbers per element (elements parsed one by one), else null
         * @return why it cannot be resolved, or null when it was
         */
        @SuppressWarnings("unchecked")
        String resolve(List<?> elements, int i, String s, Numbers entryNumbers, List<Numbers> elementNumbers) {
            int k = sharedTelemetryIndex(s);
            if (k < 0) return null; // any other string: decodeEvent says "must be an object"
            wasMarker[i] = true;
            String marker = "\"telemetry_at_start\" is \"" + s + "\"";
            if (k >= i)
                return marker + ", but a marker may only point at an earlier element of the same entry (element "
                        + k + (k >= elements.size() ? " does not exist" : " is not before element " + i)
                        + "); send the snapshot itself";
            if (wasMarker[k])
                return marker + ", but element " + k + "'s telemetry_at_start is itself a marker; point at the"
                        + " element that carries the snapshot in full";
            Object other = elements.get(k);
            Object tel = other instanceof Map<?, ?> om ? om.get("telemetry_at_start") : null;
            if (!(tel instanceof Map<?, ?> snapshot) || snapshot.isEmpty())
                return marker + ", but element " + k
                        + (other == null ? " is not valid JSON" : " has no" + " \"telemetry_at_start\" object")
                        + "; send the snapshot itself";
            String numberProblem = entryNumbers != null
                    ? entryNumbers.telemetryProblem(snapshot, k)
                    : elementNumbers.get(k).telemetryProblem(snapshot, null);
            if (numberProblem != null)
                return marker + ", but element " + k + "'s telemetry_at_start cannot be kept: " + numberProblem;
            ((Map<String, Object>) elements.get(i)).put("telemetry_at_start", snapshot);
            return null;
        }
    }

    /**
     * The numbers of one entry that cannot be kept as they were sent: an integer beyond 64 bits, or a
     * finite number beyond the range of a double ({@code 1e400}, which a parser reads as infinity; the
     * entry is read a second time, with exact decimals, only when an infinity is found).
     */
    private final class Numbers {
        private final String json;
        private Object exact;

        Numbers(String json) {
            this.json = json;
        }

        /** Why the element's numbers cannot be kept, or null. */
        String problem(Object element, Integer index) {
            // the common case (every number a long or a finite double) without building a path per value
            if (!suspect(element)) return null;
            boolean[] infinity = new boolean[1];
            String p = walk(element, "", infinity, false);
            if (p != null || !infinity[0]) return p;
            Object e = exactElement(index);
            return e == null ? null : walk(e, "", infinity, true);
        }

        /**
         * Element {@code index} of the entry (null: the whole text) read with exact decimals, the entry parsed
         * so once; null when it cannot be read.
         */
        private Object exactElement(Integer index) {
            if (exact == null) {
                try {
                    exact = mapper.reader()
                            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                            .readValue(json, Object.class);
                } catch (IOException | RuntimeException e) {
                    return null;
                }
            }
            return index == null ? exact : exact instanceof List<?> l && index < l.size() ? l.get(index) : null;
        }

        /**
         * Why the {@code telemetry_at_start} object of element {@code index} (null: the element is the whole
         * text) cannot be kept, or null; the path is relative to that element.
         */
        String telemetryProblem(Map<?, ?> telemetry, Integer index) {
            if (!suspect(telemetry)) return null;
            boolean[] infinity = new boolean[1];
            String p = walk(telemetry, "/telemetry_at_start", infinity, false);
            if (p != null || !infinity[0]) return p;
            Object t = exactElement(index) instanceof Map<?, ?> m ? m.get("telemetry_at_start") : null;
            return t == null ? null : walk(t, "/telemetry_at_start", infinity, true);
        }

        /** Whether the value holds an integer past 64 bits or an infinity (only then are paths worth naming). */
        private static boolean suspect(Object v) {
            if (v instanceof Map<?, ?> m) {
                for (Object o : m.values()) if (suspect(o)) return true;
                return false;
            }
            if (v instanceof List<?> l) {
                for (Object o : l) if (suspect(o)) return true;
                return false;
            }
            return v instanceof BigInteger || v instanceof Double d && d.isInfinite();
        }

        private String walk(Object v, String at, boolean[] infinity, boolean exactDecimals) {
            if (v instanceof Map<?, ?> m) {
                for (var e : m.entrySet()) {
                    String p = walk(
                            e.getValue(), at + "/" + pointerToken(String.valueOf(e.getKey())), infinity, exactDecimals);
                    if (p != null) return p;
                }
            } else if (v instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    String p = walk(l.get(i), at + "/" + i, infinity, exactDecimals);
                    if (p != null) return p;
                }
            } else if (v instanceof BigInteger b && b.bitLength() >= 64) {
                return "the integer " + abbreviate(b.toString()) + " at " + at
                        + " does not fit in 64 bits (-2^63 to 2^63-1); send a number this large as a string";
            } else if (v instanceof Double d && d.isInfinite()) {
                infinity[0] = true;
            } else if (exactDecimals && v instanceof BigDecimal d && d.abs().compareTo(MAX_DOUBLE) > 0) {
                return "the number " + abbreviate(d.toString()) + " at " + at
                        + " is beyond the range of a 64-bit double (about ±1.8e308); infinities are written"
                        + " Infinity and -Infinity";
            }
            return null;
        }
    }

    /** RFC 6901: {@code ~} → {@code ~0}, {@code /} → {@code ~1}. */
    private static String pointerToken(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** Decodes exactly one event or throws {@link InvalidEventException} with the reason. */
    public Event decodeEvent(Object value) {
        return decodeEvent(value, false);
    }

    /**
     * @param parsed {@code value} was parsed from JSON here: its {@code used} and {@code generated} maps are
     *     handed to the event as they are ({@link FrozenMaps#adopt}), not copied
     */
    private Event decodeEvent(Object value, boolean parsed) {
        if (!(value instanceof Map<?, ?> raw))
            throw new InvalidEventException("an event must be a JSON object, got " + kind(value));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) raw;
        Object type = m.get("type");
        if (type == null) type = m.containsKey("task_id") ? "task" : m.containsKey("workflow_id") ? "workflow" : null;
        if (type == null)
            throw new InvalidEventException("\"type\" is required (\"task\", \"workflow\" or \"observer\")");
        if (!(type instanceof String t))
            throw new InvalidEventException("\"type\" must be a string, got " + kind(type));
        return switch (t) {
            case "task" -> task(m, parsed);
            case "workflow" -> workflow(m, parsed);
            case "observer" -> observer(m);
            default ->
                throw new InvalidEventException("unknown \"type\": \"" + abbreviate(t)
                        + "\" (expected \"task\", \"workflow\" or \"observer\")");
        };
    }

    /**
     * @param index the element's position in its entry (null: the entry is one event)
     * @param numbersIndex its position in the text {@code numbers} holds (null: that text is the element)
     */
    private void decodeOne(
            Object value,
            Integer index,
            Integer numbersIndex,
            Numbers numbers,
            List<Event> out,
            List<Rejection> rejections) {
        try {
            String numberProblem = numbers.problem(value, numbersIndex);
            if (numberProblem != null) throw new InvalidEventException(numberProblem);
            out.add(decodeEvent(value, true));
        } catch (InvalidEventException e) {
            String where = index == null ? "" : "[" + index + "] ";
            rejections.add(new Rejection(index, where + e.getMessage(), toJson(value)));
        }
    }

    public String encode(Event e) {
        return toJson(e.toMap());
    }

    public String encodeAll(List<? extends Event> events) {
        var maps = new ArrayList<Map<String, Object>>(events.size());
        for (Event e : events) maps.add(e.toMap());
        return toJson(maps);
    }

    public String toJson(Object value) {
        try {
            return wire.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + kind(value), e);
        }
    }

    /** Parses any JSON text into maps, lists and scalars, under the same limits as events. */
    public Object parse(String json) throws JsonProcessingException {
        return mapper.readValue(json, Object.class);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    private static TaskEvent task(Map<String, Object> m, boolean parsed) {
        Double started = time(m, "started_at"), ended = time(m, "ended_at");
        if (started != null && ended != null && ended < started)
            throw new InvalidEventException("\"ended_at\" (" + ended + ") is before \"started_at\" (" + started
                    + "): a negative duration; send the times the task started and ended");
        return new TaskEvent(
                str(m, "task_id"),
                str(m, "workflow_id"),
                str(m, "campaign_id"),
                str(m, "activity_id"),
                status(m),
                time(m, "submitted_at"),
                time(m, "started_at"),
                time(m, "ended_at"),
                refs(m, "used", parsed),
                refs(m, "generated", parsed),
                strings(m, "dependencies"),
                str(m, "parent_task_id"),
                str(m, "group_id"),
                str(m, "subtype"),
                str(m, "adapter_id"),
                str(m, "hostname"),
                str(m, "node_name"),
                str(m, "login_name"),
                str(m, "user"),
                telemetryAtStart(m),
                telemetryAtEnd(m),
                m.get("stdout"),
                m.get("stderr"),
                map(m, "custom_metadata"),
                strings(m, "tags"),
                extras(m, TASK_FIELDS));
    }

    private static WorkflowEvent workflow(Map<String, Object> m, boolean parsed) {
        return new WorkflowEvent(
                str(m, "workflow_id"),
                str(m, "campaign_id"),
                str(m, "name"),
                str(m, "parent_workflow_id"),
                str(m, "adapter_id"),
                str(m, "user"),
                str(m, "environment_id"),
                map(m, "machine_info"),
                m.get("code_repository"),
                refs(m, "used", parsed),
                refs(m, "generated", parsed),
                map(m, "custom_metadata"),
                time(m, "started_at"),
                time(m, "ended_at"),
                status(m),
                extras(m, WORKFLOW_FIELDS));
    }

    private static ObserverEvent observer(Map<String, Object> m) {
        return new ObserverEvent(
                str(m, "observer_id"),
                time(m, "at"),
                str(m, "name"),
                str(m, "kind"),
                str(m, "state"),
                str(m, "hostname"),
                str(m, "version"),
                integer(m, "pid"),
                str(m, "campaign_id"),
                time(m, "started_at"),
                number(m, "interval"),
                time(m, "last_poll_at"),
                str(m, "last_error"),
                time(m, "last_error_at"),
                map(m, "counters"),
                map(m, "custom_metadata"),
                extras(m, OBSERVER_FIELDS));
    }

    private static Long integer(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) return null;
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw new InvalidEventException("\"" + field + "\" must be an integer, got " + kind(v));
    }

    private static Double number(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        throw new InvalidEventException("\"" + field + "\" must be a number, got " + kind(v));
    }

    private static String str(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null || v instanceof String) return (String) v;
        throw new InvalidEventException("\"" + field + "\" must be a string, got " + kind(v));
    }

    private static Status status(Map<String, Object> m) {
        String s = str(m, "status");
        if (s == null) return null;
        Status st = Status.parse(s);
        if (st == null)
            throw new InvalidEventException("unknown \"status\": \"" + abbreviate(s)
                    + "\" (expected one of SUBMITTED, WAITING, RUNNING, FINISHED, ERROR, UNKNOWN)");
        return st;
    }

    private static Double time(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                OffsetDateTime t = OffsetDateTime.parse(s);
                return t.toEpochSecond() + t.getNano() / 1e9;
            } catch (DateTimeParseException e) {
                throw new InvalidEventException("\"" + field
                        + "\" must be epoch seconds or an ISO-8601 time with offset, got \"" + abbreviate(s) + "\"");
            }
        }
        throw new InvalidEventException("\"" + field + "\" must be a number (epoch seconds), got " + kind(v));
    }

    @SuppressWarnings("unchecked")
    /** {@code used} or {@code generated}: an object, adopted by the event when {@code parsed}. */
    private static Map<String, Object> refs(Map<String, Object> m, String field, boolean parsed) {
        Map<String, Object> v = map(m, field);
        return parsed ? FrozenMaps.adopt(v) : v;
    }

    private static Map<String, Object> map(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null || v instanceof Map) return (Map<String, Object>) v;
        throw new InvalidEventException("\"" + field + "\" must be an object, got " + kind(v));
    }

    /**
     * {@code telemetry_at_start}: an object. A {@code "=[k]"} marker reaching here was not resolved in an
     * array entry (a single-event entry, or an event decoded alone): refused with that reason.
     */
    private static Map<String, Object> telemetryAtStart(Map<String, Object> m) {
        if (m.get("telemetry_at_start") instanceof String s && sharedTelemetryIndex(s) >= 0)
            throw new InvalidEventException("\"telemetry_at_start\" is \"" + s + "\", the snapshot of element "
                    + sharedTelemetryIndex(s) + " of the same array entry, but this event is not in an array entry;"
                    + " send the snapshot itself");
        return map(m, "telemetry_at_start");
    }

    /** {@code telemetry_at_end}: an object, or {@link #TELEMETRY_SAME_AS_START} read as the start's map. */
    private static Map<String, Object> telemetryAtEnd(Map<String, Object> m) {
        Object v = m.get("telemetry_at_end");
        if (!(v instanceof String s)) return map(m, "telemetry_at_end");
        if (!TELEMETRY_SAME_AS_START.equals(s))
            throw new InvalidEventException("\"telemetry_at_end\" must be an object or \"" + TELEMETRY_SAME_AS_START
                    + "\", got the string \"" + abbreviate(s) + "\"");
        Map<String, Object> start = map(m, "telemetry_at_start");
        if (start == null || start.isEmpty())
            throw new InvalidEventException("\"telemetry_at_end\" is \"" + TELEMETRY_SAME_AS_START
                    + "\" but the event has no \"telemetry_at_start\" object; send the end telemetry itself");
        return start;
    }

    private static List<String> strings(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) return null;
        if (!(v instanceof List<?> list))
            throw new InvalidEventException("\"" + field + "\" must be an array of strings, got " + kind(v));
        var out = new ArrayList<String>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s))
                throw new InvalidEventException("\"" + field + "\" must hold strings only, got " + kind(o));
            out.add(s);
        }
        return out;
    }

    private static Map<String, Object> extras(Map<String, Object> m, Set<String> known) {
        Map<String, Object> extras = null;
        for (var e : m.entrySet()) {
            if (known.contains(e.getKey())) continue;
            if (extras == null) extras = new LinkedHashMap<>();
            extras.put(e.getKey(), e.getValue());
        }
        return extras;
    }

    /** How a JSON value is named in a reason: {@code "a string"}, {@code "an array"}, {@code "null"}, … */
    public static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return "a string";
        if (v instanceof Number) return "a number";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof List) return "an array";
        if (v instanceof Map) return "an object";
        return v.getClass().getSimpleName();
    }

    /** {@code s} cut to 80 characters (with {@code ...}) for quoting in a reason. */
    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String firstLine(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        if (msg == null) msg = e.getMessage();
        var loc = e.getLocation();
        String where = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
        int nl = msg.indexOf('\n');
        return (nl > 0 ? msg.substring(0, nl) : msg) + where;
    }
}

package org.mida.observers.flowcept;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EventCodec;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ExtensionValue;
import org.msgpack.value.ValueType;

/**
 * Decodes the payload of a Flowcept pub/sub message into plain Java values (maps, lists, strings,
 * longs, doubles, booleans, null).
 *
 * <p>Flowcept's Redis MQ DAO ({@code flowcept/commons/daos/mq_dao/mq_dao_redis.py}) publishes each
 * buffered message separately as {@code msgpack.dumps(message)}: one msgpack map per pub/sub message,
 * with Flowcept's field names and a {@code "type"} of {@code "task"}, {@code "workflow"}, {@code
 * "flowcept_control"}, {@code "agent"} or {@code "object"}. JSON payloads (an object or an array of
 * objects, e.g. from other publishers) are accepted too.
 */
public final class FlowceptMessages {

    /** How payloads are read. */
    public enum Format {
        /** JSON when the payload starts with {@code {} or {@code [}, otherwise msgpack. */
        AUTO,
        MSGPACK,
        JSON
    }

    /** Deeper nesting than this is refused (like the JSON codec's limit). */
    static final int MAX_DEPTH = EventCodec.MAX_NESTING_DEPTH;

    /** Python's json.dumps writes NaN and Infinity: accepted here, turned into strings. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build());

    private FlowceptMessages() {}

    /**
     * The messages in one payload: a map becomes a one-element list, an array its elements.
     *
     * @throws IllegalArgumentException when the payload is neither valid msgpack nor JSON
     */
    public static List<Object> decode(byte[] payload, Format format) {
        if (payload == null || payload.length == 0) throw new IllegalArgumentException("empty payload");
        boolean json = switch (format) {
            case JSON -> true;
            case MSGPACK -> false;
            case AUTO -> looksLikeJson(payload);
        };
        Object root = json ? json(payload) : msgpack(payload);
        return root instanceof List<?> list ? new ArrayList<>(list) : List.of(root);
    }

    static boolean looksLikeJson(byte[] b) {
        for (byte x : b) {
            if (x == ' ' || x == '\n' || x == '\r' || x == '\t') continue;
            return x == '{' || x == '[';
        }
        return false;
    }

    private static Object json(byte[] payload) {
        try {
            return sanitize(JSON.readValue(payload, Object.class), 0);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Object msgpack(byte[] payload) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
            Object first = read(u, 0);
            if (!u.hasNext()) return first;
            var all = new ArrayList<Object>();
            all.add(first);
            while (u.hasNext()) all.add(read(u, 0));
            return all;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not valid msgpack: " + e.getMessage(), e);
        }
    }

    private static Object read(MessageUnpacker u, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                if (f == MessageFormat.UINT64) {
                    BigInteger big = u.unpackBigInteger();
                    return big.bitLength() < 64 ? (Object) big.longValue() : big.toString();
                }
                return u.unpackLong();
            case FLOAT:
                return number(u.unpackDouble());
            case STRING:
                return u.unpackString();
            case BINARY: {
                byte[] b = u.readPayload(u.unpackBinaryHeader());
                return Base64.getEncoder().encodeToString(b);
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                var list = new ArrayList<Object>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) list.add(read(u, depth + 1));
                return list;
            }
            case MAP: {
                int n = u.unpackMapHeader();
                var map = new LinkedHashMap<String, Object>();
                for (int i = 0; i < n; i++) {
                    Object k = read(u, depth + 1);
                    map.put(String.valueOf(k), read(u, depth + 1));
                }
                return map;
            }
            case EXTENSION: {
                ExtensionValue ext = u.unpackValue().asExtensionValue();
                if (ext.isTimestampValue()) {
                    var ts = ext.asTimestampValue();
                    return ts.getEpochSecond() + ts.getNano() / 1e9;
                }
                return Map.of(
                        "msgpack_ext_type",
                        (long) ext.getType(),
                        "data",
                        Base64.getEncoder().encodeToString(ext.getData()));
            }
            default:
                throw new IllegalArgumentException("unsupported msgpack type " + t);
        }
    }

    /** JSON cannot carry NaN or infinities: they travel as strings. */
    private static Object number(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (d == Double.POSITIVE_INFINITY) return "Infinity";
        if (d == Double.NEGATIVE_INFINITY) return "-Infinity";
        return d;
    }

    private static Object sanitize(Object v, int depth) {
        if (v instanceof Double d) return number(d);
        if (v instanceof Float f) return number(f);
        if (v instanceof Map<?, ?> m) {
            var out = new LinkedHashMap<String, Object>();
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), sanitize(e.getValue(), depth + 1));
            return out;
        }
        if (v instanceof List<?> l) {
            var out = new ArrayList<Object>(l.size());
            for (Object o : l) out.add(sanitize(o, depth + 1));
            return out;
        }
        return v;
    }

    /** What a decoded message is, by Flowcept's own rules (its document inserter's). */
    public enum Kind {
        TASK,
        WORKFLOW,
        /** {@code flowcept_control}: Flowcept's consumers' bookkeeping; not provenance. */
        CONTROL,
        /** {@code agent}, {@code object}, or any other type MIDA has no node for. */
        OTHER,
        /** Not a map, or a map Flowcept could not type either. */
        INVALID
    }

    /**
     * Classifies a message like Flowcept's document inserter does: its {@code type}, or, when
     * absent, {@code task_id}/{@code activity_id} → task, {@code workflow_id} with {@code name} or
     * {@code environment_id} → workflow.
     */
    public static Kind kind(Object message) {
        if (!(message instanceof Map<?, ?> m)) return Kind.INVALID;
        Object type = m.get("type");
        if (type == null) {
            if (m.containsKey("task_id") || m.containsKey("activity_id")) return Kind.TASK;
            if (m.containsKey("workflow_id") && (m.containsKey("name") || m.containsKey("environment_id")))
                return Kind.WORKFLOW;
            return Kind.INVALID;
        }
        return switch (String.valueOf(type)) {
            case "task" -> Kind.TASK;
            case "workflow" -> Kind.WORKFLOW;
            case "flowcept_control" -> Kind.CONTROL;
            default -> Kind.OTHER;
        };
    }

    /** The type name for counting, {@code "?"} when absent. */
    static String typeName(Object message) {
        return message instanceof Map<?, ?> m && m.get("type") != null ? String.valueOf(m.get("type")) : "?";
    }
}

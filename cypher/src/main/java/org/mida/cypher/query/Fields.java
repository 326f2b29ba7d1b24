package org.mida.cypher.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Field names: of the query DSL, and of the properties the ingest flattens onto Task and Workflow nodes
 * (one rule for both, so a name the DSL accepts is exactly the property the ingest wrote). A field is a
 * top-level property ({@code ended_at}) or a dotted path into a flattened map ({@code used.optimizer.lr},
 * {@code telemetry_at_end.gpu.0.used}), stored as one property named exactly so.
 *
 * <p><b>Escaping.</b> A map key that holds a {@code .} or a {@code \} has them escaped with a backslash
 * ({@code \.} and {@code \\}), so that keys that would collide stay distinct: {@code {"a.b": 1, "a": {"b":
 * 2}}} under {@code used} becomes {@code used.a\.b} = 1 and {@code used.a.b} = 2 (in a JSON request body
 * the backslash is itself escaped: {@code "used.a\\.b"}). {@link #escape} is the rule; {@link #path}
 * joins escaped segments. A segment may hold any character but control characters; a name is at most
 * {@link #MAX_LENGTH} characters.
 *
 * <p>Names made only of letters, digits, {@code _}, {@code -} and unescaped dots are written into Cypher
 * backtick-quoted ({@code n.`used.lr`}), which the planner can use with indexes; any other name is never
 * written into Cypher text: it is read with a parameter ({@code n[$f0]}).
 */
public final class Fields {
    /** The longest field name accepted (the ingest does not flatten longer paths either). */
    public static final int MAX_LENGTH = 256;

    /**
     * The properties of a Task node that are not flattened map keys (fields of the wire format, and {@code
     * duration}); the ingest stores them on every task that has them, outside any bound. The node's own
     * bookkeeping starts with {@code _} ({@code _json}, {@code _unindexed}, {@code _unindexed_count}).
     */
    public static final Set<String> TASK_PROPERTIES = Set.of(
            "task_id",
            "workflow_id",
            "campaign_id",
            "activity_id",
            "status",
            "submitted_at",
            "started_at",
            "ended_at",
            "duration",
            "parent_task_id",
            "group_id",
            "subtype",
            "adapter_id",
            "hostname",
            "node_name",
            "login_name",
            "user",
            "tags",
            "dependencies",
            "stdout",
            "stderr",
            "type",
            "used",
            "generated",
            "telemetry_at_start",
            "telemetry_at_end",
            "custom_metadata");

    /** The properties of a Workflow node that are not flattened map keys, like {@link #TASK_PROPERTIES}. */
    public static final Set<String> WORKFLOW_PROPERTIES = Set.of(
            "workflow_id",
            "campaign_id",
            "name",
            "parent_workflow_id",
            "adapter_id",
            "user",
            "environment_id",
            "started_at",
            "ended_at",
            "status",
            "code_repository",
            "type",
            "used",
            "generated",
            "custom_metadata",
            "machine_info");

    private static final Pattern SIMPLE = Pattern.compile("[\\p{L}\\p{N}_-]+(\\.[\\p{L}\\p{N}_-]+)*");

    private Fields() {}

    /** Whether this is a field name: non-empty segments, escapes only {@code \.} and {@code \\}, no controls. */
    public static boolean valid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) return false;
        // the rule of segments(), without building them (the ingest asks for every key it flattens)
        int segment = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) return false;
            if (c == '\\') {
                if (i + 1 >= name.length()) return false;
                char n = name.charAt(++i);
                if (n != '.' && n != '\\') return false;
                segment++;
            } else if (c == '.') {
                if (segment == 0) return false;
                segment = 0;
            } else segment++;
        }
        return segment > 0;
    }

    /**
     * Whether the name can be written backtick-quoted into Cypher: letters, digits, {@code _}, {@code -}
     * and dots only (no backslash, backtick, blank or anything else).
     */
    public static boolean simple(String name) {
        return name != null
                && name.length() <= MAX_LENGTH
                && SIMPLE.matcher(name).matches();
    }

    /** A map key as one segment of a field name: {@code \} → {@code \\}, {@code .} → {@code \.}. */
    public static String escape(String key) {
        if (key.indexOf('.') < 0 && key.indexOf('\\') < 0) return key;
        var sb = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '\\') sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }

    /** {@code prefix + "." + escape(key)}. */
    public static String path(String prefix, String key) {
        return prefix + "." + escape(key);
    }

    /**
     * The unescaped segments of a name ({@code used.a\.b} → [used, a.b]), or null when it is not a valid
     * name (empty segment, a backslash not followed by {@code .} or {@code \}, a control character).
     */
    public static List<String> segments(String name) {
        var out = new ArrayList<String>();
        var seg = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) return null;
            if (c == '\\') {
                if (i + 1 >= name.length()) return null;
                char n = name.charAt(++i);
                if (n != '.' && n != '\\') return null;
                seg.append(n);
            } else if (c == '.') {
                if (seg.isEmpty()) return null;
                out.add(seg.toString());
                seg.setLength(0);
            } else seg.append(c);
        }
        if (seg.isEmpty()) return null;
        out.add(seg.toString());
        return out;
    }

    /** {@code n.`used.layers`}; only for names that are {@link #simple}. */
    static String property(String variable, String name) {
        if (!simple(name)) throw new IllegalArgumentException("not a simple field name");
        return variable + ".`" + name + "`";
    }
}

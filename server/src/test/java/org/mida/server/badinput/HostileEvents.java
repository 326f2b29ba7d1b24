package org.mida.server.badinput;

import static org.mida.server.badinput.JsonText.list;
import static org.mida.server.badinput.JsonText.map;
import static org.mida.server.badinput.JsonText.obj;
import static org.mida.server.badinput.JsonText.raw;
import static org.mida.server.badinput.JsonText.write;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A deterministic corpus of hostile events (issue 14, items 3 and 6), generated from a seed: malformed
 * JSON, wrong types for every field of the three event kinds, missing, blank and overlong ids, hostile
 * strings and keys, numbers and times at and past the wire format's edges, entity references with
 * hostile {@code @id}s, deep nesting, events naming another workflow for a task, and plain valid events.
 * Every event says what must become of it ({@link Expect}); valid ones carry their node's id, which
 * starts with {@code cx-<intake>-}, and no refused one names a node whose id starts otherwise than
 * {@code bx-} (so the graph can be checked for anything that should not be there).
 */
final class HostileEvents {

    /** What must become of an event. */
    enum Expect {
        /** lands in the graph exactly once */
        LAND,
        /** refused by the codec: a dead letter (stream), a 400 for its whole body (POST) */
        REFUSE,
        /** valid on the wire but refused by the ingest plan (another workflow): a dead letter either way */
        PLAN_REFUSE
    }

    /** One event: its JSON text, what must become of it, and for {@link Expect#LAND} the node it makes. */
    record Element(String json, Expect expect, String kind, String id) {}

    /**
     * Events sent together, in order: as elements of an array entry (the usual case), or, when {@code raw}
     * or {@code bytes} is set, as that entry text exactly (malformed JSON, a top-level value that is not
     * an array, bytes that are not UTF-8); its elements then say what must become of the entry.
     */
    record Unit(String cls, List<Element> elements, String raw, byte[] bytes) {
        boolean standalone() {
            return raw != null || bytes != null;
        }

        long count(Expect e) {
            return elements.stream().filter(x -> x.expect() == e).count();
        }
    }

    /** Strings that have broken parsers, query builders, HTML views and terminals. */
    static final List<String> HOSTILE = List.of(
            "' OR 1=1 //",
            "\") DETACH DELETE n //",
            "`) MATCH (n) DETACH DELETE n //",
            "x` SET n.pwned = true //",
            "$param",
            "{{7*7}}",
            "${jndi:ldap://127.0.0.1/a}",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "\"><svg onload=alert(1)>",
            "&lt;&amp;&#0;",
            "\u0000",
            "a\u0000b",
            "\u202eRTL\u202c override",
            "\u200b\u200c\u200d",
            "\ufeffbom",
            "\uffff\ufffe",
            "\ud83d\ude00 emoji",
            "e\u0301\u0301\u0301",
            "\\",
            "\\u0000",
            "\"",
            "'",
            "\n\r\t\u000b\f",
            "../../etc/passwd",
            "%00%2e%2e%2f",
            "NaN",
            "null",
            "[]",
            "{}",
            "#version=1",
            "#origin",
            ".",
            "..",
            "a.b",
            "a\\.b",
            "@id",
            "$regex",
            "~0~1/",
            "*",
            "?:",
            "CALL dbms.killQueries([])",
            "/* */ MATCH (n) RETURN n",
            "\u0085\u2028\u2029",
            "Ω≈ç√∫˜µ≤≥÷",
            "田中さんにあげて下さい",
            "ثم نفس سقطت",
            "ﷺ",
            "\ud800\udc00");

    /** Keys with dots, backticks, dollars, at-signs, escapes, control characters, reserved names. */
    static final List<String> HOSTILE_KEYS = List.of(
            "a.b",
            "a..b",
            ".",
            "..",
            "",
            "`",
            "``",
            "`x`",
            "$x",
            "$",
            "@x",
            "@id",
            "@type",
            "\\",
            "a\\.b",
            "\\.",
            "\u0000",
            "a\u0000b",
            "\n",
            "<script>",
            " ",
            "\ud83d\ude00",
            "\u202e",
            "x".repeat(300),
            "a/b",
            "~",
            "~1",
            "a.b.c.d",
            "used.x",
            "_json",
            "task_id",
            "__proto__",
            "constructor",
            "' OR 1=1 //");

    /** Top-level fields no event kind names (extras): some are names the nodes use themselves. */
    static final List<String> EXTRA_KEYS = List.of(
            "_json",
            "_unindexed",
            "_unindexed_count",
            "duration",
            "received_at",
            "id",
            "x.y",
            "`",
            "$where",
            "@id",
            "extra_num",
            "\u0000");

    private enum T {
        TYPE,
        ID,
        REQUIRED_ID,
        STR,
        STATUS,
        STATE,
        TIME,
        REQUIRED_TIME,
        MAP,
        STRINGS,
        IDS,
        ANY,
        INT,
        NUM,
        COUNTERS
    }

    private static final Map<String, T> TASK = fields(
            "type",
            T.TYPE,
            "task_id",
            T.REQUIRED_ID,
            "workflow_id",
            T.ID,
            "campaign_id",
            T.ID,
            "activity_id",
            T.STR,
            "status",
            T.STATUS,
            "submitted_at",
            T.TIME,
            "started_at",
            T.TIME,
            "ended_at",
            T.TIME,
            "used",
            T.MAP,
            "generated",
            T.MAP,
            "dependencies",
            T.IDS,
            "parent_task_id",
            T.ID,
            "group_id",
            T.STR,
            "subtype",
            T.STR,
            "adapter_id",
            T.STR,
            "hostname",
            T.STR,
            "node_name",
            T.STR,
            "login_name",
            T.STR,
            "user",
            T.STR,
            "telemetry_at_start",
            T.MAP,
            "telemetry_at_end",
            T.MAP,
            "stdout",
            T.ANY,
            "stderr",
            T.ANY,
            "custom_metadata",
            T.MAP,
            "tags",
            T.STRINGS);
    private static final Map<String, T> WORKFLOW = fields(
            "type",
            T.TYPE,
            "workflow_id",
            T.REQUIRED_ID,
            "campaign_id",
            T.ID,
            "name",
            T.STR,
            "parent_workflow_id",
            T.ID,
            "adapter_id",
            T.STR,
            "user",
            T.STR,
            "environment_id",
            T.STR,
            "machine_info",
            T.MAP,
            "code_repository",
            T.ANY,
            "used",
            T.MAP,
            "generated",
            T.MAP,
            "custom_metadata",
            T.MAP,
            "started_at",
            T.TIME,
            "ended_at",
            T.TIME,
            "status",
            T.STATUS);
    private static final Map<String, T> OBSERVER = fields(
            "type",
            T.TYPE,
            "observer_id",
            T.REQUIRED_ID,
            "at",
            T.REQUIRED_TIME,
            "name",
            T.STR,
            "kind",
            T.STR,
            "state",
            T.STATE,
            "hostname",
            T.STR,
            "version",
            T.STR,
            "pid",
            T.INT,
            "campaign_id",
            T.ID,
            "started_at",
            T.TIME,
            "interval",
            T.NUM,
            "last_poll_at",
            T.TIME,
            "last_error",
            T.STR,
            "last_error_at",
            T.TIME,
            "counters",
            T.COUNTERS,
            "custom_metadata",
            T.MAP);

    private static Map<String, T> fields(Object... kv) {
        var m = new LinkedHashMap<String, T>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (T) kv[i + 1]);
        return m;
    }

    private final Random rnd;
    private final String intake;
    private int n;

    /** @param intake a short tag put into every id ({@code s} for the stream, {@code p} for POST) */
    HostileEvents(long seed, String intake) {
        this.rnd = new Random(seed);
        this.intake = intake;
    }

    /** Units until they hold at least {@code minEvents} events. */
    List<Unit> units(int minEvents) {
        var out = new ArrayList<Unit>();
        int events = 0;
        while (events < minEvents) {
            Unit u = next();
            out.add(u);
            events += events(u);
        }
        return out;
    }

    /** The events a unit sends (elements without text are checks on what an event makes, not events). */
    static int events(Unit u) {
        if (u.standalone()) return u.elements().size();
        return (int) u.elements().stream().filter(e -> e.json() != null).count();
    }

    private Unit next() {
        int r = rnd.nextInt(100);
        if (r < 14) return valid();
        if (r < 40) return wrongType();
        if (r < 49) return ids();
        if (r < 58) return hostileStrings();
        if (r < 63) return hostileKeys();
        if (r < 72) return numbers();
        if (r < 80) return times();
        if (r < 88) return entityRefs();
        if (r < 94) return malformed();
        if (r < 96) return topLevel();
        if (r < 97) return nesting();
        if (r < 99) return conflict();
        return loneSurrogates();
    }

    // ---- ids and bases

    private String landId(String suffix) {
        return "cx-" + intake + "-" + (n++) + suffix;
    }

    private String refusedId() {
        return "bx-" + intake + "-" + (n++);
    }

    private Map<String, Object> task(String id) {
        return map(
                "type",
                "task",
                "task_id",
                id,
                "workflow_id",
                "wx-" + intake,
                "campaign_id",
                "corpus",
                "activity_id",
                "act",
                "status",
                "FINISHED",
                "started_at",
                1.7e9,
                "ended_at",
                1.7e9 + 5,
                "used",
                map("lr", 0.01),
                "generated",
                map("loss", 0.5),
                "custom_metadata",
                map("mark", id));
    }

    private Map<String, Object> workflow(String id) {
        return map("type", "workflow", "workflow_id", id, "campaign_id", "corpus", "name", "wf");
    }

    private Map<String, Object> observer(String id) {
        return map(
                "type",
                "observer",
                "observer_id",
                id,
                "at",
                1.7e9,
                "name",
                "corpus",
                "kind",
                "test",
                "state",
                "running",
                "interval",
                5,
                "counters",
                map("emitted", 1));
    }

    private Element land(String kind, String id, Object event) {
        return new Element(write(event), Expect.LAND, kind, id);
    }

    private Element refuse(Object event) {
        return new Element(write(event), Expect.REFUSE, null, null);
    }

    private Unit unit(String cls, Element... elements) {
        return new Unit(cls, List.of(elements), null, null);
    }

    private <X> X pick(List<X> xs) {
        return xs.get(rnd.nextInt(xs.size()));
    }

    private String hostile() {
        return pick(HOSTILE);
    }

    // ---- families

    private Unit valid() {
        String id;
        return switch (rnd.nextInt(6)) {
            case 0 -> unit("valid", land("workflow", id = landId(""), workflow(id)));
            case 1 -> unit("valid", land("observer", id = landId(""), observer(id)));
            default -> unit("valid", land("task", id = landId(""), task(id)));
        };
    }

    /** One field of one kind set to a value of the wrong kind (or null, or left out). */
    private Unit wrongType() {
        int k = rnd.nextInt(3);
        Map<String, T> fields = k == 0 ? TASK : k == 1 ? WORKFLOW : OBSERVER;
        String kind = k == 0 ? "task" : k == 1 ? "workflow" : "observer";
        String field = pick(new ArrayList<>(fields.keySet()));
        T t = fields.get(field);
        var values = new ArrayList<Object>();
        var lands = new ArrayList<Boolean>();
        wrongValues(t, kind, values, lands);
        int i = rnd.nextInt(values.size() + 1);
        boolean remove = i == values.size();
        boolean land = remove ? lands.get(values.indexOf(null)) : lands.get(i);
        String id = land ? landId("") : refusedId();
        var e = k == 0 ? task(id) : k == 1 ? workflow(id) : observer(id);
        if (remove) e.remove(field);
        else e.put(field, values.get(i));
        return unit("wrong_type", land ? land(kind, id, e) : refuse(e));
    }

    private static void wrongValues(T t, String kind, List<Object> values, List<Boolean> lands) {
        Supplier<Object> nan = () -> raw("NaN");
        switch (t) {
            case TYPE -> add(values, lands, false, 42, true, list(), map(), "TASKS", "", "Task", "task\u0000");
            case ID, REQUIRED_ID, STR ->
                add(values, lands, false, 42, true, list(), map(), list("a"), 1.5, nan.get(), raw("-0.0"));
            case STATUS -> add(values, lands, false, "DONE", "", 1, true, list(), map(), "FINI SHED");
            case STATE -> add(values, lands, false, "sleeping", "", 1, list());
            case TIME, REQUIRED_TIME ->
                add(
                        values,
                        lands,
                        false,
                        true,
                        list(),
                        map(),
                        "yesterday",
                        "2024-01-01T00:00:00",
                        "",
                        nan.get(),
                        -1,
                        raw("Infinity"),
                        raw("-Infinity"));
            case MAP -> add(values, lands, false, "x", 1, true, list(), list(map()));
            case STRINGS -> add(values, lands, false, "x", 1, map(), list(1), list((Object) null), list(list("a")));
            case IDS -> add(values, lands, false, "x", 1, map(), list(1), list(""), list(" "), list("x".repeat(1025)));
            case ANY -> add(values, lands, true, 1, true, list(1, "a"), map("a", map("b", 1)), "text", list());
            case INT -> add(values, lands, false, 1.5, "1", true, -1, list());
            case NUM -> add(values, lands, false, "1", true, 0, -1, nan.get(), raw("Infinity"));
            case COUNTERS ->
                add(
                        values,
                        lands,
                        false,
                        "x",
                        map("x", -1),
                        map("x", 1.5),
                        map("x", "1"),
                        map("x", true),
                        map("x", (Object) null));
        }
        // null (and a missing field): fine unless the field is required; a null type is inferred from the ids
        boolean nullLands = t != T.REQUIRED_ID && t != T.REQUIRED_TIME && !(t == T.TYPE && kind.equals("observer"));
        values.add(null);
        lands.add(nullLands);
    }

    private static void add(List<Object> values, List<Boolean> lands, boolean land, Object... vs) {
        for (Object v : vs) {
            values.add(v);
            lands.add(land);
        }
    }

    /** Missing, blank and overlong ids, and ids exactly at the bound. */
    private Unit ids() {
        String f = pick(List.of("task_id", "workflow_id", "campaign_id", "parent_task_id", "observer_id", "deps"));
        int v = rnd.nextInt(8);
        if (v < 4) { // blank: refused
            String blank = pick(List.of("", " ", "\t\n", "\u2003\u3000"));
            return unit("ids", refuse(withId(f, blank)));
        }
        if (v == 4) return unit("ids", refuse(withId(f, "x".repeat(1025))));
        if (v == 5) return unit("ids", refuse(withId(f, "y".repeat(100_000))));
        if (v == 6) { // missing
            return unit(
                    "ids",
                    refuse(pick(List.of(
                            map("type", "task"),
                            map(),
                            map("type", "workflow", "name", "x"),
                            map("type", "observer", "at", 1.7e9),
                            map("type", "task", "workflow_id", refusedId())))));
        }
        // exactly 1024 characters (emoji count two): lands
        String id = landId("-");
        String full = pad(id, 1024);
        return switch (f) {
            case "observer_id" -> unit("ids", land("observer", full, observer(full)));
            case "workflow_id" -> unit("ids", land("workflow", full, workflow(full)));
            default -> unit("ids", land("task", full, task(full)));
        };
    }

    private String pad(String prefix, int length) {
        var sb = new StringBuilder(prefix);
        boolean emoji = rnd.nextBoolean();
        while (sb.length() < length) {
            if (emoji && length - sb.length() >= 2) sb.append("\ud83d\ude00");
            else sb.append('x');
        }
        return sb.toString();
    }

    private Map<String, Object> withId(String field, String value) {
        String id = refusedId();
        return switch (field) {
            case "observer_id" -> {
                var o = observer(id);
                o.put("observer_id", value);
                yield o;
            }
            case "deps" -> {
                var t = task(id);
                t.put("dependencies", list("bx-dep-" + n, value));
                yield t;
            }
            default -> {
                var t = task(id);
                t.put(field, value);
                yield t;
            }
        };
    }

    /** Hostile strings as ids, names, values, tags and text: all valid, all must land as sent. */
    private Unit hostileStrings() {
        String h = hostile();
        int v = rnd.nextInt(5);
        if (v == 0) {
            String id = landId("-" + h);
            var w = workflow(id);
            w.put("name", hostile());
            w.put("custom_metadata", map("note", hostile()));
            return unit("hostile_strings", land("workflow", id, w));
        }
        if (v == 1) {
            String id = landId("-" + h);
            var o = observer(id);
            o.put("last_error", hostile());
            o.put("hostname", hostile());
            return unit("hostile_strings", land("observer", id, o));
        }
        String id = landId("-" + h);
        var t = task(id);
        t.put("activity_id", hostile());
        t.put("workflow_id", "wx-" + intake + "-" + hostile());
        if (rnd.nextBoolean()) t.put("campaign_id", "cc-" + hostile());
        t.put("hostname", hostile());
        t.put("user", hostile());
        t.put("stdout", hostile());
        t.put("stderr", hostile() + "\n" + hostile());
        t.put("tags", list(hostile(), hostile()));
        t.put("used", map("x", hostile(), "y", list(hostile(), hostile())));
        t.put("custom_metadata", map("mark", id, "note", hostile()));
        return unit("hostile_strings", land("task", id, t));
    }

    /** Keys with dots, backticks, {@code $}, {@code @}, escapes; extras named like the nodes' own properties. */
    private String notRef() {
        String k;
        do k = pick(HOSTILE_KEYS);
        while (k.startsWith("@"));
        return k;
    }

    private Unit hostileKeys() {
        String id = landId("");
        var t = task(id);
        String where = pick(List.of("used", "generated", "custom_metadata", "telemetry_at_end", "stdout"));
        var m = map();
        for (int i = 0, k = 1 + rnd.nextInt(5); i < k; i++) m.put(pick(HOSTILE_KEYS), rnd.nextInt(1000));
        // nested maps with hostile keys (an "@id" there would make the map an entity reference)
        m.put(pick(HOSTILE_KEYS), map(notRef(), map(notRef(), hostile())));
        t.put(where, m);
        for (int i = 0, k = rnd.nextInt(3); i < k; i++) t.put(pick(EXTRA_KEYS), pick(List.of(1, "x", map("a", 1))));
        if (rnd.nextInt(4) == 0) { // a workflow with hostile keys in its maps and code_repository
            String wid = landId("");
            var w = workflow(wid);
            w.put(pick(List.of("machine_info", "code_repository", "custom_metadata")), m);
            return unit("hostile_keys", land("workflow", wid, w));
        }
        return unit("hostile_keys", land("task", id, t));
    }

    private static final List<String> LAND_NUMBERS = List.of(
            "NaN",
            "Infinity",
            "-Infinity",
            "-0.0",
            "-0",
            "0",
            "1e308",
            "-1e308",
            "4.9e-324",
            "1e-400",
            "9223372036854775807",
            "-9223372036854775808",
            "1.7976931348623157e308",
            "123456789.123456789123456789123456789",
            "1E5",
            "1e+5",
            "0.0000000000000000000000001");
    private static final List<String> REFUSED_NUMBERS = List.of(
            "1e400",
            "-1e400",
            "1E+999",
            "1e309",
            "2e308",
            "9223372036854775808",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890");

    /** Numbers at and past the edges of a double and a 64-bit integer, anywhere in an event's maps. */
    private Unit numbers() {
        boolean ok = rnd.nextInt(5) < 3;
        String num = ok ? pick(LAND_NUMBERS) : pick(REFUSED_NUMBERS);
        String id = ok ? landId("") : refusedId();
        var t = task(id);
        switch (rnd.nextInt(6)) {
            case 0 -> t.put("used", map("x", raw(num)));
            case 1 -> t.put("generated", map("loss", raw(num), "list", list(1, raw(num))));
            case 2 -> t.put("custom_metadata", map("mark", id, "a", map("b", list(map("c", raw(num))))));
            case 3 -> t.put("telemetry_at_end", map("cpu", map("percent", raw(num))));
            case 4 -> t.put("extra_num", raw(num));
            default -> t.put("stdout", raw(num));
        }
        if (!ok || rnd.nextInt(3) > 0) return unit("numbers", ok ? land("task", id, t) : refuse(t));
        // an observer counter instead:: non-negative integers of 64 bits ("-0" is the integer 0)
        boolean counterOk = num.equals("-0") || num.matches("\\d+") && new java.math.BigInteger(num).bitLength() < 64;
        String oid = counterOk ? landId("") : refusedId();
        var o = observer(oid);
        o.put("counters", map("emitted", raw(num)));
        return unit("numbers", counterOk ? land("observer", oid, o) : refuse(o));
    }

    /** Times: negative, NaN, infinite, the year 10000, ended before started, ISO forms. */
    private Unit times() {
        String id;
        int v = rnd.nextInt(14);
        String field = pick(List.of("submitted_at", "started_at", "ended_at"));
        return switch (v) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> {
                Object bad = pick(List.of(
                        -1,
                        -1.7e9,
                        raw("NaN"),
                        raw("Infinity"),
                        raw("-Infinity"),
                        253402300800L,
                        1e12,
                        raw("1e400"),
                        raw("18446744073709551616"),
                        "+10000-01-01T00:00:00Z",
                        "-0001-01-01T00:00:00Z",
                        "2024-13-01T00:00:00Z",
                        "2024-01-01T00:00:00",
                        "2024-01-01"));
                var t = task(refusedId());
                t.remove("started_at");
                t.remove("ended_at");
                t.put(field, bad);
                yield unit("times", refuse(t));
            }
            case 8 -> { // ended before started, in one event
                var t = task(refusedId());
                t.put("started_at", 1.7e9 + 10);
                t.put("ended_at", pick(List.of(1.7e9, "2000-01-01T00:00:00Z")));
                yield unit("times", refuse(t));
            }
            case 9 -> { // an observer's times
                var o = observer(refusedId());
                o.put(
                        pick(List.of("at", "started_at", "last_poll_at", "last_error_at")),
                        pick(List.of(-5, 253402300800L)));
                yield unit("times", refuse(o));
            }
            case 10 -> { // a workflow's
                var w = workflow(refusedId());
                w.put(pick(List.of("started_at", "ended_at")), pick(List.of(-5, raw("NaN"), "noon")));
                yield unit("times", refuse(w));
            }
            default -> { // the edges that are fine
                var t = task(id = landId(""));
                t.remove("started_at");
                t.remove("ended_at");
                t.put(
                        field,
                        pick(List.of(
                                0,
                                253402300799L,
                                "2024-01-01T00:00:00Z",
                                "2024-01-01T00:00:00.123456789+05:30",
                                "9999-12-31T23:59:59Z",
                                "1970-01-01T00:00:00Z")));
                yield unit("times", land("task", id, t));
            }
        };
    }

    /** Entity references: hostile {@code @id}s that must land, and broken references that must be refused. */
    private Unit entityRefs() {
        String where = pick(List.of("used", "generated"));
        boolean ok = rnd.nextInt(2) == 0;
        if (ok) {
            String id = landId("");
            String eid =
                    landId("-" + pick(List.of(hostile(), "#version=1", "#origin", "x#version=2#origin", hostile())));
            if (rnd.nextInt(6) == 0) eid = eid + "x".repeat(4096 - eid.length()); // at the bound: 4,096
            var ref = map("@id", eid, "@type", pick(List.of("dataset", hostile())));
            String attr = pick(HOSTILE_KEYS);
            // no "@" (the reference's own), no empty name and no NUL (refused: below)
            if (!attr.startsWith("@") && !attr.isEmpty() && attr.indexOf(0) < 0) ref.put(attr, hostile());
            ref.put(pick(List.of("id", "type", "_json", "@version")), "attr");
            var t = task(id);
            t.put(where, rnd.nextBoolean() ? map("data", ref) : map("data", list(ref, 1, "x")));
            // the entity lands too: checked by its id
            return unit("entity_refs", land("task", id, t), new Element(null, Expect.LAND, "entity", eid));
        }
        Object bad = pick(List.of(
                map("@id", ""),
                map("@id", " "),
                map("@id", 42),
                map("@id", (Object) null),
                map("@id", list("bx-e")),
                map("@id", map("a", 1)),
                map("@id", "bx-e-" + n, "@type", 5),
                map("@id", "bx-e-" + n, "@type", list()),
                map("@id", "bx-" + "e".repeat(4097)),
                // 4,096 characters but 16 KB in UTF-8: more than the graph's index takes
                map("@id", "bx-" + "\ud83d\ude00".repeat(2046) + "x"),
                // attribute names the graph cannot hold as property names
                map("@id", "bx-e-" + n, "", 1),
                map("@id", "bx-e-" + n, "a\u0000b", 1)));
        var t = task(refusedId());
        t.put(where, rnd.nextBoolean() ? map("data", bad) : map("data", list(map("@id", "bx-ok-" + n), bad)));
        return unit("entity_refs", refuse(t));
    }

    /** Entries that are not JSON, or not an event: whole-entry dead letters (one each). */
    private Unit malformed() {
        String id = refusedId();
        String good = write(task(id));
        int v = rnd.nextInt(16);
        String text = switch (v) {
            case 0, 1, 2 -> good.substring(0, 1 + rnd.nextInt(good.length() - 1)); // truncated
            case 3 -> "[" + good + "," + good.substring(0, good.length() / 2);
            case 4 -> good + pick(List.of(" x", "}", "]", ",{}", " {\"type\":\"task\",\"task_id\":\"bx-t\"}"));
            case 5 -> "[" + good + "] [" + write(task(refusedId())) + "]"; // two arrays in one entry
            case 6 -> good.replace("\"type\"", "'type'");
            case 7 -> good.replace("\"type\"", "type");
            case 8 -> "/* c */ " + good;
            case 9 -> good.replace("\"act\"", "\"a\tb\""); // a raw control character
            case 10 -> good.replace("\"act\"", "\"\\x41\"");
            case 11 -> good.replace("\"act\"", "\"\\u12\"");
            case 12 ->
                good.replace("0.01", pick(List.of("01", ".5", "1.", "+1", "0x10", "1e", "-", "NaNx", "Infinityy")));
            case 13 -> pick(List.of("", " ", "\n", "\u0000", "nul", "tru", "{", "[", "]", "}", "\""));
            case 14 -> good.replace("{", "{,");
            default -> good.replace("\"FINISHED\"", "\"FINISHED\" \"RUNNING\"");
        };
        return new Unit("malformed_json", List.of(new Element(null, Expect.REFUSE, null, null)), text, null);
    }

    /** Top-level values that are not events: alone as an entry, or as elements of an array. */
    private Unit topLevel() {
        Object v = pick(List.of(42, "task", true, raw("null"), list(), list(map()), raw("NaN"), map()));
        if (rnd.nextBoolean()) return unit("top_level_type", refuse(v));
        String text = pick(List.of("42", "\"task\"", "true", "null", "[]", "[[]]", "{}", "-0", "1e400"));
        return new Unit("top_level_type", List.of(new Element(null, Expect.REFUSE, null, null)), text, null);
    }

    /** Nesting: deep but within the limit lands; past it the entry is not JSON and is one dead letter. */
    private Unit nesting() {
        int v = rnd.nextInt(4);
        if (v == 0) {
            String id = landId("");
            var t = task(id);
            Object deep = "bottom";
            for (int i = 0; i < 150; i++) deep = rnd.nextBoolean() ? map("a", deep) : list(deep);
            t.put("custom_metadata", map("mark", id, "deep", deep));
            return unit("nesting", land("task", id, t));
        }
        if (v == 1 && rnd.nextBoolean()) { // past the limit, as one element of an array: refused alone
            String a = landId(""), b = landId("");
            var t = task(refusedId());
            Object deep = 1;
            for (int i = 0; i < 250; i++) deep = list(deep);
            t.put("used", map("x", deep));
            return unit("nesting", land("task", a, task(a)), refuse(t), land("task", b, task(b)));
        }
        int depth = pick(List.of(250, 1_000, 100_000));
        String open = v == 1 ? "[" : "{\"a\":";
        String close = v == 1 ? "]" : "}";
        String deep = open.repeat(depth) + "1" + close.repeat(depth);
        String text = "{\"type\":\"task\",\"task_id\":\"" + refusedId() + "\",\"used\":{\"x\":" + deep + "}}";
        if (v == 3) text = "[" + open.repeat(depth); // and unterminated
        return new Unit("nesting", List.of(new Element(null, Expect.REFUSE, null, null)), text, null);
    }

    /**
     * A task in one workflow, then an event for it naming another (refused by the plan), then one naming
     * none (merged).
     */
    private Unit conflict() {
        String id = landId("-conflict");
        String wa = "wx-" + intake + "-a-" + n, wb = "wx-" + intake + "-b-" + n;
        var first = task(id);
        first.put("workflow_id", wa);
        first.put("status", "RUNNING");
        var other = task(id);
        other.put("workflow_id", wb);
        other.put("custom_metadata", map("from_b", true));
        var none = task(id);
        none.remove("workflow_id");
        return unit(
                "workflow_conflict",
                land("task", id, first),
                new Element(write(other), Expect.PLAN_REFUSE, "task", id),
                land("task", id, none));
    }

    /** Lone surrogates (not Unicode): in ids, values and keys. */
    private Unit loneSurrogates() {
        String s = pick(List.of("\ud800", "\udbff", "\udc00", "\udfff", "a\ud800b", "\udc00\ud800"));
        if (rnd.nextInt(3) == 0) { // in a key: the parser refuses the event (alone: its neighbours land)
            var t = task(refusedId());
            t.put("used", map(s, 1));
            String id = landId("-ls");
            return unit("lone_surrogates", refuse(t), land("task", id, task(id)));
        }
        String id = landId("-ls");
        var t = task(id);
        if (rnd.nextBoolean()) t.put("activity_id", s);
        else t.put("custom_metadata", map("mark", id, "v", s));
        return unit("lone_surrogates", land("task", id, t));
    }

    // ---- fixed units, added once per intake

    /** Very large strings: 1 MB values (kept) and 1 MB ids (refused), a few of each. */
    List<Unit> large() {
        var out = new ArrayList<Unit>();
        String mb = "m".repeat(1 << 20);
        String id = landId("-large");
        var t = task(id);
        t.put("custom_metadata", map("mark", id, "big", mb));
        t.put("stdout", mb);
        t.put("stderr", "E".repeat(1 << 20));
        out.add(unit("large_strings", land("task", id, t)));
        String wid = landId("-large");
        var w = workflow(wid);
        w.put("name", "n".repeat(1 << 20));
        out.add(unit("large_strings", land("workflow", wid, w)));
        var bigActivity = task(refusedId());
        bigActivity.put("activity_id", "a".repeat(1 << 20));
        out.add(unit("large_strings", refuse(bigActivity)));
        var activity1024 = task(id = landId("-large"));
        activity1024.put("activity_id", "\u7530".repeat(1024)); // 1,024 characters, 3 KB: at the bound
        out.add(unit("large_strings", land("task", id, activity1024)));
        var big = task(refusedId());
        big.put("task_id", "i".repeat(1 << 20));
        out.add(unit("large_strings", refuse(big)));
        var bigCampaign = task(refusedId());
        bigCampaign.put("campaign_id", "c".repeat(1 << 20));
        out.add(unit("large_strings", refuse(bigCampaign)));
        // a key past the parser's bound on names (50,000 characters) is refused alone; a long one is kept
        var bigKey = task(refusedId());
        bigKey.put("used", map("k".repeat(1 << 20), 1));
        out.add(unit("large_strings", refuse(bigKey), land("task", id = landId("-large"), task(id))));
        var longKey = task(id = landId("-large"));
        longKey.put("used", map("k".repeat(10_000), 1));
        out.add(unit("large_strings", land("task", id, longKey)));
        return out;
    }

    /** Entries of bytes that are not UTF-8: inside a string (read as U+FFFD, kept) and outside one (refused). */
    List<Unit> notUtf8() {
        var out = new ArrayList<Unit>();
        String id = landId("-utf8");
        String inside = write(task(id)).replace("\"act\"", "\"aQQb\"");
        out.add(new Unit("not_utf8", List.of(land("task", id, null)), null, replace(inside, "QQ", 0xff, 0xfe)));
        String bad = write(task(refusedId()));
        out.add(new Unit(
                "not_utf8",
                List.of(new Element(null, Expect.REFUSE, null, null)),
                null,
                replace(
                        bad,
                        ",\"workflow_id\"",
                        0xc3,
                        0x28,
                        ',',
                        '"',
                        'w',
                        'o',
                        'r',
                        'k',
                        'f',
                        'l',
                        'o',
                        'w',
                        '_',
                        'i',
                        'd',
                        '"')));
        return out;
    }

    private static byte[] replace(String text, String what, int... bytes) {
        int at = text.indexOf(what);
        byte[] head = text.substring(0, at).getBytes(StandardCharsets.UTF_8);
        byte[] tail = text.substring(at + what.length()).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + bytes.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int i = 0; i < bytes.length; i++) out[head.length + i] = (byte) bytes[i];
        System.arraycopy(tail, 0, out, head.length + bytes.length, tail.length);
        return out;
    }

    /** A huge batch: {@code count} small valid events in one entry. */
    Unit hugeValid(int count) {
        var els = new ArrayList<Element>(count);
        for (int i = 0; i < count; i++) {
            String id = landId("-huge");
            els.add(land("task", id, map("type", "task", "task_id", id, "campaign_id", "corpus", "status", "RUNNING")));
        }
        return new Unit("huge_batch", els, null, null);
    }

    /** A huge batch of refused events. */
    Unit hugeRefused(int count) {
        var els = new ArrayList<Element>(count + 1);
        for (int i = 0; i < count; i++)
            els.add(refuse(map("type", "task", "task_id", refusedId(), "status", pick(List.of("NOPE", "", "42")))));
        return new Unit("huge_batch", els, null, null);
    }

    /**
     * A BOM before an otherwise valid entry: refused whole with the parser's reason (RFC 8259 lets a parser
     * refuse it; observers never write one).
     */
    Unit bom() {
        String id = refusedId();
        return new Unit(
                "malformed_json",
                List.of(new Element(null, Expect.REFUSE, null, null)),
                "\ufeff[" + write(task(id)) + "]",
                null);
    }

    /** Duplicate keys: the last one wins (as in Python and JavaScript); the first id never lands. */
    Unit duplicateKeys() {
        String first = refusedId();
        String last = landId("-dup");
        var o = obj("type", "task", "task_id", first, "status", "RUNNING", "task_id", last, "status", "FINISHED");
        return unit("duplicate_keys", new Element(write(o), Expect.LAND, "task", last));
    }

    /** An element JSON of {@code null} means "no text": the unit's raw entry carries it. */
    static String entryText(Unit u) {
        if (u.raw() != null) return u.raw();
        var sb = new StringBuilder("[");
        boolean first = true;
        for (Element e : u.elements()) {
            if (e.json() == null) continue;
            if (!first) sb.append(',');
            first = false;
            sb.append(e.json());
        }
        return sb.append(']').toString();
    }
}

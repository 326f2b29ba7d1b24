package org.mida.server.openlineage;

import static org.mida.event.EventCodec.abbreviate;
import static org.mida.event.EventCodec.kind;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.mida.server.http.JsonPointers;

/**
 * A hand-written check of an event against the OpenLineage 2-0-2 JSON schema
 * ({@code https://openlineage.io/spec/2-0-2/OpenLineage.json}): the root is {@code oneOf} RunEvent,
 * DatasetEvent, JobEvent, and every rule of those definitions is checked here — required fields, types,
 * the {@code eventType} enum, the formats {@code date-time} (RFC 3339), {@code uri} (absolute) and
 * {@code uuid}, facets as objects carrying {@code _producer} and {@code _schemaURL} (BaseFacet),
 * {@code _deleted} a boolean on job and dataset facets, DatasetEvent without both {@code job} and
 * {@code run}, JobEvent without {@code run}. Unknown fields are allowed, as in the schema. A test
 * compares the verdicts with a general JSON-schema validator run on the schema file itself.
 *
 * <p>Each problem comes with the JSON pointer of the offending value ({@link JsonPointers}), so a producer
 * can find it.
 */
final class OpenLineageSchema {

    /** Which of the three event definitions a document is. */
    enum Kind {
        RUN("RunEvent"),
        DATASET("DatasetEvent"),
        JOB("JobEvent");

        final String definition;

        Kind(String definition) {
            this.definition = definition;
        }
    }

    /** One violation: where (a JSON pointer) and what. */
    record Problem(String pointer, String detail) {}

    /** The definition the document matches (null when it matches none or several), and the problems. */
    record Verdict(Kind kind, List<Problem> problems) {
        boolean valid() {
            return kind != null && problems.isEmpty();
        }
    }

    static final Set<String> EVENT_TYPES = Set.of("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER");

    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern DATE_TIME =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");

    private OpenLineageSchema() {}

    /**
     * Checks one document. {@code base} is the pointer of the document inside the request body ("" for
     * a single event, "/3" for the fourth element of an array).
     */
    static Verdict check(Object doc, String base) {
        if (!(doc instanceof Map<?, ?> m))
            return new Verdict(
                    null, List.of(new Problem(base, "an OpenLineage event must be a JSON object, got " + kind(doc))));
        var run = new ArrayList<Problem>();
        var dataset = new ArrayList<Problem>();
        var job = new ArrayList<Problem>();
        runEvent(m, base, run);
        datasetEvent(m, base, dataset);
        jobEvent(m, base, job);
        var valid = new ArrayList<Kind>();
        if (run.isEmpty()) valid.add(Kind.RUN);
        if (dataset.isEmpty()) valid.add(Kind.DATASET);
        if (job.isEmpty()) valid.add(Kind.JOB);
        if (valid.size() == 1) return new Verdict(valid.get(0), List.of());
        if (valid.size() > 1)
            return new Verdict(
                    null,
                    List.of(new Problem(
                            base,
                            "the event matches more than one of RunEvent, DatasetEvent and JobEvent (oneOf): "
                                    + "send \"run\" and \"job\" for a RunEvent, \"dataset\" alone for a DatasetEvent, "
                                    + "\"job\" without \"run\" for a JobEvent")));
        // none matches: report against the definition the sender most likely meant
        if (m.containsKey("run")) return new Verdict(null, cap(run));
        if (m.containsKey("dataset")) return new Verdict(null, cap(dataset));
        if (m.containsKey("job")) return new Verdict(null, cap(job));
        var out = new ArrayList<Problem>();
        out.add(new Problem(
                base,
                "not an OpenLineage event: a RunEvent has \"run\" and \"job\", a DatasetEvent \"dataset\", "
                        + "a JobEvent \"job\""));
        baseEvent(m, base, out);
        return new Verdict(null, cap(out));
    }

    private static List<Problem> cap(List<Problem> p) {
        return p.size() <= 50 ? List.copyOf(p) : List.copyOf(p.subList(0, 50));
    }

    // --- the definitions ---

    private static void baseEvent(Map<?, ?> m, String p, List<Problem> out) {
        required(m, p, out, "eventTime", "producer", "schemaURL");
        dateTime(m, "eventTime", p, out);
        uri(m, "producer", p, out);
        uri(m, "schemaURL", p, out);
    }

    private static void runEvent(Map<?, ?> m, String p, List<Problem> out) {
        baseEvent(m, p, out);
        required(m, p, out, "run", "job");
        Object type = m.get("eventType");
        if (type != null) {
            if (!(type instanceof String s))
                out.add(new Problem(JsonPointers.append(p, "eventType"), "must be a string, got " + kind(type)));
            else if (!EVENT_TYPES.contains(s))
                out.add(new Problem(
                        JsonPointers.append(p, "eventType"),
                        "\"" + abbreviate(s) + "\" is not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER"));
        } else if (m.containsKey("eventType")) {
            out.add(new Problem(JsonPointers.append(p, "eventType"), "must be a string, got null"));
        }
        if (m.containsKey("run")) run(m.get("run"), JsonPointers.append(p, "run"), out);
        if (m.containsKey("job")) job(m.get("job"), JsonPointers.append(p, "job"), out);
        datasets(m, "inputs", p, out);
        datasets(m, "outputs", p, out);
    }

    private static void datasetEvent(Map<?, ?> m, String p, List<Problem> out) {
        baseEvent(m, p, out);
        required(m, p, out, "dataset");
        if (m.containsKey("job") && m.containsKey("run"))
            out.add(new Problem(p, "a DatasetEvent must not have both \"job\" and \"run\""));
        if (m.containsKey("dataset")) dataset(m.get("dataset"), JsonPointers.append(p, "dataset"), null, out);
    }

    private static void jobEvent(Map<?, ?> m, String p, List<Problem> out) {
        baseEvent(m, p, out);
        required(m, p, out, "job");
        if (m.containsKey("run"))
            out.add(new Problem(JsonPointers.append(p, "run"), "a JobEvent must not have \"run\""));
        if (m.containsKey("job")) job(m.get("job"), JsonPointers.append(p, "job"), out);
        datasets(m, "inputs", p, out);
        datasets(m, "outputs", p, out);
    }

    private static void run(Object v, String p, List<Problem> out) {
        if (!(v instanceof Map<?, ?> m)) {
            out.add(new Problem(p, "must be an object, got " + kind(v)));
            return;
        }
        required(m, p, out, "runId");
        Object id = m.get("runId");
        if (m.containsKey("runId")) {
            if (!(id instanceof String s))
                out.add(new Problem(JsonPointers.append(p, "runId"), "must be a string, got " + kind(id)));
            else if (!UUID.matcher(s).matches())
                out.add(new Problem(
                        JsonPointers.append(p, "runId"),
                        "must be a UUID (format uuid), got \"" + abbreviate(s) + "\""));
        }
        facets(m, p, "facets", false, out);
    }

    private static void job(Object v, String p, List<Problem> out) {
        named(v, p, out);
    }

    /** A job or dataset: an object with string {@code namespace} and {@code name}, and deletable facets. */
    private static Map<?, ?> named(Object v, String p, List<Problem> out) {
        if (!(v instanceof Map<?, ?> m)) {
            out.add(new Problem(p, "must be an object, got " + kind(v)));
            return null;
        }
        required(m, p, out, "namespace", "name");
        string(m, "namespace", p, out);
        string(m, "name", p, out);
        facets(m, p, "facets", true, out);
        return m;
    }

    private static void datasets(Map<?, ?> m, String field, String p, List<Problem> out) {
        if (!m.containsKey(field)) return;
        Object v = m.get(field);
        if (!(v instanceof List<?> list)) {
            out.add(new Problem(JsonPointers.append(p, field), "must be an array, got " + kind(v)));
            return;
        }
        String extra = field.equals("inputs") ? "inputFacets" : "outputFacets";
        for (int i = 0; i < list.size(); i++) dataset(list.get(i), JsonPointers.append(p, field, i), extra, out);
    }

    private static void dataset(Object v, String p, String extraFacets, List<Problem> out) {
        Map<?, ?> m = named(v, p, out);
        if (m != null && extraFacets != null) facets(m, p, extraFacets, false, out);
    }

    /** A facets object: every value an object with {@code _producer} and {@code _schemaURL} (BaseFacet). */
    private static void facets(Map<?, ?> owner, String p, String field, boolean deletable, List<Problem> out) {
        if (!owner.containsKey(field)) return;
        Object v = owner.get(field);
        String fp = JsonPointers.append(p, field);
        if (!(v instanceof Map<?, ?> facets)) {
            out.add(new Problem(fp, "must be an object, got " + kind(v)));
            return;
        }
        for (var e : facets.entrySet()) {
            String ep = JsonPointers.append(fp, String.valueOf(e.getKey()));
            if (!(e.getValue() instanceof Map<?, ?> f)) {
                out.add(new Problem(ep, "a facet must be an object, got " + kind(e.getValue())));
                continue;
            }
            required(f, ep, out, "_producer", "_schemaURL");
            uri(f, "_producer", ep, out);
            uri(f, "_schemaURL", ep, out);
            if (deletable && f.containsKey("_deleted") && !(f.get("_deleted") instanceof Boolean))
                out.add(new Problem(
                        JsonPointers.append(ep, "_deleted"), "must be a boolean, got " + kind(f.get("_deleted"))));
        }
    }

    // --- rules ---

    private static void required(Map<?, ?> m, String p, List<Problem> out, String... fields) {
        for (String f : fields)
            if (!m.containsKey(f)) out.add(new Problem(JsonPointers.append(p, f), "\"" + f + "\" is required"));
    }

    private static void string(Map<?, ?> m, String field, String p, List<Problem> out) {
        if (m.containsKey(field) && !(m.get(field) instanceof String))
            out.add(new Problem(JsonPointers.append(p, field), "must be a string, got " + kind(m.get(field))));
    }

    private static void dateTime(Map<?, ?> m, String field, String base, List<Problem> out) {
        if (!m.containsKey(field)) return;
        Object v = m.get(field);
        String p = JsonPointers.append(base, field);
        if (!(v instanceof String s)) {
            out.add(new Problem(p, "must be a string, got " + kind(v)));
            return;
        }
        if (parseTime(s) == null)
            out.add(new Problem(
                    p,
                    "must be an RFC 3339 date-time with an offset (2024-05-01T12:00:00.5Z), got \"" + abbreviate(s)
                            + "\""));
    }

    /** Epoch seconds of an RFC 3339 date-time, or null when it is not one. */
    static Double parseTime(String s) {
        if (!DATE_TIME.matcher(s).matches()) return null;
        try {
            OffsetDateTime t = OffsetDateTime.parse(s.toUpperCase(Locale.ROOT));
            return t.toEpochSecond() + t.getNano() / 1e9;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static void uri(Map<?, ?> m, String field, String base, List<Problem> out) {
        if (!m.containsKey(field)) return;
        Object v = m.get(field);
        String p = JsonPointers.append(base, field);
        if (!(v instanceof String s)) {
            out.add(new Problem(p, "must be a string, got " + kind(v)));
            return;
        }
        try {
            if (new URI(s).isAbsolute()) return;
        } catch (URISyntaxException e) {
            // reported below
        }
        out.add(new Problem(p, "must be an absolute URI (format uri), got \"" + abbreviate(s) + "\""));
    }
}

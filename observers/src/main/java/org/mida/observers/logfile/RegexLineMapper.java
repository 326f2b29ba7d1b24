package org.mida.observers.logfile;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mida.event.Event;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

/**
 * Maps a line with a regular expression and named groups. Java group names are letters and digits
 * only (no {@code _} or {@code .}), hence camelCase names, a {@linkplain Builder#snakeCase(boolean)
 * snake_case} option and {@linkplain Builder#field(String, String) explicit mappings}.
 *
 * <p>Group names read without a mapping:
 *
 * <ul>
 *   <li>{@code taskId} (required, or a group mapped to {@code task_id}), {@code status}, {@code
 *       workflowId}, {@code campaignId}, {@code activityId}, {@code hostname}, {@code runId} (a run id
 *       written in the log: this line and the following ones belong to that run);
 *   <li>{@code timestamp} — epoch seconds, ISO-8601 with or without offset (then the system zone),
 *       or {@code yyyy-MM-dd HH:mm:ss[.SSS]} (also Python logging's {@code ,SSS}); it becomes {@code
 *       submitted_at}, {@code started_at} or {@code ended_at} by status (SUBMITTED, RUNNING,
 *       FINISHED/ERROR; otherwise {@code started_at});
 *   <li>{@code usedXyz} → {@code used.xyz}, {@code genXyz} → {@code generated.xyz}, {@code metaXyz} →
 *       {@code custom_metadata.xyz} (the first letter after the prefix is lower-cased, or, with {@code
 *       snakeCase}, {@code usedImagePath} → {@code used.image_path}); numbers stay numbers; any other
 *       group → {@code custom_metadata} under its own name.
 * </ul>
 *
 * <p>Mappings ({@link Builder#field}) name the target of a group: {@code task_id}, {@code status},
 * {@code workflow_id}, {@code campaign_id}, {@code activity_id}, {@code hostname}, {@code
 * timestamp}, {@code run_id}, {@code used.<name>}, {@code generated.<name>} or {@code
 * custom_metadata.<name>}. Entities ({@link Builder#usedEntity}, {@link Builder#generatedEntity}): the
 * group's value becomes {@code {"@id": …, "@type": type, "path": value}} — a value that is already a
 * URI ({@code scheme://…}, {@code urn:…}) is the id as it is, any other value is a file path made
 * absolute (against {@link Builder#baseDir}, else the log file's directory) as a {@code file://} URI,
 * so the same image named by two workflows is one entity.
 *
 * <p>Statuses are matched case-insensitively, with the synonyms START/STARTED/BEGIN → RUNNING,
 * END/DONE/SUCCESS/COMPLETED/OK → FINISHED, FAIL/FAILED/FAILURE → ERROR, QUEUED/PENDING →
 * SUBMITTED. Lines that do not match ({@link Matcher#find()}) are skipped, unless they match the
 * {@link Builder#recordMarker} (they look like records): then they are refused, as are matching lines
 * with an empty task id, an unreadable timestamp or an empty entity value.
 *
 * <p><b>Runs.</b> In a {@link LogFileObserver} (a {@link LineContext} with a run), task ids are scoped
 * to the run: {@code task_id = <workflow>/<taskId>} with {@code <workflow> = <workflowId or the
 * observer's base>@<run>}, or the captured {@code workflowId} when the line names one. {@link
 * #map(String)} alone maps ids as captured.
 *
 * <pre>{@code
 * var m = RegexLineMapper.builder(Pattern.compile(
 *                 "^(?<timestamp>\\S+ \\S+) \\[(?<status>\\w+)\\] image (?<taskId>\\d+) exposure=(?<usedExposureS>\\S+) saved=(?<image>\\S+)"))
 *         .snakeCase(true)                       // usedExposureS → used.exposure_s
 *         .generatedEntity("image", "image")     // → generated.image = {"@id": "file:///abs/img.tif", "@type": "image"}
 *         .campaignId("microscopy-1")
 *         .build();
 * }</pre>
 */
public final class RegexLineMapper implements LineMapper {

    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
    private static final Pattern URI_LIKE = Pattern.compile("^(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:).*");
    private static final Map<String, Status> SYNONYMS = Map.ofEntries(
            Map.entry("START", Status.RUNNING),
            Map.entry("STARTED", Status.RUNNING),
            Map.entry("BEGIN", Status.RUNNING),
            Map.entry("END", Status.FINISHED),
            Map.entry("ENDED", Status.FINISHED),
            Map.entry("DONE", Status.FINISHED),
            Map.entry("SUCCESS", Status.FINISHED),
            Map.entry("COMPLETED", Status.FINISHED),
            Map.entry("OK", Status.FINISHED),
            Map.entry("FAIL", Status.ERROR),
            Map.entry("FAILED", Status.ERROR),
            Map.entry("FAILURE", Status.ERROR),
            Map.entry("QUEUED", Status.SUBMITTED),
            Map.entry("PENDING", Status.SUBMITTED));

    /** Where a group's value goes. */
    enum Kind {
        TASK_ID,
        STATUS,
        WORKFLOW_ID,
        CAMPAIGN_ID,
        ACTIVITY_ID,
        HOSTNAME,
        TIMESTAMP,
        RUN_ID,
        USED,
        GENERATED,
        META
    }

    private static final Map<String, Kind> CORE = Map.of(
            "task_id", Kind.TASK_ID,
            "status", Kind.STATUS,
            "workflow_id", Kind.WORKFLOW_ID,
            "campaign_id", Kind.CAMPAIGN_ID,
            "activity_id", Kind.ACTIVITY_ID,
            "hostname", Kind.HOSTNAME,
            "timestamp", Kind.TIMESTAMP,
            "run_id", Kind.RUN_ID);

    /** A group's target; {@code entityType} non-null when its value is an entity. */
    record Target(String group, Kind kind, String name, String entityType) {}

    private final Pattern pattern;
    private final List<Target> targets;
    private final String workflowId;
    private final String campaignId;
    private final String adapterId;
    private final Pattern recordMarker;
    private final boolean scopeRuns;
    private final Path baseDir;

    /**
     * @param workflowId used when the line has no {@code workflowId} group (may be null); in an
     *     observer, the base of the run's workflow id
     * @param campaignId used when the line has no {@code campaignId} group (may be null)
     * @param adapterId the events' {@code adapter_id} (may be null)
     */
    public RegexLineMapper(Pattern pattern, String workflowId, String campaignId, String adapterId) {
        this(builder(pattern).workflowId(workflowId).campaignId(campaignId).adapterId(adapterId));
    }

    private RegexLineMapper(Builder b) {
        this.pattern = Objects.requireNonNull(b.pattern, "pattern");
        this.workflowId = b.workflowId;
        this.campaignId = b.campaignId;
        this.adapterId = b.adapterId;
        this.recordMarker = b.recordMarker;
        this.scopeRuns = b.scopeRuns;
        this.baseDir = b.baseDir;
        List<String> groups = groupNames(pattern.pattern());
        for (String g : b.fields.keySet())
            if (!groups.contains(g))
                throw new IllegalArgumentException(
                        "field mapping for group \"" + g + "\", but the pattern has no group (?<" + g + ">...)");
        for (String g : b.entities.keySet())
            if (!groups.contains(g))
                throw new IllegalArgumentException(
                        "entity declared for group \"" + g + "\", but the pattern has no group (?<" + g + ">...)");
        var ts = new ArrayList<Target>();
        for (String g : groups) ts.add(target(g, b));
        if (ts.stream().noneMatch(t -> t.kind() == Kind.TASK_ID))
            throw new IllegalArgumentException(
                    "the pattern needs a named group (?<taskId>...) or a group mapped to task_id: " + pattern);
        if (ts.stream().filter(t -> t.kind() == Kind.TASK_ID).count() > 1)
            throw new IllegalArgumentException("more than one group gives the task_id: " + pattern);
        this.targets = List.copyOf(ts);
    }

    private static Target target(String g, Builder b) {
        String mapped = b.fields.get(g);
        Kind kind;
        String name = null;
        if (mapped != null) {
            String t = mapped.strip();
            if (CORE.containsKey(t)) kind = CORE.get(t);
            else if (t.startsWith("used.") && t.length() > 5) {
                kind = Kind.USED;
                name = t.substring(5);
            } else if (t.startsWith("generated.") && t.length() > 10) {
                kind = Kind.GENERATED;
                name = t.substring(10);
            } else if (t.startsWith("custom_metadata.") && t.length() > 16) {
                kind = Kind.META;
                name = t.substring(16);
            } else
                throw new IllegalArgumentException("group \"" + g + "\" is mapped to \"" + mapped + "\"; allowed: "
                        + String.join(", ", new TreeSet<>(CORE.keySet()))
                        + ", used.<name>, generated.<name>, custom_metadata.<name>");
        } else {
            kind = switch (g) {
                case "taskId" -> Kind.TASK_ID;
                case "status" -> Kind.STATUS;
                case "workflowId" -> Kind.WORKFLOW_ID;
                case "campaignId" -> Kind.CAMPAIGN_ID;
                case "activityId" -> Kind.ACTIVITY_ID;
                case "hostname" -> Kind.HOSTNAME;
                case "timestamp" -> Kind.TIMESTAMP;
                case "runId" -> Kind.RUN_ID;
                default -> null;
            };
            if (kind == null) {
                if (has(g, "used")) {
                    kind = Kind.USED;
                    name = rest(g, "used", b.snakeCase);
                } else if (has(g, "gen")) {
                    kind = Kind.GENERATED;
                    name = rest(g, "gen", b.snakeCase);
                } else if (has(g, "meta")) {
                    kind = Kind.META;
                    name = rest(g, "meta", b.snakeCase);
                } else {
                    kind = Kind.META;
                    name = b.snakeCase ? snakeCase(g) : g;
                }
            }
        }
        Builder.Entity e = b.entities.get(g);
        if (e == null) return new Target(g, kind, name, null);
        if (kind != Kind.USED && kind != Kind.GENERATED && kind != Kind.META)
            throw new IllegalArgumentException("group \"" + g + "\" gives "
                    + kind.name().toLowerCase(Locale.ROOT) + " and cannot be an entity as well");
        if (kind == Kind.META) name = b.snakeCase ? snakeCase(g) : g;
        return new Target(g, e.used() ? Kind.USED : Kind.GENERATED, name, e.type());
    }

    static List<String> groupNames(String regex) {
        var names = new ArrayList<String>();
        Matcher m = GROUP_NAME.matcher(regex);
        while (m.find()) if (!names.contains(m.group(1))) names.add(m.group(1));
        return names;
    }

    /** Maps a line on its own (no run: ids as captured); a refused line gives empty. */
    @Override
    public Optional<Event> map(String line) {
        Mapped m = mapLine(line, LineContext.none());
        return m.events().isEmpty() ? Optional.empty() : Optional.of(m.events().get(0));
    }

    @Override
    public boolean runScoped() {
        return scopeRuns;
    }

    @Override
    public Mapped mapLine(String line, LineContext ctx) {
        Matcher m = pattern.matcher(line);
        if (!m.find()) {
            if (recordMarker != null && recordMarker.matcher(line).find())
                return Mapped.refused("looks like a record (matches " + recordMarker.pattern()
                        + ") but does not match the pattern " + pattern.pattern());
            return Mapped.SKIP;
        }
        String taskId = null, status = null, timestamp = null, run = null, wf = null, camp = null;
        String activity = null, host = null;
        var used = new LinkedHashMap<String, Object>();
        var generated = new LinkedHashMap<String, Object>();
        var meta = new LinkedHashMap<String, Object>();
        for (Target t : targets) {
            String v = m.group(t.group());
            if (v == null) continue;
            switch (t.kind()) {
                case TASK_ID -> taskId = v.strip();
                case STATUS -> status = v;
                case WORKFLOW_ID -> wf = v.strip();
                case CAMPAIGN_ID -> camp = v.strip();
                case ACTIVITY_ID -> activity = v;
                case HOSTNAME -> host = v;
                case TIMESTAMP -> timestamp = v;
                case RUN_ID -> run = v.strip();
                case USED, GENERATED, META -> {
                    Object value;
                    if (t.entityType() != null) {
                        if (v.isBlank())
                            return Mapped.refused("empty value for the entity group \"" + t.group() + "\"");
                        try {
                            value = entity(v.strip(), t.entityType(), ctx);
                        } catch (InvalidPathException e) {
                            return Mapped.refused(
                                    "group \"" + t.group() + "\" is not a path or URI: " + e.getMessage());
                        }
                    } else value = value(v);
                    (t.kind() == Kind.USED ? used : t.kind() == Kind.GENERATED ? generated : meta).put(t.name(), value);
                }
            }
        }
        if (taskId == null || taskId.isEmpty()) return Mapped.refused("the line matched but its task id is empty");
        if (run != null && run.isEmpty()) run = null;
        String runId = run != null ? run : ctx.runId();
        String base = workflowId != null ? workflowId : ctx.workflowBase();
        boolean scoped = scopeRuns && (wf != null || (runId != null && base != null)) && ctx.workflowBase() != null;
        String workflow = wf != null ? wf : scoped ? base + "@" + runId : base;
        String id = scoped ? workflow + "/" + taskId : taskId;
        Status st = status == null ? null : status(status);
        Double at = null;
        if (timestamp != null) {
            at = time(timestamp);
            if (at == null) return Mapped.refused("unreadable timestamp \"" + timestamp.strip() + "\"");
        }
        try {
            TaskEvent.Builder b = TaskEvent.builder(id)
                    .workflowId(workflow)
                    .campaignId(camp != null ? camp : campaignId != null ? campaignId : ctx.campaignId())
                    .adapterId(adapterId)
                    .activityId(activity)
                    .hostname(host)
                    .status(st)
                    .used(used)
                    .generated(generated);
            if (scoped) meta.putIfAbsent("log_task_id", taskId);
            b.customMetadata(meta);
            if (at != null) {
                if (st == Status.SUBMITTED) b.submittedAt(at);
                else if (st != null && st.terminal()) b.endedAt(at);
                else b.startedAt(at);
            }
            return new Mapped(List.of(b.build()), null, run);
        } catch (RuntimeException e) {
            return Mapped.refused("not a valid task event: " + e.getMessage());
        }
    }

    private Map<String, Object> entity(String v, String type, LineContext ctx) {
        String id;
        if (URI_LIKE.matcher(v).matches()) id = v;
        else {
            Path p = Path.of(v);
            if (!p.isAbsolute()) {
                Path base = baseDir != null
                        ? baseDir
                        : ctx.file() != null && ctx.file().toAbsolutePath().getParent() != null
                                ? ctx.file().toAbsolutePath().getParent()
                                : Path.of("");
                p = base.resolve(p);
            }
            id = p.toAbsolutePath().normalize().toUri().toString();
        }
        var e = new LinkedHashMap<String, Object>();
        e.put("@id", id);
        e.put("@type", type);
        e.put("path", v);
        return e;
    }

    private static boolean has(String group, String prefix) {
        return group.length() > prefix.length()
                && group.startsWith(prefix)
                && Character.isUpperCase(group.charAt(prefix.length()));
    }

    private static String rest(String group, String prefix, boolean snake) {
        String r = group.substring(prefix.length());
        return snake ? snakeCase(r) : Character.toLowerCase(r.charAt(0)) + r.substring(1);
    }

    /** {@code ImagePath} → {@code image_path}, {@code layer2Size} → {@code layer2_size}, {@code HTTPCode} → {@code http_code}. */
    static String snakeCase(String s) {
        var b = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                char prev = s.charAt(i - 1);
                boolean nextLower = i + 1 < s.length() && Character.isLowerCase(s.charAt(i + 1));
                if (Character.isLowerCase(prev)
                        || Character.isDigit(prev)
                        || (Character.isUpperCase(prev) && nextLower)) b.append('_');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }

    public static Builder builder(Pattern pattern) {
        return new Builder(pattern);
    }

    /** Options of a {@link RegexLineMapper}; every one has a default. */
    public static final class Builder {
        record Entity(boolean used, String type) {}

        private final Pattern pattern;
        private String workflowId;
        private String campaignId;
        private String adapterId = "logfile";
        private boolean snakeCase;
        private final Map<String, String> fields = new LinkedHashMap<>();
        private final Map<String, Entity> entities = new LinkedHashMap<>();
        private Pattern recordMarker;
        private boolean scopeRuns = true;
        private Path baseDir;

        private Builder(Pattern pattern) {
            this.pattern = Objects.requireNonNull(pattern, "pattern");
        }

        /** The workflow id (in an observer: the base of each run's id); default: the observer's. */
        public Builder workflowId(String v) {
            workflowId = v;
            return this;
        }

        /** The campaign when the line names none; default: the observer's. */
        public Builder campaignId(String v) {
            campaignId = v;
            return this;
        }

        /** The events' {@code adapter_id}; default {@code logfile}. */
        public Builder adapterId(String v) {
            adapterId = v;
            return this;
        }

        /** Group names become snake_case field names ({@code usedImagePath} → {@code used.image_path}); default false. */
        public Builder snakeCase(boolean v) {
            snakeCase = v;
            return this;
        }

        /** Where group {@code group}'s value goes (see the class comment for targets), e.g. {@code field("lr", "used.learning_rate")}. */
        public Builder field(String group, String target) {
            fields.put(Objects.requireNonNull(group, "group"), Objects.requireNonNull(target, "target"));
            return this;
        }

        /** Group {@code group}'s value is an entity the task used, of {@code @type} {@code type}. */
        public Builder usedEntity(String group, String type) {
            entities.put(Objects.requireNonNull(group, "group"), new Entity(true, requireType(type)));
            return this;
        }

        /** Group {@code group}'s value is an entity the task generated, of {@code @type} {@code type}. */
        public Builder generatedEntity(String group, String type) {
            entities.put(Objects.requireNonNull(group, "group"), new Entity(false, requireType(type)));
            return this;
        }

        /** Lines that match this but not the pattern look like records: they are refused (dead letters); default none. */
        public Builder recordMarker(Pattern v) {
            recordMarker = v;
            return this;
        }

        /** In an observer, put task ids under the run's workflow id; default true. */
        public Builder scopeRuns(boolean v) {
            scopeRuns = v;
            return this;
        }

        /** Relative entity paths are resolved against this; default the log file's directory. */
        public Builder baseDir(Path v) {
            baseDir = v;
            return this;
        }

        private static String requireType(String type) {
            if (type == null || type.isBlank()) throw new IllegalArgumentException("an entity needs a type");
            return type;
        }

        public RegexLineMapper build() {
            return new RegexLineMapper(this);
        }
    }

    /** A status name or synonym; unknown words give UNKNOWN. */
    static Status status(String s) {
        String u = s.strip().toUpperCase(Locale.ROOT);
        Status st = Status.parse(u);
        if (st != null) return st;
        return SYNONYMS.getOrDefault(u, Status.UNKNOWN);
    }

    /** Numbers as Long or Double, everything else as the string. */
    static Object value(String v) {
        String s = v.strip();
        if (s.matches("[-+]?\\d{1,18}")) return Long.parseLong(s);
        if (s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) return Double.parseDouble(s);
        return v;
    }

    /** Epoch seconds, ISO-8601 (offset optional), or "yyyy-MM-dd HH:mm:ss[.fraction]"; null if unreadable. */
    static Double time(String s) {
        String t = s.strip();
        try {
            if (t.matches("\\d+(\\.\\d+)?")) return Double.parseDouble(t);
            try {
                OffsetDateTime o = OffsetDateTime.parse(t);
                return o.toEpochSecond() + o.getNano() / 1e9;
            } catch (DateTimeParseException e) {
                LocalDateTime l = LocalDateTime.parse(t.replace(' ', 'T').replace(',', '.'));
                Instant i = l.atZone(ZoneId.systemDefault()).toInstant();
                return i.getEpochSecond() + i.getNano() / 1e9;
            }
        } catch (RuntimeException e) {
            return null;
        }
    }
}

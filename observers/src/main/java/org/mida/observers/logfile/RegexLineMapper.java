package org.mida.observers.logfile;

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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mida.event.Event;
import org.mida.event.Status;
import org.mida.event.TaskEvent;

/**
 * Maps a line with a regular expression and named groups (Java group names are letters and digits
 * only, hence camelCase):
 *
 * <ul>
 *   <li>{@code taskId} (required), {@code status}, {@code workflowId}, {@code campaignId}, {@code
 *       activityId}, {@code hostname};
 *   <li>{@code timestamp} — epoch seconds, ISO-8601 with or without offset (then the system zone),
 *       or {@code yyyy-MM-dd HH:mm:ss[.SSS]}; it becomes {@code submitted_at}, {@code started_at} or
 *       {@code ended_at} by status (SUBMITTED, RUNNING, FINISHED/ERROR; otherwise {@code
 *       started_at});
 *   <li>{@code usedXyz} → {@code used.xyz}, {@code genXyz} → {@code generated.xyz}, {@code metaXyz} →
 *       {@code custom_metadata.xyz} (the first letter after the prefix is lower-cased; numbers stay
 *       numbers); any other group → {@code custom_metadata} under its own name.
 * </ul>
 *
 * Statuses are matched case-insensitively, with the synonyms START/STARTED/BEGIN → RUNNING,
 * END/DONE/SUCCESS/COMPLETED/OK → FINISHED, FAIL/FAILED/FAILURE → ERROR, QUEUED/PENDING →
 * SUBMITTED. Lines that do not match ({@link Matcher#find()}) are skipped.
 *
 * <pre>{@code
 * var m = new RegexLineMapper(Pattern.compile(
 *         "^(?<timestamp>\\S+ \\S+) \\[(?<status>\\w+)\\] task (?<taskId>\\S+) file=(?<usedFile>\\S+)"),
 *         "wf-1", null, "logfile");
 * }</pre>
 */
public final class RegexLineMapper implements LineMapper {

    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
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

    private final Pattern pattern;
    private final List<String> groups;
    private final String workflowId;
    private final String campaignId;
    private final String adapterId;

    /**
     * @param workflowId used when the line has no {@code workflowId} group (may be null)
     * @param campaignId used when the line has no {@code campaignId} group (may be null)
     * @param adapterId the events' {@code adapter_id} (may be null)
     */
    public RegexLineMapper(Pattern pattern, String workflowId, String campaignId, String adapterId) {
        this.pattern = pattern;
        this.groups = groupNames(pattern.pattern());
        if (!groups.contains("taskId"))
            throw new IllegalArgumentException("the pattern needs a named group (?<taskId>...): " + pattern);
        this.workflowId = workflowId;
        this.campaignId = campaignId;
        this.adapterId = adapterId;
    }

    static List<String> groupNames(String regex) {
        var names = new ArrayList<String>();
        Matcher m = GROUP_NAME.matcher(regex);
        while (m.find()) if (!names.contains(m.group(1))) names.add(m.group(1));
        return names;
    }

    @Override
    public Optional<Event> map(String line) {
        Matcher m = pattern.matcher(line);
        if (!m.find()) return Optional.empty();
        String taskId = m.group("taskId");
        if (taskId == null || taskId.isBlank()) return Optional.empty();
        TaskEvent.Builder b = TaskEvent.builder(taskId)
                .workflowId(workflowId)
                .campaignId(campaignId)
                .adapterId(adapterId);
        Status status = null;
        String timestamp = null;
        var used = new LinkedHashMap<String, Object>();
        var generated = new LinkedHashMap<String, Object>();
        var meta = new LinkedHashMap<String, Object>();
        for (String g : groups) {
            String v = m.group(g);
            if (v == null) continue;
            switch (g) {
                case "taskId" -> {}
                case "status" -> status = status(v);
                case "workflowId" -> b.workflowId(v);
                case "campaignId" -> b.campaignId(v);
                case "activityId" -> b.activityId(v);
                case "hostname" -> b.hostname(v);
                case "timestamp" -> timestamp = v;
                default -> {
                    if (has(g, "used")) used.put(rest(g, "used"), value(v));
                    else if (has(g, "gen")) generated.put(rest(g, "gen"), value(v));
                    else if (has(g, "meta")) meta.put(rest(g, "meta"), value(v));
                    else meta.put(g, value(v));
                }
            }
        }
        b.status(status).used(used).generated(generated).customMetadata(meta);
        if (timestamp != null) {
            Double t = time(timestamp);
            if (t != null) {
                if (status == Status.SUBMITTED) b.submittedAt(t);
                else if (status != null && status.terminal()) b.endedAt(t);
                else b.startedAt(t);
            }
        }
        return Optional.of(b.build());
    }

    private static boolean has(String group, String prefix) {
        return group.length() > prefix.length()
                && group.startsWith(prefix)
                && Character.isUpperCase(group.charAt(prefix.length()));
    }

    private static String rest(String group, String prefix) {
        String r = group.substring(prefix.length());
        return Character.toLowerCase(r.charAt(0)) + r.substring(1);
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

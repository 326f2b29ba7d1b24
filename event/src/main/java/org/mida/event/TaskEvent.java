package org.mida.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A task's state as one observer saw it (wire {@code "type":"task"}; Flowcept's field names). Only
 * {@code task_id} is required. Times are epoch seconds.
 *
 * <pre>{@code
 * var e = TaskEvent.builder("t-42").workflowId("wf-1").status(Status.RUNNING)
 *         .startedAt(1.7e9).used(Map.of("lr", 0.01)).build();
 * }</pre>
 */
public record TaskEvent(
        String taskId,
        String workflowId,
        String campaignId,
        String activityId,
        Status status,
        Double submittedAt,
        Double startedAt,
        Double endedAt,
        Map<String, Object> used,
        Map<String, Object> generated,
        List<String> dependencies,
        String parentTaskId,
        String groupId,
        String subtype,
        String adapterId,
        String hostname,
        String nodeName,
        String loginName,
        String user,
        Map<String, Object> telemetryAtStart,
        Map<String, Object> telemetryAtEnd,
        Object stdout,
        Object stderr,
        Map<String, Object> customMetadata,
        List<String> tags,
        Map<String, Object> extras)
        implements Event {

    public static final int MAX_ID_LENGTH = 1024;

    public TaskEvent {
        requireId("task_id", taskId, true);
        requireId("workflow_id", workflowId, false);
        requireId("campaign_id", campaignId, false);
        requireId("parent_task_id", parentTaskId, false);
        // indexed like the ids (a value over the graph's ~8 KB index key would be refused at write time)
        if (activityId != null && activityId.length() > MAX_ID_LENGTH)
            throw new InvalidEventException("\"activity_id\" is longer than " + MAX_ID_LENGTH + " characters");
        checkTime("submitted_at", submittedAt);
        checkTime("started_at", startedAt);
        checkTime("ended_at", endedAt);
        used = copy(used);
        generated = copy(generated);
        telemetryAtStart = copy(telemetryAtStart);
        telemetryAtEnd = copy(telemetryAtEnd);
        customMetadata = copy(customMetadata);
        extras = copy(extras);
        dependencies = dependencies == null ? List.of() : List.copyOf(dependencies);
        for (String d : dependencies) requireId("dependencies[]", d, true);
        tags = tags == null ? List.of() : List.copyOf(tags);
        // validates the references early, so a bad one is rejected at the edge
        EntityRef.checkEvent(used, generated);
    }

    @Override
    public String type() {
        return "task";
    }

    @Override
    public String key() {
        return taskId;
    }

    /** The artifacts this task read, from {@code used}. */
    public List<EntityRef> usedEntities() {
        return EntityRef.extract(used);
    }

    /** The artifacts this task produced, from {@code generated}. */
    public List<EntityRef> generatedEntities() {
        return EntityRef.extract(generated);
    }

    /**
     * {@code ended_at - started_at} when both are known and not negative. One event with {@code ended_at}
     * before {@code started_at} is refused by the codec; events from different clocks may still merge into
     * such a pair, which then has no duration (both times are kept as sent).
     */
    public Double duration() {
        return startedAt != null && endedAt != null && endedAt >= startedAt ? endedAt - startedAt : null;
    }

    /**
     * Folds {@code later} into this event. The result does not depend on the order for status
     * (monotonic), {@code submitted_at}/{@code started_at} (earliest) and {@code ended_at} (latest);
     * maps are merged key by key and lists are united; for other fields a non-null later value wins —
     * except that a non-final event (or one without a status) never overwrites a final one's values.
     * Merging an event with itself changes nothing, so replays are harmless.
     */
    public TaskEvent merge(TaskEvent later) {
        if (!taskId.equals(later.taskId))
            throw new IllegalArgumentException("cannot merge " + taskId + " with " + later.taskId);
        // a non-final event arriving after a final one (a late RUNNING, a status-less update) adds what is
        // new but never overwrites the final values: the final event's values win, whatever the order
        boolean stale = status != null && status.terminal() && (later.status == null || !later.status.terminal());
        TaskEvent a = stale ? later : this;
        TaskEvent b = stale ? this : later;
        return new TaskEvent(
                taskId,
                pick(a.workflowId, b.workflowId),
                pick(a.campaignId, b.campaignId),
                pick(a.activityId, b.activityId),
                Status.max(status, later.status),
                min(submittedAt, later.submittedAt),
                min(startedAt, later.startedAt),
                max(endedAt, later.endedAt),
                mergeMaps(a.used, b.used),
                mergeMaps(a.generated, b.generated),
                union(dependencies, later.dependencies),
                pick(a.parentTaskId, b.parentTaskId),
                pick(a.groupId, b.groupId),
                pick(a.subtype, b.subtype),
                pick(a.adapterId, b.adapterId),
                pick(a.hostname, b.hostname),
                pick(a.nodeName, b.nodeName),
                pick(a.loginName, b.loginName),
                pick(a.user, b.user),
                mergeMaps(a.telemetryAtStart, b.telemetryAtStart),
                mergeMaps(a.telemetryAtEnd, b.telemetryAtEnd),
                pick(a.stdout, b.stdout),
                pick(a.stderr, b.stderr),
                mergeMaps(a.customMetadata, b.customMetadata),
                union(tags, later.tags),
                mergeMaps(a.extras, b.extras));
    }

    @Override
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "task");
        m.put("task_id", taskId);
        put(m, "workflow_id", workflowId);
        put(m, "campaign_id", campaignId);
        put(m, "activity_id", activityId);
        put(m, "status", status == null ? null : status.name());
        put(m, "submitted_at", submittedAt);
        put(m, "started_at", startedAt);
        put(m, "ended_at", endedAt);
        putMap(m, "used", used);
        putMap(m, "generated", generated);
        if (!dependencies.isEmpty()) m.put("dependencies", dependencies);
        put(m, "parent_task_id", parentTaskId);
        put(m, "group_id", groupId);
        put(m, "subtype", subtype);
        put(m, "adapter_id", adapterId);
        put(m, "hostname", hostname);
        put(m, "node_name", nodeName);
        put(m, "login_name", loginName);
        put(m, "user", user);
        putMap(m, "telemetry_at_start", telemetryAtStart);
        putMap(m, "telemetry_at_end", telemetryAtEnd);
        put(m, "stdout", stdout);
        put(m, "stderr", stderr);
        putMap(m, "custom_metadata", customMetadata);
        if (!tags.isEmpty()) m.put("tags", tags);
        for (var e : extras.entrySet()) m.putIfAbsent(e.getKey(), e.getValue());
        return m;
    }

    public static Builder builder(String taskId) {
        return new Builder(taskId);
    }

    /** A mutable builder for observers; {@link #build()} validates. */
    public static final class Builder {
        private final String taskId;
        private String workflowId, campaignId, activityId, parentTaskId, groupId, subtype, adapterId;
        private String hostname, nodeName, loginName, user;
        private Status status;
        private Double submittedAt, startedAt, endedAt;
        private Map<String, Object> used, generated, telemetryAtStart, telemetryAtEnd, customMetadata, extras;
        private List<String> dependencies, tags;
        private Object stdout, stderr;

        private Builder(String taskId) {
            this.taskId = taskId;
        }

        public Builder workflowId(String v) {
            workflowId = v;
            return this;
        }

        public Builder campaignId(String v) {
            campaignId = v;
            return this;
        }

        public Builder activityId(String v) {
            activityId = v;
            return this;
        }

        public Builder status(Status v) {
            status = v;
            return this;
        }

        public Builder submittedAt(Double v) {
            submittedAt = v;
            return this;
        }

        public Builder startedAt(Double v) {
            startedAt = v;
            return this;
        }

        public Builder endedAt(Double v) {
            endedAt = v;
            return this;
        }

        public Builder used(Map<String, Object> v) {
            used = v;
            return this;
        }

        public Builder generated(Map<String, Object> v) {
            generated = v;
            return this;
        }

        public Builder dependencies(List<String> v) {
            dependencies = v;
            return this;
        }

        public Builder parentTaskId(String v) {
            parentTaskId = v;
            return this;
        }

        public Builder groupId(String v) {
            groupId = v;
            return this;
        }

        public Builder subtype(String v) {
            subtype = v;
            return this;
        }

        public Builder adapterId(String v) {
            adapterId = v;
            return this;
        }

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder nodeName(String v) {
            nodeName = v;
            return this;
        }

        public Builder loginName(String v) {
            loginName = v;
            return this;
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder telemetryAtStart(Map<String, Object> v) {
            telemetryAtStart = v;
            return this;
        }

        public Builder telemetryAtEnd(Map<String, Object> v) {
            telemetryAtEnd = v;
            return this;
        }

        public Builder stdout(Object v) {
            stdout = v;
            return this;
        }

        public Builder stderr(Object v) {
            stderr = v;
            return this;
        }

        public Builder customMetadata(Map<String, Object> v) {
            customMetadata = v;
            return this;
        }

        public Builder tags(List<String> v) {
            tags = v;
            return this;
        }

        public Builder extras(Map<String, Object> v) {
            extras = v;
            return this;
        }

        public TaskEvent build() {
            return new TaskEvent(
                    taskId,
                    workflowId,
                    campaignId,
                    activityId,
                    status,
                    submittedAt,
                    startedAt,
                    endedAt,
                    used,
                    generated,
                    dependencies,
                    parentTaskId,
                    groupId,
                    subtype,
                    adapterId,
                    hostname,
                    nodeName,
                    loginName,
                    user,
                    telemetryAtStart,
                    telemetryAtEnd,
                    stdout,
                    stderr,
                    customMetadata,
                    tags,
                    extras);
        }
    }

    // --- helpers shared with WorkflowEvent ---

    static void requireId(String field, String value, boolean required) {
        if (value == null) {
            if (required) throw new InvalidEventException("\"" + field + "\" is required");
            return;
        }
        if (value.isBlank()) throw new InvalidEventException("\"" + field + "\" must not be blank");
        if (value.length() > MAX_ID_LENGTH)
            throw new InvalidEventException("\"" + field + "\" is longer than " + MAX_ID_LENGTH + " characters");
    }

    /** The last second of the year 9999 (UTC), the latest time an event may carry. */
    public static final double MAX_TIME = 253_402_300_799.999;

    static void checkTime(String field, Double t) {
        if (t != null && (t.isNaN() || t.isInfinite() || t < 0 || t > MAX_TIME))
            throw new InvalidEventException(
                    "\"" + field + "\" must be a finite, non-negative epoch time (seconds, at most "
                            + "253402300799: the end of the year 9999), got " + t);
    }

    /** An unmodifiable copy, or the map itself when it cannot change ({@link FrozenMap#copyOf}). */
    static Map<String, Object> copy(Map<String, Object> m) {
        return FrozenMap.copyOf(m);
    }

    static <T> T pick(T earlier, T later) {
        return later != null ? later : earlier;
    }

    static Double min(Double a, Double b) {
        if (a == null) return b;
        if (b == null) return a;
        return b < a ? b : a;
    }

    static Double max(Double a, Double b) {
        if (a == null) return b;
        if (b == null) return a;
        return b > a ? b : a;
    }

    static Map<String, Object> mergeMaps(Map<String, Object> a, Map<String, Object> b) {
        if (b.isEmpty() || b == a) return a;
        if (a.isEmpty()) return b;
        // b adds nothing (a task's FINISHED repeats its RUNNING's used): a itself, already frozen and checked,
        // rather than a copy of it that the new event would copy and check again (issue 15, 16th session)
        if (holdsAll(a, b)) return a;
        var m = new LinkedHashMap<String, Object>(a);
        m.putAll(b);
        return m;
    }

    /** True when every entry of {@code b} is in {@code a} with an equal value. */
    private static boolean holdsAll(Map<String, Object> a, Map<String, Object> b) {
        if (b.size() > a.size()) return false;
        for (var e : b.entrySet()) {
            Object v = e.getValue();
            Object mine = a.get(e.getKey());
            if (mine == null ? v != null || !a.containsKey(e.getKey()) : !mine.equals(v)) return false;
        }
        return true;
    }

    static List<String> union(List<String> a, List<String> b) {
        if (b.isEmpty() || a.equals(b)) return a;
        if (a.isEmpty()) return b;
        var s = new LinkedHashSet<String>(a);
        s.addAll(b);
        return new ArrayList<>(s);
    }

    static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) m.put(k, v);
    }

    static void putMap(Map<String, Object> m, String k, Map<String, Object> v) {
        if (v != null && !v.isEmpty()) m.put(k, v);
    }
}

package org.mida.event;

import static org.mida.event.TaskEvent.checkTime;
import static org.mida.event.TaskEvent.copy;
import static org.mida.event.TaskEvent.max;
import static org.mida.event.TaskEvent.mergeMaps;
import static org.mida.event.TaskEvent.min;
import static org.mida.event.TaskEvent.pick;
import static org.mida.event.TaskEvent.put;
import static org.mida.event.TaskEvent.putMap;
import static org.mida.event.TaskEvent.requireId;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A workflow's state (wire {@code "type":"workflow"}). Only {@code workflow_id} is required; merges
 * like {@link TaskEvent#merge}.
 */
public record WorkflowEvent(
        String workflowId,
        String campaignId,
        String name,
        String parentWorkflowId,
        String adapterId,
        String user,
        String environmentId,
        Map<String, Object> machineInfo,
        Object codeRepository,
        Map<String, Object> used,
        Map<String, Object> generated,
        Map<String, Object> customMetadata,
        Double startedAt,
        Double endedAt,
        Status status,
        Map<String, Object> extras)
        implements Event {

    public WorkflowEvent {
        requireId("workflow_id", workflowId, true);
        requireId("campaign_id", campaignId, false);
        requireId("parent_workflow_id", parentWorkflowId, false);
        checkTime("started_at", startedAt);
        checkTime("ended_at", endedAt);
        machineInfo = copy(machineInfo);
        used = copy(used);
        generated = copy(generated);
        customMetadata = copy(customMetadata);
        extras = copy(extras);
        EntityRef.checkEvent(used, generated);
    }

    /** A workflow event that names just its id (and optionally campaign and name). */
    public static WorkflowEvent of(String workflowId, String campaignId, String name) {
        return new WorkflowEvent(
                workflowId,
                campaignId,
                name,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Override
    public String type() {
        return "workflow";
    }

    @Override
    public String key() {
        return workflowId;
    }

    /** Folds {@code later} into this one; see {@link TaskEvent#merge} for the rules. */
    public WorkflowEvent merge(WorkflowEvent later) {
        if (!workflowId.equals(later.workflowId))
            throw new IllegalArgumentException("cannot merge " + workflowId + " with " + later.workflowId);
        return new WorkflowEvent(
                workflowId,
                pick(campaignId, later.campaignId),
                pick(name, later.name),
                pick(parentWorkflowId, later.parentWorkflowId),
                pick(adapterId, later.adapterId),
                pick(user, later.user),
                pick(environmentId, later.environmentId),
                mergeMaps(machineInfo, later.machineInfo),
                pick(codeRepository, later.codeRepository),
                mergeMaps(used, later.used),
                mergeMaps(generated, later.generated),
                mergeMaps(customMetadata, later.customMetadata),
                min(startedAt, later.startedAt),
                max(endedAt, later.endedAt),
                Status.max(status, later.status),
                mergeMaps(extras, later.extras));
    }

    @Override
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "workflow");
        m.put("workflow_id", workflowId);
        put(m, "campaign_id", campaignId);
        put(m, "name", name);
        put(m, "parent_workflow_id", parentWorkflowId);
        put(m, "adapter_id", adapterId);
        put(m, "user", user);
        put(m, "environment_id", environmentId);
        putMap(m, "machine_info", machineInfo);
        put(m, "code_repository", codeRepository);
        putMap(m, "used", used);
        putMap(m, "generated", generated);
        putMap(m, "custom_metadata", customMetadata);
        put(m, "started_at", startedAt);
        put(m, "ended_at", endedAt);
        put(m, "status", status == null ? null : status.name());
        for (var e : extras.entrySet()) m.putIfAbsent(e.getKey(), e.getValue());
        return m;
    }
}

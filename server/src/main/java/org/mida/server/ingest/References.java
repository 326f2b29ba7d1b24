package org.mida.server.ingest;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.mida.event.EntityRef;
import org.mida.event.TaskEvent;

/**
 * The entity references of the task events one batch plans with, extracted once per event instance: a
 * plan asks for the same event's {@code used}/{@code generated} references several times (which ids to
 * read, which usages to bind, which generations to record), and extracting them copies each reference's
 * attributes. One instance per batch; not thread-safe.
 */
final class References {
    private final Map<TaskEvent, List<EntityRef>> used = new IdentityHashMap<>();
    private final Map<TaskEvent, List<EntityRef>> generated = new IdentityHashMap<>();

    /** The ids the batch's task events name ({@code Batch#entityIds}), once asked; null before. */
    List<String> eventEntityIds;

    /** The batch's {@code Batch#campaignIds}, once asked; null before. */
    List<String> campaignIds;

    List<EntityRef> used(TaskEvent t) {
        return used.computeIfAbsent(t, TaskEvent::usedEntities);
    }

    List<EntityRef> generated(TaskEvent t) {
        return generated.computeIfAbsent(t, TaskEvent::generatedEntities);
    }
}

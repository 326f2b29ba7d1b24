package org.mida.event;

import java.util.Map;

/**
 * One observation sent by an observer: the state of a task or of a workflow at some moment. Several
 * events may describe the same task; the server merges them per field (see {@link TaskEvent#merge}).
 */
public sealed interface Event permits TaskEvent, WorkflowEvent, ObserverEvent {

    /** The wire {@code type}: {@code "task"}, {@code "workflow"} or {@code "observer"}. */
    String type();

    /** The id that identifies what this event is about ({@code task_id}, {@code workflow_id} or {@code observer_id}). */
    String key();

    /** The event as its wire map, snake_case names, unknown fields kept. */
    Map<String, Object> toMap();
}

package org.mida.server.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

/**
 * Hands the tasks and workflows the ingest just committed to the live subscribers ({@code GET
 * /api/stream}). The ingest thread calls {@link #publish}: with no subscriber it returns after one
 * volatile read; otherwise it makes a small map per event and offers it to every matching subscriber's
 * bounded, lock-free queue (the JSON is written later, on a subscriber's thread). It never blocks and never waits for a client: when a subscriber's queue is
 * full the oldest message is dropped and counted, and the subscriber is told how many it missed.
 */
public final class TaskBroadcaster implements AutoCloseable {
    /** Messages a subscriber may have waiting before the oldest are dropped. */
    public static final int DEFAULT_CAPACITY = 10_000;

    /**
     * One event: {@code name} is the SSE event name ({@code task} or {@code workflow}). The JSON is made
     * on first use by a subscriber's thread (not the ingest thread) and shared by all subscribers.
     */
    public static final class Message {
        private final long id;
        private final String name;
        private final String workflowId;
        private final String campaignId;
        private final Map<String, Object> fields;
        private final ObjectMapper mapper;
        private volatile String data;

        Message(
                long id,
                String name,
                String workflowId,
                String campaignId,
                Map<String, Object> fields,
                ObjectMapper mapper) {
            this.id = id;
            this.name = name;
            this.workflowId = workflowId;
            this.campaignId = campaignId;
            this.fields = fields;
            this.mapper = mapper;
        }

        public long id() {
            return id;
        }

        public String name() {
            return name;
        }

        public String workflowId() {
            return workflowId;
        }

        public String campaignId() {
            return campaignId;
        }

        /** The event's JSON data. */
        public String data() {
            String d = data;
            if (d == null) {
                try {
                    d = mapper.writeValueAsString(fields);
                } catch (JsonProcessingException e) {
                    d = "{}";
                }
                data = d;
            }
            return d;
        }
    }

    private final ObjectMapper mapper;
    private final int capacity;
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    public TaskBroadcaster(ObjectMapper mapper) {
        this(mapper, DEFAULT_CAPACITY);
    }

    public TaskBroadcaster(ObjectMapper mapper, int capacity) {
        this.mapper = mapper;
        this.capacity = capacity;
    }

    /** The ingest hook: the merged state of what one committed batch created or changed. */
    public void publish(List<Event> changed) {
        if (subscribers.isEmpty()) return;
        for (Event e : changed) {
            Message m = message(e);
            if (m == null) continue;
            for (Subscriber s : subscribers) if (s.wants(m)) s.offer(m);
        }
    }

    private Message message(Event e) {
        var data = new LinkedHashMap<String, Object>();
        String name, workflowId, campaignId;
        if (e instanceof TaskEvent t) {
            name = "task";
            workflowId = t.workflowId();
            campaignId = t.campaignId();
            data.put("task_id", t.taskId());
            data.put("workflow_id", workflowId);
            data.put("campaign_id", campaignId);
            data.put("activity_id", t.activityId());
            data.put("status", t.status() == null ? null : t.status().name());
            data.put("submitted_at", t.submittedAt());
            data.put("started_at", t.startedAt());
            data.put("ended_at", t.endedAt());
            data.put("duration", t.duration());
            data.put("hostname", t.hostname());
            data.put("user", t.user());
        } else if (e instanceof WorkflowEvent w) {
            name = "workflow";
            workflowId = w.workflowId();
            campaignId = w.campaignId();
            data.put("workflow_id", workflowId);
            data.put("campaign_id", campaignId);
            data.put("name", w.name());
            data.put("parent_workflow_id", w.parentWorkflowId());
            data.put("status", w.status() == null ? null : w.status().name());
            data.put("started_at", w.startedAt());
            data.put("ended_at", w.endedAt());
        } else {
            return null;
        }
        return new Message(sequence.incrementAndGet(), name, workflowId, campaignId, data, mapper);
    }

    /**
     * A new subscriber. Empty filter sets match everything; within a set any value matches; the sets
     * combine with AND. {@code kinds} ⊆ {task, workflow}.
     */
    public Subscriber subscribe(Set<String> workflowIds, Set<String> campaignIds, Set<String> kinds) {
        var s = new Subscriber(workflowIds, campaignIds, kinds, capacity);
        subscribers.add(s);
        if (closed) s.close();
        return s;
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    /** Ends every subscription (their loops see {@link Subscriber#closed()} and return). */
    @Override
    public void close() {
        closed = true;
        for (Subscriber s : subscribers) s.close();
    }

    /**
     * One client's queue. Producers (the ingest thread) call {@link #offer}; one consumer thread calls
     * {@link #next}. No locks: a concurrent queue with a separate size counter, and park/unpark.
     */
    public final class Subscriber implements AutoCloseable {
        private final Set<String> workflowIds;
        private final Set<String> campaignIds;
        private final Set<String> kinds;
        private final int capacity;
        private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicLong dropped = new AtomicLong();
        private volatile Thread waiter;
        private volatile boolean closed;

        Subscriber(Set<String> workflowIds, Set<String> campaignIds, Set<String> kinds, int capacity) {
            this.workflowIds = Set.copyOf(workflowIds);
            this.campaignIds = Set.copyOf(campaignIds);
            this.kinds = Set.copyOf(kinds);
            this.capacity = capacity;
        }

        boolean wants(Message m) {
            return !closed
                    && (kinds.isEmpty() || kinds.contains(m.name()))
                    && (workflowIds.isEmpty() || (m.workflowId() != null && workflowIds.contains(m.workflowId())))
                    && (campaignIds.isEmpty() || (m.campaignId() != null && campaignIds.contains(m.campaignId())));
        }

        void offer(Message m) {
            queue.add(m);
            if (size.incrementAndGet() > capacity && queue.poll() != null) {
                size.decrementAndGet();
                dropped.incrementAndGet();
            }
            Thread w = waiter;
            if (w != null) LockSupport.unpark(w);
        }

        /** The next message, or null after {@code timeout} (or when closed). Consumer thread only. */
        public Message next(long timeout, TimeUnit unit) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                Message m = queue.poll();
                if (m != null) {
                    size.decrementAndGet();
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (closed || left <= 0) return null;
                waiter = Thread.currentThread();
                if (queue.isEmpty() && !closed) LockSupport.parkNanos(this, left);
                waiter = null;
                if (Thread.interrupted()) {
                    close();
                    return null;
                }
            }
        }

        /** How many messages were dropped since the last call (and resets the count). */
        public long takeDropped() {
            return dropped.getAndSet(0);
        }

        public boolean closed() {
            return closed;
        }

        /** Ends this subscription and removes it from the broadcaster. Idempotent. */
        @Override
        public void close() {
            closed = true;
            subscribers.remove(this);
            Thread w = waiter;
            if (w != null) LockSupport.unpark(w);
        }

        public Map<String, Object> filters() {
            var m = new LinkedHashMap<String, Object>();
            m.put("workflow_id", workflowIds);
            m.put("campaign_id", campaignIds);
            m.put("events", kinds);
            return m;
        }
    }
}

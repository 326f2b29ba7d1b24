package org.mida.server.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
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
 * volatile read; otherwise it makes a small {@link Payload} record per event and offers it to every
 * matching subscriber's bounded, lock-free queue (the JSON is written later, on a subscriber's thread).
 * It never blocks and never waits for a client: when a subscriber's queue is full the oldest message is
 * dropped and counted, and the subscriber is told how many it missed. Thread-safe.
 *
 * <pre>{@code
 * var broadcaster = new TaskBroadcaster(codec.mapper());
 * Consumer<List<Event>> afterEachBatch = broadcaster::publish; // what the ingest calls
 * var stream = new StreamRoutes(broadcaster, 15_000);          // GET /api/stream serves the subscribers
 * }</pre>
 */
public final class TaskBroadcaster implements AutoCloseable {
    /** Messages a subscriber may have waiting before the oldest are dropped. */
    public static final int DEFAULT_CAPACITY = 10_000;

    /**
     * One event with its increasing id. The JSON is made on first use by a subscriber's thread (not the
     * ingest thread) and shared by all subscribers.
     */
    final class Message {
        private final long id;
        private final Payload payload;
        private volatile String data;

        Message(long id, Payload payload) {
            this.id = id;
            this.payload = payload;
        }

        long id() {
            return id;
        }

        /** The SSE event name: {@code task} or {@code workflow}. */
        String name() {
            return payload.event();
        }

        String workflowId() {
            return payload.workflowId();
        }

        String campaignId() {
            return payload.campaignId();
        }

        /** The event's JSON data. */
        String data() {
            String d = data;
            if (d == null) {
                d = json(payload);
                data = d;
            }
            return d;
        }
    }

    /**
     * What a subscriber wants. Empty sets match everything; within a set any value matches; the sets
     * combine with AND. {@code events} ⊆ {task, workflow}.
     */
    record Filters(Set<String> workflowIds, Set<String> campaignIds, Set<String> events) {
        Filters {
            workflowIds = Set.copyOf(workflowIds);
            campaignIds = Set.copyOf(campaignIds);
            events = Set.copyOf(events);
        }

        boolean match(Message m) {
            return (events.isEmpty() || events.contains(m.name()))
                    && (workflowIds.isEmpty() || (m.workflowId() != null && workflowIds.contains(m.workflowId())))
                    && (campaignIds.isEmpty() || (m.campaignId() != null && campaignIds.contains(m.campaignId())));
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
            Payload p = payload(e);
            if (p == null) continue;
            var m = new Message(sequence.incrementAndGet(), p);
            for (Subscriber s : subscribers) if (s.wants(m)) s.offer(m);
        }
    }

    /** Payloads another instance ingested ({@link IngestedFeed}), handed on like {@link #publish}. */
    void publishPayloads(List<Payload> payloads) {
        if (subscribers.isEmpty()) return;
        for (Payload p : payloads) {
            var m = new Message(sequence.incrementAndGet(), p);
            for (Subscriber s : subscribers) if (s.wants(m)) s.offer(m);
        }
    }

    static Payload payload(Event e) {
        if (e instanceof TaskEvent t) return Payload.Task.of(t);
        if (e instanceof WorkflowEvent w) return Payload.Workflow.of(w);
        return null;
    }

    /** An SSE event's data as JSON, written by the server's mapper. */
    String json(Object data) {
        try {
            return mapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + data.getClass().getSimpleName(), e);
        }
    }

    /** A new subscriber; the sets are {@link Filters}. */
    Subscriber subscribe(Set<String> workflowIds, Set<String> campaignIds, Set<String> events) {
        var s = new Subscriber(new Filters(workflowIds, campaignIds, events), capacity);
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
    final class Subscriber implements AutoCloseable {
        private final Filters filters;
        private final int capacity;
        private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicLong dropped = new AtomicLong();
        private volatile Thread waiter;
        private volatile boolean closed;

        Subscriber(Filters filters, int capacity) {
            this.filters = filters;
            this.capacity = capacity;
        }

        boolean wants(Message m) {
            return !closed && filters.match(m);
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
        Message next(long timeout, TimeUnit unit) {
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
        long takeDropped() {
            return dropped.getAndSet(0);
        }

        boolean closed() {
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

        Filters filters() {
            return filters;
        }
    }
}

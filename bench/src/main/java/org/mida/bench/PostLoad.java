package org.mida.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients POSTing a {@link FaultWorkload}'s entries to /api/events at a steady rate, the way a client
 * that cannot reach Redis sends: an entry counts as sent once answered 202; on a 5xx answer or no answer
 * (server down) it is sent again every 250 ms until {@code giveUpSeconds} after its first try, so an
 * event whose first try reached the stream but whose answer was lost arrives twice (which the graph must
 * absorb). Entries go to the targets in turn.
 */
final class PostLoad {
    private final List<MidaClient> targets;
    private final FaultWorkload workload;
    private final double eventsPerSecond;
    private final long giveUpNanos;
    private final AtomicInteger next = new AtomicInteger();
    private final BitSet acked = new BitSet();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    final AtomicLong ackedEvents = new AtomicLong();
    final AtomicLong http5xx = new AtomicLong();
    final AtomicLong http503 = new AtomicLong();
    final AtomicLong http4xx = new AtomicLong();
    final AtomicLong noAnswer = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong gaveUpEntries = new AtomicLong();
    /** Events of entries refused with a 4xx answer or given up after {@code giveUpSeconds}: never delivered. */
    final AtomicLong undeliveredEvents = new AtomicLong();

    private long t0;

    PostLoad(
            List<MidaClient> targets, FaultWorkload workload, double eventsPerSecond, int threads, long giveUpSeconds) {
        this.targets = targets;
        this.workload = workload;
        this.eventsPerSecond = eventsPerSecond;
        this.giveUpNanos = giveUpSeconds * 1_000_000_000L;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::run, "post-load-" + i);
            t.setDaemon(true);
            this.threads.add(t);
        }
    }

    void start() {
        t0 = System.nanoTime();
        threads.forEach(Thread::start);
    }

    /** Waits until every entry was sent or given up; false on time-out. */
    boolean await(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            TimeUnit.NANOSECONDS.timedJoin(t, left);
            if (t.isAlive()) return false;
        }
        return true;
    }

    /**
     * Stops the clients; every event not acknowledged by then (not yet sent, or still being retried) is
     * counted undelivered.
     */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.join(60_000);
        undeliveredEvents.set(workload.events() - ackedEvents.get());
    }

    /** Fraction of the workload's events acknowledged so far. */
    double progress() {
        return ackedEvents.get() / (double) workload.events();
    }

    boolean sent(int task, int phase) {
        synchronized (acked) {
            return acked.get(task * workload.phases + phase);
        }
    }

    private void run() {
        double perEvent = 1e9 / eventsPerSecond;
        while (!stop.get()) {
            int i = next.getAndIncrement();
            if (i >= workload.entries.size()) return;
            var e = workload.entries.get(i);
            // pacing: entry i is due when the events before it are
            long due = t0 + (long) (sentBefore(i) * perEvent);
            long wait = due - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            MidaClient target = targets.get(i % targets.size());
            long first = System.nanoTime();
            while (!stop.get()) {
                int code = target.postEvents(e.json());
                if (code == 202) {
                    synchronized (acked) {
                        for (int k = e.firstTask(); k < e.firstTask() + e.count(); k++)
                            acked.set(k * workload.phases + e.phase());
                    }
                    ackedEvents.addAndGet(e.count());
                    break;
                }
                if (code < 0) noAnswer.incrementAndGet();
                else if (code >= 500) {
                    http5xx.incrementAndGet();
                    if (code == 503) http503.incrementAndGet();
                } else {
                    http4xx.incrementAndGet(); // a valid event refused: a bug, not retried
                    undeliveredEvents.addAndGet(e.count());
                    break;
                }
                if (System.nanoTime() - first > giveUpNanos) {
                    gaveUpEntries.incrementAndGet();
                    undeliveredEvents.addAndGet(e.count());
                    break;
                }
                retries.incrementAndGet();
                LockSupport.parkNanos(250_000_000L);
            }
        }
    }

    private long sentBefore(int entry) {
        // every entry but the last of a block has the same size; approximate with the mean
        return (long) entry * workload.events() / Math.max(1, workload.entries.size());
    }
}

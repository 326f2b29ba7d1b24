package org.mida.bench;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls /api/health of every server once a second in the background, counting 5xx answers (503 apart:
 * the health contract while a backend is down) and polls that got no answer, and remembers when each
 * server last answered "ok". Also waits for the ingest to drain.
 */
final class HealthWatch implements AutoCloseable {
    private final List<MidaClient> clients;
    private final Thread thread;
    private volatile boolean stop;
    final AtomicLong polls = new AtomicLong();
    final AtomicLong http5xx = new AtomicLong();
    final AtomicLong http503 = new AtomicLong();
    final AtomicLong noAnswer = new AtomicLong();
    private final long[] lastOk;
    private final long[] lastNotOk;

    HealthWatch(List<MidaClient> clients) {
        this.clients = clients;
        this.lastOk = new long[clients.size()];
        this.lastNotOk = new long[clients.size()];
        this.thread = new Thread(this::run, "health-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!stop) {
            for (int i = 0; i < clients.size(); i++) {
                var h = clients.get(i).health();
                polls.incrementAndGet();
                if (h.code() < 0) noAnswer.incrementAndGet();
                else if (h.code() >= 500) {
                    http5xx.incrementAndGet();
                    if (h.code() == 503) http503.incrementAndGet();
                }
                synchronized (this) {
                    if (h.ok()) lastOk[i] = System.nanoTime();
                    else lastNotOk[i] = System.nanoTime();
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Waits until server {@code i} says ok and has stayed ok since a moment after {@code sinceNanos};
     * the seconds from {@code sinceNanos} to its first ok poll, or -1 when it did not within the time.
     */
    double firstOkAfter(int i, long sinceNanos, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            var h = clients.get(i).health();
            if (h.ok()) return (System.nanoTime() - sinceNanos) / 1e9;
            Thread.sleep(200);
        }
        return -1;
    }

    /**
     * Waits until the ingest is done: health ok, nothing pending, and the task count unchanged over three
     * polls. Gives up when nothing moves (ingested, pending, tasks) for {@code stallSeconds}, or after
     * {@code maxSeconds}. True when drained.
     */
    static boolean drain(MidaClient c, long stallSeconds, long maxSeconds) throws InterruptedException {
        long start = System.nanoTime(), lastMove = start;
        String last = "";
        int stable = 0;
        long lastTasks = -2;
        while (System.nanoTime() - start < maxSeconds * 1_000_000_000L) {
            var h = c.health();
            String sig = h.code() + "/" + h.ingested() + "/" + h.pending() + "/" + h.tasks();
            if (!sig.equals(last)) {
                last = sig;
                lastMove = System.nanoTime();
            }
            if (h.ok() && h.pending() == 0 && h.tasks() == lastTasks) {
                if (++stable >= 3) return true;
            } else stable = 0;
            lastTasks = h.tasks();
            if (System.nanoTime() - lastMove > stallSeconds * 1_000_000_000L) return false;
            Thread.sleep(1000);
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(30_000);
    }
}

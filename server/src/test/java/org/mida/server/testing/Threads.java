package org.mida.server.testing;

/**
 * The two thread chores the fault tests share: a sleep that keeps an interrupt, and a daemon thread for
 * helpers the JVM need not wait for (a child process's output pump, a load generator).
 *
 * <pre>{@code
 * Thread pump = Threads.daemon("neo4j-log", () -> copy(process.getInputStream(), log));
 * Threads.sleep(500);
 * }</pre>
 */
public final class Threads {
    private Threads() {}

    /** Sleeps {@code ms}; an interrupt ends the sleep early and stays set on the thread. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts {@code work} on a new daemon thread named {@code name}; returns the started thread. */
    public static Thread daemon(String name, Runnable work) {
        var thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}

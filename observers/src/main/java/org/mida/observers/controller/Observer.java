package org.mida.observers.controller;

import org.mida.observers.emit.Emitter;

/**
 * The adapter interface every data observer implements (paper III-C). An observer turns what it
 * watches into events and hands them to the {@link Emitter} it was started with. Two styles, both
 * optional:
 *
 * <ul>
 *   <li><b>polling</b> — {@link #observe()} does one poll (read what changed since the last call,
 *       emit it); the {@link ObserverController} calls it every {@code pollInterval};
 *   <li><b>callback</b> — a source that pushes state changes (a listener, a subscription, a hook)
 *       calls {@link #callback(Object)} with each change; the observer maps and emits it.
 * </ul>
 *
 * <p>The controller calls {@code start}, then {@code observe} from one thread only (never
 * concurrently with itself), then {@code close}. {@code callback} may come from any thread.
 *
 * <pre>{@code
 * final class MyObserver implements Observer {
 *     private Emitter emitter;
 *     public String name() { return "my-tool"; }
 *     public void start(Emitter emitter) { this.emitter = emitter; }
 *     public void observe() { for (TaskEvent e : readNewRows()) emitter.emit(e); }
 *     public void close() {}
 * }
 * }</pre>
 */
public interface Observer extends AutoCloseable {

    /** A short, stable name for logs and the {@code adapter_id} (e.g. {@code "mlflow"}). */
    String name();

    /** Opens what the observer needs (connections, files, subscriptions); events go to {@code emitter}. */
    void start(Emitter emitter) throws Exception;

    /** One poll: emit whatever changed since the previous call. Default: nothing (callback-only observers). */
    default void observe() throws Exception {}

    /** A state change pushed by the observed system; default: ignored. May be called from any thread. */
    default void callback(Object change) {}

    /**
     * What this observer counted beyond its emitter's counters (e.g. {@code received}, {@code polls},
     * {@code rejected} inputs), non-negative; sent in its status reports ({@code "type":"observer"}).
     * Called from any thread. Default: none.
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Stops watching and releases resources; must not throw. The controller flushes the emitter after. */
    @Override
    void close();
}

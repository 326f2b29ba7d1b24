package org.mida.server.observerstatus;

/**
 * When an observer counts as silent: it has not reported for more than {@code factor} times its own
 * report interval, and never sooner than {@code minSeconds} (also the limit when it gives no interval).
 * An observer whose last report says {@code stopped} is never silent: it said goodbye.
 *
 * <pre>{@code
 * var rule = new Silence(3, 30);
 * rule.after(10.0);   // 30.0: max(3 x 10, 30)
 * rule.after(60.0);   // 180.0
 * rule.after(null);   // 30.0
 * }</pre>
 */
record Silence(double factor, double minSeconds) {

    Silence {
        if (!(factor > 0) || !(minSeconds >= 0))
            throw new IllegalArgumentException("factor must be positive and minSeconds not negative");
    }

    /** Seconds without a report after which an observer reporting every {@code interval} seconds is silent. */
    double after(Double interval) {
        return interval == null ? minSeconds : Math.max(factor * interval, minSeconds);
    }

    /** Whether an observer in {@code state}, last heard {@code age} seconds ago, is silent. */
    boolean silent(String state, Double interval, double age) {
        return !"stopped".equals(state) && age > after(interval);
    }
}

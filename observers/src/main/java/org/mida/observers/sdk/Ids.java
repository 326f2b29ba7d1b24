package org.mida.observers.sdk;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cheap unique ids: a random per-process prefix (64 bits, base 36) and a counter. Unlike {@code
 * UUID.randomUUID()} this takes no lock and no entropy on the caller's thread. Thread-safe.
 *
 * <pre>{@code
 * String id = Ids.next();   // e.g. "3k9x0c1q2m7ab-42"
 * }</pre>
 */
public final class Ids {
    private static final String PREFIX = Long.toUnsignedString(new SecureRandom().nextLong(), 36) + "-";
    private static final AtomicLong COUNTER = new AtomicLong();

    private Ids() {}

    /**
     * What every id of this process starts with (base-36 digits and {@code '-'}); the rest of an id is the
     * counter's decimal digits. The emitter's wire writer copies such ids without scanning them for
     * characters to escape.
     */
    public static String prefix() {
        return PREFIX;
    }

    /** A new id, unique across processes with overwhelming probability. */
    public static String next() {
        return PREFIX + COUNTER.incrementAndGet();
    }
}

package org.mida.event;

import java.util.Locale;

/**
 * Task and workflow states, Flowcept's names. The rank orders them for the monotonic merge: a state
 * never moves back to a lower rank, so RUNNING after FINISHED is ignored. ERROR outranks FINISHED so
 * that the merge gives the same answer whatever the order the two arrive in.
 */
public enum Status {
    UNKNOWN(0),
    SUBMITTED(1),
    WAITING(2),
    RUNNING(3),
    FINISHED(4),
    ERROR(5);

    private final int rank;

    Status(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public boolean terminal() {
        return this == FINISHED || this == ERROR;
    }

    /** The later of two states under the monotonic merge; null-safe. */
    public static Status max(Status a, Status b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.rank >= b.rank ? a : b;
    }

    /** Parses a wire name (case-insensitive); null when it is not one of ours. */
    public static Status parse(String s) {
        if (s == null) return null;
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

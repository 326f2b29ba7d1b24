package org.mida.event;

/** An event that cannot be parsed or breaks the wire format; the message is the reason, for humans. */
public final class InvalidEventException extends RuntimeException {
    public InvalidEventException(String reason) {
        super(reason);
    }

    public InvalidEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}

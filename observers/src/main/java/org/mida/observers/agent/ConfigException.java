package org.mida.observers.agent;

/**
 * A settings file or command line the agent refuses: the message names the file, the key path
 * ({@code observers[1].poll_interval}) and what is allowed. The agent exits with {@link #EXIT_CODE}.
 */
public final class ConfigException extends RuntimeException {

    /** The process exit code for a configuration error. */
    public static final int EXIT_CODE = 2;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

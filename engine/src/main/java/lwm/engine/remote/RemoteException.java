package lwm.engine.remote;

import java.io.IOException;

/**
 * The backend could not be reached or answered with an error. The message names the endpoint and the problem (never the
 * token); {@link #status()} is the HTTP status, or 0 when no answer came.
 */
public final class RemoteException extends IOException {
    private final int status;
    private final String code;

    public RemoteException(String message, int status, String code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public RemoteException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = null;
    }

    public int status() {
        return status;
    }

    /** The backend's error code, e.g. {@code context_length_exceeded}; null when none was given. */
    public String code() {
        return code;
    }
}

package lwm.engine.route;

/**
 * A request fits neither the local engine nor a backend. The message lists what would make it fit;
 * {@link #maxLocalTokens()} is the most the local engine holds, for callers that can shrink the request (fewer frames).
 */
public final class DoesNotFitException extends IllegalStateException {
    private final long maxLocalTokens;

    DoesNotFitException(String message, long maxLocalTokens) {
        super(message);
        this.maxLocalTokens = maxLocalTokens;
    }

    public long maxLocalTokens() {
        return maxLocalTokens;
    }
}

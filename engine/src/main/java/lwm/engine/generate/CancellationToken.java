package lwm.engine.generate;

/** Set from any thread; a generation checks it between prefill chunks and between tokens. */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}

package lwm.ui.util;

import java.util.concurrent.atomic.AtomicBoolean;
import javafx.application.Platform;

/**
 * Batches updates from a fast producer (tokens, progress) into at most one pending FX-thread update: the producer
 * never waits for the FX thread, and the FX thread renders the latest state once per pulse, however fast tokens come.
 */
public final class FxCoalescer {
    private final Runnable update;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** @param update runs on the FX thread and reads the latest state itself */
    public FxCoalescer(Runnable update) {
        this.update = update;
    }

    /** Called from any thread after the state changed. */
    public void changed() {
        if (scheduled.compareAndSet(false, true)) {
            Platform.runLater(() -> {
                scheduled.set(false);
                update.run();
            });
        }
    }
}

package lwm.ui.util;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javafx.application.Platform;

/**
 * The one executor view models hand slow work to (engine, store, media): the work runs on a background thread,
 * its result or failure comes back on the FX thread. Two threads, so that planning the next question is not stuck
 * behind an answer that is streaming.
 */
public final class Background implements AutoCloseable {
    private final ExecutorService executor;

    public Background() {
        this(2, "lwm-background");
    }

    /** An executor of its own, e.g. for jobs that run for minutes and must not hold up the shared one. */
    public Background(int threads, String name) {
        AtomicInteger count = new AtomicInteger();
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} off the FX thread; {@code onSuccess} or {@code onFailure} then runs on it. */
    public <T> Future<?> run(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        return executor.submit(() -> {
            try {
                T result = work.call();
                Platform.runLater(() -> onSuccess.accept(result));
            } catch (Throwable e) {
                Platform.runLater(() -> onFailure.accept(e));
            }
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * Lets the running work finish (it was asked to stop) for up to {@code seconds}, so that what it keeps is written
     * before the store closes; then interrupts it.
     */
    public void closeWithin(long seconds) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

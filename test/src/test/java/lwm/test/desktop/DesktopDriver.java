package lwm.test.desktop;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.stage.Stage;
import lwm.app.settings.Settings;

/** The desktop run outside JUnit, for the screenshot tour and the FX-stall benchmark: start, act, wait. */
final class DesktopDriver {
    private DesktopDriver() {}

    static void startFx() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        Platform.setImplicitExit(false);
    }

    /** A window on a fresh workspace in {@code data} with {@code settings} saved, shown. */
    static DesktopHarness open(Path data, Settings settings) throws Exception {
        DesktopHarness desktop = DesktopHarness.withSettings(data, settings);
        onFx(() -> {
            desktop.open(new Stage());
            return null;
        });
        Thread.sleep(500);
        return desktop;
    }

    static <T> T onFx(java.util.concurrent.Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(work);
        Platform.runLater(task);
        return task.get(60, TimeUnit.SECONDS);
    }

    static void await(String what, long seconds, BooleanSupplier condition) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!onFx(condition::getAsBoolean)) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}

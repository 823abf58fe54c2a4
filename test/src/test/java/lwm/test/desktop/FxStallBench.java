package lwm.test.desktop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javafx.application.Platform;
import lwm.app.settings.Settings;
import lwm.test.TestVideos;

/**
 * The FX thread's longest stall while the desktop streams answers at full speed and while it ingests a long video,
 * against the same window idle (the peer, in the same run). Not a test: test/bench/desktop-bench.sh runs it.
 *
 * <p>A probe thread posts a task to the FX thread every 2 ms; a stall is the delay from posting to running. Each
 * scenario runs ROUNDS times; the table shows the median over rounds of the longest stall and of the 99th percentile.
 *
 * <pre>  FxStallBench [ROUNDS] [SECONDS]</pre>
 */
public final class FxStallBench {
    private FxStallBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        try {
            run(rounds, seconds);
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(int rounds, int seconds) throws Exception {
        Path work = Files.createTempDirectory("lwm-stall");
        DesktopDriver.startFx();
        Path video = TestVideos.write(work.resolve("long.mp4"), 30 * 120, 640, 360, 30); // two minutes
        DesktopHarness desktop = DesktopDriver.open(work.resolve("data"), Settings.defaults());
        var chat = desktop.window.chat();
        List<String> rows = new ArrayList<>();
        double[] idle = null;
        for (String scenario : List.of("idle window", "streaming answers", "ingesting a 2-minute video")) {
            List<Double> max = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Path cache = work.resolve("data/codes");
                double[] stalls = measure(seconds, () -> act(scenario, chat, video, cache));
                DesktopDriver.await("the turn to end", 300, () -> !chat.busyProperty().get());
                max.add(stalls[0]);
                p99.add(stalls[1]);
            }
            double[] medians = {median(max), median(p99)};
            if (idle == null) {
                idle = medians;
            }
            rows.add(String.format(Locale.ROOT, "| %-28s | %8.1f | %8.1f | %6.2f |", scenario, medians[0], medians[1],
                    medians[0] / Math.max(0.1, idle[0])));
        }
        System.out.println("| scenario                     | max (ms) | p99 (ms) | max / idle |");
        System.out.println("|---|---|---|---|");
        rows.forEach(System.out::println);
        desktop.close();
    }

    /** Starts one piece of the scenario's work; called again whenever the window is idle during the measurement. */
    private static void act(String scenario, lwm.ui.chat.ChatViewModel chat, Path video, Path cache) {
        if (scenario.startsWith("idle") || chat.busyProperty().get()) {
            return;
        }
        chat.selectedProperty().set(null); // each turn in a new conversation, so the context never fills
        if (scenario.startsWith("streaming")) {
            chat.draftProperty().set("Tell me a long story about the red circle, the blue square and the green triangle.");
        } else {
            chat.framesPerVideoProperty().set(24);
            chat.addAttachments(List.of(video));
            chat.draftProperty().set("Which way does the circle move?");
            emptyCodeCache(cache); // decoded and encoded each time, never found in the cache
        }
        chat.send();
    }

    private static void emptyCodeCache(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            // no cache yet
        }
    }

    /** Longest and 99th-percentile FX delay in ms over {@code seconds}, re-starting {@code work} whenever idle. */
    private static double[] measure(int seconds, Runnable work) throws Exception {
        List<Double> delays = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor();
        AtomicLong pending = new AtomicLong();
        probe.scheduleAtFixedRate(() -> {
            if (pending.get() == 0) {
                long posted = System.nanoTime();
                pending.set(posted);
                Platform.runLater(() -> {
                    delays.add((System.nanoTime() - posted) / 1e6);
                    pending.set(0);
                });
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Platform.runLater(work);
            Thread.sleep(100);
        }
        probe.shutdownNow();
        List<Double> sorted = new ArrayList<>(delays);
        Collections.sort(sorted);
        return new double[] {sorted.get(sorted.size() - 1), sorted.get((int) (sorted.size() * 0.99))};
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}

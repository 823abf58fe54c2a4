package lwm.app.ingest;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import lwm.media.RgbImage;

/**
 * Chooses between two encoders of the same VQGAN weights by measuring them: the first trial batch runs on one, the
 * second on the other, and every later batch on the one with more frames per second (upload included for the
 * backend). The choice is reported once.
 */
public final class FastestFrameEncoder implements FrameEncoder {
    /** Frames per trial batch: enough to time, few enough that the slower encoder costs little. */
    static final int TRIAL_FRAMES = 2;

    private final FrameEncoder first;
    private final FrameEncoder second;
    private final Consumer<String> report;
    private double firstRate;
    private double secondRate;
    private FrameEncoder chosen;

    public FastestFrameEncoder(FrameEncoder first, FrameEncoder second, Consumer<String> report) {
        this.first = first;
        this.second = second;
        this.report = report;
    }

    @Override
    public int batchFrames() {
        return chosen != null ? chosen.batchFrames() : TRIAL_FRAMES;
    }

    @Override
    public int[][] encode(List<RgbImage> frames) throws IOException {
        if (chosen != null) {
            return chosen.encode(frames);
        }
        boolean firstTrial = firstRate == 0;
        FrameEncoder trial = firstTrial ? first : second;
        long start = System.nanoTime();
        int[][] codes = trial.encode(frames);
        double rate = frames.size() * 1e9 / Math.max(1, System.nanoTime() - start);
        if (firstTrial) {
            firstRate = rate;
        } else {
            secondRate = rate;
            chosen = firstRate >= secondRate ? first : second;
            report.accept(String.format(java.util.Locale.ROOT, "encoding on the %s (%s %.2f frames/s, %s %.2f frames/s)",
                    chosen.name(), first.name(), firstRate, second.name(), secondRate));
        }
        return codes;
    }

    @Override
    public String name() {
        return chosen != null ? chosen.name() : first.name() + " or " + second.name();
    }
}

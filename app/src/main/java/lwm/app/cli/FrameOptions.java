package lwm.app.cli;

import java.util.ArrayList;
import java.util.List;
import lwm.media.SamplingPolicy;
import lwm.media.TimeRange;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Which frames of a video go to the model: LWM's evenly spaced N frames (default 8, as LWM), or a fixed rate. */
final class FrameOptions {
    /** LWM's vision chat default ({@code max_n_frames=8}, reference/lwm.md §2.3). */
    static final int DEFAULT_FRAMES = 8;

    @ArgGroup(exclusive = true)
    Count count;

    static final class Count {
        @Option(names = "--frames", paramLabel = "N", description = "Evenly spaced frames, LWM's linspace (default 8).")
        Integer frames;

        @Option(names = "--fps", paramLabel = "R", description = "Frames per second instead of a fixed count.")
        Double fps;
    }

    @Option(names = "--range", paramLabel = "T1-T2",
            description = "Only frames between T1 and T2 seconds (repeatable; their union).")
    List<String> ranges = new ArrayList<>();

    SamplingPolicy policy() {
        SamplingPolicy base = count != null && count.fps != null ? SamplingPolicy.fixedRate(count.fps)
                : SamplingPolicy.lwm(count != null && count.frames != null ? count.frames : DEFAULT_FRAMES);
        if (ranges.isEmpty()) {
            return base;
        }
        return base.within(ranges.stream().map(FrameOptions::parseRange).toArray(TimeRange[]::new));
    }

    static TimeRange parseRange(String text) {
        int dash = text.indexOf('-', 1);
        if (dash < 0) {
            throw new IllegalArgumentException("--range " + text + ": expected T1-T2 in seconds, e.g. 30-90.5");
        }
        try {
            return new TimeRange(Double.parseDouble(text.substring(0, dash)), Double.parseDouble(text.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--range " + text + ": expected T1-T2 in seconds, e.g. 30-90.5");
        }
    }
}

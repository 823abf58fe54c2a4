package lwm.media;

import java.util.Arrays;
import java.util.List;

/**
 * Which frames of a video to sample. {@link #lwm(int)} is LWM's rule; {@link #fixedRate(double)} samples by time;
 * {@link #within(TimeRange...)} restricts either to time ranges.
 */
public sealed interface SamplingPolicy permits SamplingPolicy.Linspace, SamplingPolicy.FixedRate {

    /**
     * LWM's sampling: all frames when there are at most {@code maxFrames}, otherwise
     * {@code np.linspace(0, n - 1, maxFrames, dtype=int)} over frame indices (truncated toward zero).
     */
    static SamplingPolicy lwm(int maxFrames) {
        return new Linspace(maxFrames, List.of());
    }

    /** One frame every {@code 1 / fps} seconds: the frame on screen at each of those instants. */
    static SamplingPolicy fixedRate(double fps) {
        return new FixedRate(fps, List.of());
    }

    /** The same policy applied only to frames starting inside the given ranges (their union). */
    SamplingPolicy within(TimeRange... ranges);

    /** The sampled frame indices, ascending and distinct, with how many were asked for. */
    SamplePlan plan(FrameTimeline timeline);

    /** Frame indices to decode, and the number of frames the policy asked for (more when the video is short). */
    record SamplePlan(int[] frames, int requested) {}

    record Linspace(int maxFrames, List<TimeRange> ranges) implements SamplingPolicy {

        public Linspace {
            if (maxFrames < 1) {
                throw new IllegalArgumentException("maxFrames must be at least 1: " + maxFrames);
            }
            ranges = List.copyOf(ranges);
        }

        @Override
        public SamplingPolicy within(TimeRange... newRanges) {
            return new Linspace(maxFrames, List.of(newRanges));
        }

        @Override
        public SamplePlan plan(FrameTimeline timeline) {
            int[] candidates = framesInRanges(timeline, ranges);
            return new SamplePlan(pick(candidates, linspace(candidates.length, maxFrames)), maxFrames);
        }

        /**
         * numpy's {@code linspace(0, n - 1, k, dtype=int)}: {@code i * ((n - 1) / (k - 1))} in double, the last
         * value exactly n - 1, then truncated; all of {@code 0..n-1} when {@code n <= k} (LWM's rule).
         */
        static int[] linspace(int n, int k) {
            if (n <= k) {
                int[] all = new int[n];
                Arrays.setAll(all, i -> i);
                return all;
            }
            int[] out = new int[k];
            if (k == 1) {
                return out;
            }
            double step = (double) (n - 1) / (k - 1);
            for (int i = 0; i < k - 1; i++) {
                out[i] = (int) (i * step);
            }
            out[k - 1] = n - 1;
            return out;
        }

        private static int[] pick(int[] candidates, int[] positions) {
            int[] out = new int[positions.length];
            for (int i = 0; i < positions.length; i++) {
                out[i] = candidates[positions[i]];
            }
            return out;
        }
    }

    record FixedRate(double fps, List<TimeRange> ranges) implements SamplingPolicy {

        private static final double END_TOLERANCE_SECONDS = 1e-6;

        public FixedRate {
            if (!(fps > 0) || Double.isInfinite(fps)) {
                throw new IllegalArgumentException("fps must be positive: " + fps);
            }
            ranges = List.copyOf(ranges);
        }

        @Override
        public SamplingPolicy within(TimeRange... newRanges) {
            return new FixedRate(fps, List.of(newRanges));
        }

        @Override
        public SamplePlan plan(FrameTimeline timeline) {
            double duration = timeline.durationSeconds();
            List<TimeRange> spans = ranges.isEmpty() ? List.of(new TimeRange(0, Math.max(duration, 1e-9))) : ranges;
            int requested = 0;
            int[] frames = new int[16];
            int count = 0;
            for (TimeRange span : spans) {
                double end = Math.min(span.endSeconds(), duration);
                for (long j = 0; ; j++) {
                    double t = span.startSeconds() + j / fps;
                    // The tolerance keeps rounding in the duration from adding an instant at the very end.
                    if (t >= end - END_TOLERANCE_SECONDS) {
                        break;
                    }
                    requested++;
                    int frame = timeline.frameAt(t);
                    if (frame >= 0) {
                        if (count == frames.length) {
                            frames = Arrays.copyOf(frames, count * 2);
                        }
                        frames[count++] = frame;
                    }
                }
            }
            // Above the video's own frame rate, several instants show the same frame: it is decoded once.
            return new SamplePlan(Arrays.stream(frames, 0, count).sorted().distinct().toArray(), requested);
        }
    }

    private static int[] framesInRanges(FrameTimeline timeline, List<TimeRange> ranges) {
        int n = timeline.frameCount();
        if (ranges.isEmpty()) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        return java.util.stream.IntStream.range(0, n)
                .filter(i -> ranges.stream().anyMatch(r -> r.contains(timeline.seconds(i))))
                .toArray();
    }
}

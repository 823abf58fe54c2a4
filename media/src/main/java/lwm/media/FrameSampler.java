package lwm.media;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Turns a file into sampled frames: videos through the sampling policy, images (recognised by content, whatever the
 * extension) as a single frame.
 *
 * <pre>{@code
 * try (FrameStream frames = FrameSampler.lwm().open(path, SamplingPolicy.lwm(8))) {
 *     for (SampledFrame frame : frames) {
 *         float[] x = frame.modelInput(); // 256*256*3, HWC, in [-1, 1]
 *     }
 * }
 * }</pre>
 */
public final class FrameSampler {

    private static final int DEFAULT_WORKERS = 2;
    private static final int MODEL_FRAMES_IN_FLIGHT = 96;
    private static final int RAW_FRAMES_IN_FLIGHT = 16;

    private final UnaryOperator<RgbImage> transform;
    private final int workers;
    private final int framesInFlight;

    private FrameSampler(UnaryOperator<RgbImage> transform, int workers, int framesInFlight) {
        this.transform = transform;
        this.workers = workers;
        this.framesInFlight = framesInFlight;
    }

    /** Frames preprocessed as LWM does (256x256, see {@link LwmPreprocessor}). */
    public static FrameSampler lwm() {
        return new FrameSampler(LwmPreprocessor::toModelFrame, DEFAULT_WORKERS, MODEL_FRAMES_IN_FLIGHT);
    }

    /** Frames as decoded and rotated for display, at full size (fewer buffered, as they are larger). */
    public static FrameSampler rawFrames() {
        return new FrameSampler(UnaryOperator.identity(), DEFAULT_WORKERS, RAW_FRAMES_IN_FLIGHT);
    }

    /** Decoders running in parallel on different parts of long videos (frames in flight grow to 4 per worker). */
    public FrameSampler withWorkers(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + count);
        }
        return new FrameSampler(transform, count, Math.max(framesInFlight, 4 * count));
    }

    /** Upper bound on decoded frames waiting for the consumer. */
    public FrameSampler withFramesInFlight(int count) {
        if (count < 4 * workers) {
            throw new IllegalArgumentException("need at least " + 4 * workers + " frames in flight: " + count);
        }
        return new FrameSampler(transform, workers, count);
    }

    public FrameStream open(Path file, SamplingPolicy policy) {
        if (ImageFiles.isImage(file)) {
            List<String> warnings = new ArrayList<>();
            RgbImage image = ImageFiles.read(file, warnings::add);
            return new FrameStream(new SingleFrame(new SampledFrame(0, 0, transform.apply(image))), 1, warnings);
        }
        FrameTimeline timeline;
        boolean canSeek;
        try (VideoContainer container = VideoContainer.open(file)) {
            container.requirePixelLimit();
            canSeek = container.hasSeekIndex();
            timeline = FrameTimeline.scan(container);
        }
        canSeek &= timeline.hasTimestamps();
        SamplingPolicy.SamplePlan plan = policy.plan(timeline);
        List<String> warnings = new ArrayList<>();
        if (plan.frames().length < plan.requested()) {
            warnings.add(file + ": " + plan.requested() + " frames requested, only " + plan.frames().length
                    + " distinct frames available (the video has " + timeline.frameCount() + " frames)");
        }
        // 2 x workers chunks in flight with one queue each: framesInFlight in all. A queue holds twice a chunk's
        // target, so a chunk that runs on past its target to the next keyframe usually still fits.
        int queueCapacity = framesInFlight / (2 * workers);
        int chunkTarget = Math.max(1, queueCapacity / 2);
        List<int[]> chunks = ChunkPlanner.split(plan.frames(), timeline, canSeek, chunkTarget);
        ChunkPipeline pipeline =
                new ChunkPipeline(file, timeline, chunks, canSeek, workers, queueCapacity, transform);
        return new FrameStream(pipeline, plan.frames().length, warnings);
    }
}

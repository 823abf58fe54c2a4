package lwm.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class VideoSamplingTest {

    private static List<SampledFrame> sample(FrameSampler sampler, Path video, SamplingPolicy policy) {
        try (FrameStream frames = sampler.open(video, policy)) {
            List<SampledFrame> list = frames.toList();
            assertEquals(List.of(), frames.warnings());
            return list;
        }
    }

    private static int[] indices(List<SampledFrame> frames) {
        return frames.stream().mapToInt(SampledFrame::index).toArray();
    }

    /** Every frame shows the code it was written with, and is the 256x256 model frame. */
    private static void assertContentMatchesIndex(List<SampledFrame> frames) {
        for (SampledFrame frame : frames) {
            assertEquals(256, frame.image().width());
            assertEquals(256, frame.image().height());
            assertEquals(frame.index(), TestMedia.readCode(frame.image()), "content of frame " + frame.index());
        }
    }

    @Test
    void lwmDefaultSamplesNumpyLinspaceFrames() throws Exception {
        List<SampledFrame> frames = sample(FrameSampler.lwm(), VideoFixtures.h264(), SamplingPolicy.lwm(8));
        assertArrayEquals(SamplingPolicy.Linspace.linspace(50, 8), indices(frames));
        assertContentMatchesIndex(frames);
        for (SampledFrame frame : frames) {
            assertEquals(frame.index() / 25.0, frame.timestampSeconds(), 1e-9);
        }
        float[] x = frames.get(0).modelInput();
        assertEquals(256 * 256 * 3, x.length);
        for (float v : x) {
            assertTrue(v >= -1f && v <= 1f);
        }
        FloatBuffer direct = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        frames.get(0).writeModelInput(direct);
        float[] copied = new float[x.length];
        direct.flip().get(copied);
        assertArrayEquals(x, copied);
    }

    @Test
    void vp9Mpeg4AndAv1() throws Exception {
        for (Path video : List.of(VideoFixtures.vp9Odd(), VideoFixtures.mpeg4(), VideoFixtures.av1())) {
            List<SampledFrame> frames = sample(FrameSampler.lwm(), video, SamplingPolicy.lwm(6));
            assertEquals(6, frames.size(), video.toString());
            assertContentMatchesIndex(frames);
        }
    }

    @Test
    void fixedRateAndTimeRanges() throws Exception {
        List<SampledFrame> everyFifth = sample(FrameSampler.lwm(), VideoFixtures.h264(), SamplingPolicy.fixedRate(5));
        assertArrayEquals(new int[] {0, 5, 10, 15, 20, 25, 30, 35, 40, 45}, indices(everyFifth));
        assertContentMatchesIndex(everyFifth);
        SamplingPolicy ranged = SamplingPolicy.lwm(3).within(new TimeRange(0.4, 0.8), new TimeRange(1.6, 2.0));
        List<SampledFrame> inRanges = sample(FrameSampler.lwm(), VideoFixtures.h264(), ranged);
        assertArrayEquals(new int[] {10, 19, 49}, indices(inRanges));
        assertContentMatchesIndex(inRanges);
    }

    @Test
    void variableFrameRateUsesRealTimestamps() throws Exception {
        List<SampledFrame> all = sample(FrameSampler.lwm(), VideoFixtures.variableFrameRate(), SamplingPolicy.lwm(8));
        assertContentMatchesIndex(all);
        for (SampledFrame frame : all) {
            assertEquals(VideoFixtures.VFR_TIMES[frame.index()], frame.timestampSeconds(), 1e-6);
        }
        // At 0, 0.25, 0.5, ... s the frames on screen started at 0, 0.24, 0.5, 0.5, 0.94, 0.94, 1.5.
        SamplingPolicy quarterSeconds = SamplingPolicy.fixedRate(4).within(new TimeRange(0, 1.6));
        try (FrameStream frames = FrameSampler.lwm().open(VideoFixtures.variableFrameRate(), quarterSeconds)) {
            assertArrayEquals(new int[] {0, 3, 4, 6, 7}, indices(frames.toList()));
            // Seven instants, five distinct frames: reported, not failed.
            assertTrue(frames.warnings().get(0).contains("7 frames requested, only 5"), frames.warnings().toString());
        }
    }

    @Test
    void longKeyframeIntervalDecodesInOneForwardPass() throws Exception {
        try (FrameStream frames = FrameSampler.lwm().open(VideoFixtures.h264LongGop(), SamplingPolicy.fixedRate(2))) {
            List<SampledFrame> list = frames.toList();
            assertEquals(24, list.size());
            assertContentMatchesIndex(list);
            DecodeStats stats = frames.stats();
            // Two keyframes (0 and 250): at most one jump, to the second, and no frame decoded twice.
            assertTrue(stats.seeks() <= 1, stats.toString());
            assertTrue(stats.framesDecoded() <= 300, stats.toString());
        }
    }

    @Test
    void shortKeyframeIntervalSeeksFromSampleToSample() throws Exception {
        try (FrameStream frames = FrameSampler.lwm().open(VideoFixtures.h264ShortGop(), SamplingPolicy.lwm(4))) {
            assertContentMatchesIndex(frames.toList());
            DecodeStats stats = frames.stats();
            assertEquals(3, stats.seeks(), stats.toString());
            assertTrue(stats.framesDecoded() <= 4 * 5, stats.toString());
        }
    }

    @Test
    void parallelChunksComeBackInOrder() throws Exception {
        FrameSampler sampler = FrameSampler.lwm().withWorkers(2).withFramesInFlight(8);
        try (FrameStream frames = sampler.open(VideoFixtures.h264ShortGop(), SamplingPolicy.lwm(60))) {
            List<SampledFrame> list = frames.toList();
            assertArrayEquals(SamplingPolicy.Linspace.linspace(200, 60), indices(list));
            assertContentMatchesIndex(list);
            assertEquals(2, frames.stats().workers());
            assertTrue(frames.stats().chunks() > 10, frames.stats().toString());
        }
    }

    @Test
    void rotationIsAppliedForDisplay() throws Exception {
        List<SampledFrame> frames =
                sample(FrameSampler.rawFrames(), VideoFixtures.rotatedClockwise(), SamplingPolicy.lwm(1));
        RgbImage image = frames.get(0).image();
        assertEquals(96, image.width());
        assertEquals(160, image.height());
        // Stored red grows to the right and green downwards; turned clockwise, the top-left corner was bottom-left.
        assertTrue(image.sample(1, 1, 0) < 60 && image.sample(1, 1, 1) > 190);
        assertTrue(image.sample(94, 158, 0) > 190 && image.sample(94, 158, 1) < 60);
        assertEquals(0, TestMedia.readCode(LwmPreprocessor.toModelFrame(image)));
    }

    @Test
    void closingEarlyStopsTheWorkers() throws Exception {
        FrameSampler sampler = FrameSampler.lwm().withFramesInFlight(8);
        FrameStream frames = sampler.open(VideoFixtures.h264LongGop(), SamplingPolicy.lwm(300));
        var iterator = frames.iterator();
        assertEquals(0, iterator.next().index());
        assertEquals(1, iterator.next().index());
        frames.close();
        assertFalse(iterator.hasNext());
        long decoderThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("lwm-media-decoder") && t.isAlive())
                .count();
        assertEquals(0, decoderThreads);
    }
}

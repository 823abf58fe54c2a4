package lwm.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SamplingPolicyTest {

    /** A constant-rate timeline: {@code frames} frames at {@code fps}, keyframe every {@code gop}. */
    private static FrameTimeline timeline(int frames, int fps, int gop) {
        long[] stamps = new long[frames];
        Arrays.setAll(stamps, i -> i);
        int[] keys = java.util.stream.IntStream.range(0, frames).filter(i -> i % gop == 0).toArray();
        return new FrameTimeline(stamps, keys, 1.0 / fps, true);
    }

    @Test
    void linspaceMatchesNumpyIntegerLinspace() {
        // Values printed by numpy 2.4: np.linspace(0, n - 1, k, dtype=int).
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 6, 7, 9}, SamplingPolicy.Linspace.linspace(10, 8));
        assertArrayEquals(new int[] {0, 14, 28, 42, 56, 70, 84, 99}, SamplingPolicy.Linspace.linspace(100, 8));
        assertArrayEquals(new int[] {0, 166, 333, 499, 666, 832, 999}, SamplingPolicy.Linspace.linspace(1000, 7));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 8}, SamplingPolicy.Linspace.linspace(9, 8));
        assertArrayEquals(new int[] {0}, SamplingPolicy.Linspace.linspace(3, 1));
        int[] hour = SamplingPolicy.Linspace.linspace(90000, 3600);
        assertEquals(161996401L, Arrays.stream(hour).asLongStream().sum());
        assertEquals(25006, hour[1000]);
        assertEquals(44986, hour[1799]);
        assertEquals(89999, hour[3599]);
    }

    @Test
    void lwmTakesAllFramesOfShortVideos() {
        SamplingPolicy.SamplePlan plan = SamplingPolicy.lwm(8).plan(timeline(5, 25, 10));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, plan.frames());
        assertEquals(8, plan.requested());
    }

    @Test
    void lwmWithinRangesSpreadsOverTheFramesInTheRanges() {
        // Frames 25..49 and 100..124 (1-2 s and 4-5 s at 25 fps): 50 candidates, 5 picks.
        SamplingPolicy policy = SamplingPolicy.lwm(5).within(new TimeRange(1, 2), new TimeRange(4, 5));
        assertArrayEquals(new int[] {25, 37, 49, 111, 124}, policy.plan(timeline(250, 25, 10)).frames());
    }

    @Test
    void fixedRatePicksTheFrameOnScreenAtEachInstant() {
        assertArrayEquals(new int[] {0, 25, 50, 75}, SamplingPolicy.fixedRate(1).plan(timeline(100, 25, 10)).frames());
        assertArrayEquals(new int[] {0, 12, 25, 37},
                SamplingPolicy.fixedRate(2).plan(timeline(50, 25, 10)).frames());
        SamplingPolicy ranged = SamplingPolicy.fixedRate(4).within(new TimeRange(2, 3));
        assertArrayEquals(new int[] {50, 56, 62, 68}, ranged.plan(timeline(100, 25, 10)).frames());
    }

    @Test
    void fixedRateAboveTheVideoRateDecodesEachFrameOnce() {
        SamplingPolicy.SamplePlan plan = SamplingPolicy.fixedRate(50).plan(timeline(10, 25, 10));
        assertEquals(10, plan.frames().length);
        assertEquals(20, plan.requested());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> SamplingPolicy.lwm(0));
        assertThrows(IllegalArgumentException.class, () -> SamplingPolicy.fixedRate(0));
        assertThrows(IllegalArgumentException.class, () -> new TimeRange(3, 2));
    }

    @Test
    void chunksEndOnlyAtNewKeyframes() {
        FrameTimeline gop250 = timeline(1000, 25, 250);
        int[] everySecond = java.util.stream.IntStream.range(0, 40).map(i -> i * 25).toArray();
        var chunks = ChunkPlanner.split(everySecond, gop250, true, 4);
        // Ten samples share each keyframe interval: cuts fall at frames 250, 500, 750.
        assertEquals(4, chunks.size());
        assertEquals(250, chunks.get(1)[0]);
        assertEquals(1, ChunkPlanner.split(everySecond, gop250, false, 4).size());
    }
}

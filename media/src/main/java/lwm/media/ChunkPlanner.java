package lwm.media;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits the sampled frames into chunks that workers decode in parallel. A chunk ends only where the next sample
 * lies behind a new keyframe, so no group of pictures is decoded by two workers; a chunk holds about
 * {@code target} samples so that a few chunks in flight bound memory.
 */
final class ChunkPlanner {

    private ChunkPlanner() {}

    static List<int[]> split(int[] frames, FrameTimeline timeline, boolean canSeek, int target) {
        List<int[]> chunks = new ArrayList<>();
        if (frames.length == 0) {
            return chunks;
        }
        if (!canSeek) {
            chunks.add(frames);
            return chunks;
        }
        int start = 0;
        for (int i = 1; i < frames.length; i++) {
            boolean newGroup = timeline.keyframeAtOrBefore(frames[i]) > frames[i - 1];
            if (i - start >= target && newGroup) {
                chunks.add(Arrays.copyOfRange(frames, start, i));
                start = i;
            }
        }
        chunks.add(Arrays.copyOfRange(frames, start, frames.length));
        return chunks;
    }
}

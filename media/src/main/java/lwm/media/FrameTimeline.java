package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVPacket;

/**
 * Every frame of the video stream with its presentation time and which frames are keyframes, from one demuxing pass
 * over the packets (no decoding). Frame {@code i} is the i-th frame in presentation order, as decord counts them, so
 * sampling by frame index means what it means in LWM, also for variable frame rates.
 */
final class FrameTimeline {

    private final long[] timestamps;
    private final int[] keyframes;
    private final double timeBase;
    private final boolean hasTimestamps;

    /**
     * @param timestamps presentation timestamps of all frames, ascending, in units of {@code timeBase} seconds
     * @param keyframes ascending indices of the keyframes
     */
    FrameTimeline(long[] timestamps, int[] keyframes, double timeBase, boolean hasTimestamps) {
        this.timestamps = timestamps;
        this.keyframes = keyframes;
        this.timeBase = timeBase;
        this.hasTimestamps = hasTimestamps;
    }

    /** Reads all video packets of the container from its current position (the start, after opening). */
    static FrameTimeline scan(VideoContainer container) {
        long[] stamps = new long[1024];
        long[] keyStamps = new long[64];
        int frames = 0;
        int keys = 0;
        boolean complete = true;
        AVPacket packet = av_packet_alloc();
        try {
            while (container.readVideoPacket(packet)) {
                if (VideoContainer.isEncrypted(packet)) {
                    throw container.encrypted();
                }
                long pts = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
                complete &= pts != AV_NOPTS_VALUE;
                if (frames == stamps.length) {
                    stamps = Arrays.copyOf(stamps, frames * 2);
                }
                stamps[frames++] = pts;
                if ((packet.flags() & AV_PKT_FLAG_KEY) != 0) {
                    if (keys == keyStamps.length) {
                        keyStamps = Arrays.copyOf(keyStamps, keys * 2);
                    }
                    keyStamps[keys++] = pts;
                }
            }
        } finally {
            av_packet_free(packet);
        }
        if (frames == 0) {
            throw new MediaException(container.file(), "the video stream has no frames (empty or truncated file)");
        }
        long[] sorted = Arrays.copyOf(stamps, frames);
        if (!complete) {
            // No timestamps to order frames by: frame i is the i-th packet, and seeking is off (see hasTimestamps).
            for (int i = 0; i < frames; i++) {
                sorted[i] = i;
            }
            return new FrameTimeline(sorted, new int[] {0}, 1.0 / container.frameRate(), false);
        }
        Arrays.sort(sorted);
        int[] keyIndices = new int[keys];
        for (int i = 0; i < keys; i++) {
            keyIndices[i] = Math.max(0, Arrays.binarySearch(sorted, keyStamps[i]));
        }
        Arrays.sort(keyIndices);
        return new FrameTimeline(sorted, keyIndices, container.timeBase(), true);
    }

    int frameCount() {
        return timestamps.length;
    }

    /** Seconds from the first frame to frame {@code index}. */
    double seconds(int index) {
        return (timestamps[index] - timestamps[0]) * timeBase;
    }

    /** The container timestamp of frame {@code index} (for seeking). */
    long timestamp(int index) {
        return timestamps[index];
    }

    /** Seconds from the first frame to the end of the last one (its duration taken as the previous interval). */
    double durationSeconds() {
        int n = timestamps.length;
        double last = n > 1 ? seconds(n - 1) - seconds(n - 2) : 0;
        return seconds(n - 1) + last;
    }

    /** The frame shown at {@code seconds}: the last frame starting at or before it (-1 before the first). */
    int frameAt(double seconds) {
        long target = timestamps[0] + (long) Math.floor(seconds / timeBase + 1e-6);
        int found = Arrays.binarySearch(timestamps, target);
        if (found >= 0) {
            while (found + 1 < timestamps.length && timestamps[found + 1] == target) {
                found++;
            }
            return found;
        }
        return -found - 2;
    }

    /** Index of the frame with container timestamp {@code timestamp}, or the nearest one. */
    int indexOf(long timestamp) {
        int found = Arrays.binarySearch(timestamps, timestamp);
        if (found >= 0) {
            return found;
        }
        int after = -found - 1;
        if (after == 0) {
            return 0;
        }
        if (after == timestamps.length) {
            return after - 1;
        }
        return timestamp - timestamps[after - 1] <= timestamps[after] - timestamp ? after - 1 : after;
    }

    /** The last keyframe at or before frame {@code index} (0 if none). */
    int keyframeAtOrBefore(int index) {
        int found = Arrays.binarySearch(keyframes, index);
        int position = found >= 0 ? found : -found - 2;
        return position < 0 ? 0 : keyframes[position];
    }

    /** Whether frames carry timestamps; without them frames are only counted and seeking is impossible. */
    boolean hasTimestamps() {
        return hasTimestamps;
    }
}

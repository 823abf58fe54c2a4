package lwm.media;

import java.nio.file.Path;

/**
 * What {@link MediaProbe} learns about a video from its headers and first keyframes.
 *
 * @param frameCount frames as the container declares them, or duration x frame rate when it does not; sampling
 *     counts them exactly
 * @param frameRate average frames per second
 * @param width coded width, before rotation
 * @param height coded height, before rotation
 * @param rotation clockwise degrees a player rotates the picture for display: 0, 90, 180 or 270
 * @param audioCodec null when there is no audio stream
 * @param keyframeIntervalSeconds mean distance between the first keyframes; when only one keyframe was seen, the
 *     length read without finding another (a lower bound)
 */
public record VideoInfo(
        Path file,
        String container,
        double durationSeconds,
        long frameCount,
        double frameRate,
        int width,
        int height,
        int rotation,
        String videoCodec,
        String audioCodec,
        double keyframeIntervalSeconds) {

    public boolean hasAudio() {
        return audioCodec != null;
    }

    /** Width as displayed, after rotation. */
    public int displayWidth() {
        return rotation % 180 == 0 ? width : height;
    }

    /** Height as displayed, after rotation. */
    public int displayHeight() {
        return rotation % 180 == 0 ? height : width;
    }
}

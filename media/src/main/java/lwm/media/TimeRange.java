package lwm.media;

/** A span of a video in seconds from its first frame, start inclusive, end exclusive. */
public record TimeRange(double startSeconds, double endSeconds) {

    public TimeRange {
        if (!(startSeconds >= 0) || !(endSeconds > startSeconds)) {
            throw new IllegalArgumentException("invalid time range [" + startSeconds + ", " + endSeconds + ")");
        }
    }

    public boolean contains(double seconds) {
        return seconds >= startSeconds && seconds < endSeconds;
    }
}

package lwm.media;

import java.util.List;

/** The frame source of a still image: one frame. */
final class SingleFrame implements FrameSource {

    private SampledFrame frame;

    SingleFrame(SampledFrame frame) {
        this.frame = frame;
    }

    @Override
    public SampledFrame next() {
        SampledFrame next = frame;
        frame = null;
        return next;
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }

    @Override
    public DecodeStats stats() {
        return new DecodeStats(1, 0, 1, 1);
    }

    @Override
    public void close() {
        frame = null;
    }
}

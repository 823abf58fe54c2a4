package lwm.media;

import java.util.List;

/** Where a {@link FrameStream} gets its frames: a video pipeline or a single decoded image. */
interface FrameSource extends AutoCloseable {

    /** The next frame, or null at the end; blocks while frames are being decoded. */
    SampledFrame next();

    /** Problems that did not stop the stream (lost frames, fewer frames than requested). */
    List<String> warnings();

    DecodeStats stats();

    @Override
    void close();
}

package lwm.app.ingest;

import java.io.IOException;
import java.util.List;
import lwm.media.RgbImage;

/** Turns batches of 256×256 model frames into VQGAN codes, on this machine or on the backend. */
public interface FrameEncoder {
    /** Frames per {@link #encode} call that keep the encoder busy without holding too much. */
    int batchFrames();

    /** Codes of each frame, in order; the frames are LWM's 256×256 model frames. */
    int[][] encode(List<RgbImage> frames) throws IOException;

    /** Shown to the user: where the encoding runs. */
    String name();
}

package lwm.app.ingest;

import java.nio.FloatBuffer;
import java.util.List;
import lwm.engine.vqgan.Vqgan;
import lwm.media.LwmPreprocessor;
import lwm.media.RgbImage;

/** The VQGAN on this machine. */
public final class LocalFrameEncoder implements FrameEncoder {
    private static final int FRAME_FLOATS = LwmPreprocessor.SIZE * LwmPreprocessor.SIZE * 3;
    /** Frames per VQGAN call at most: 16 frames are 12.6 MB of pixels, enough to keep the convolutions busy. */
    private static final int MAX_BATCH = 16;

    private final Vqgan vqgan;

    public LocalFrameEncoder(Vqgan vqgan) {
        this.vqgan = vqgan;
    }

    @Override
    public int batchFrames() {
        return Math.max(1, Math.min(vqgan.encodeBatchFrames(), MAX_BATCH));
    }

    @Override
    public int[][] encode(List<RgbImage> frames) {
        float[] pixels = new float[frames.size() * FRAME_FLOATS];
        for (int i = 0; i < frames.size(); i++) {
            LwmPreprocessor.normalizeInto(frames.get(i), FloatBuffer.wrap(pixels, i * FRAME_FLOATS, FRAME_FLOATS));
        }
        return vqgan.encode(pixels, frames.size());
    }

    @Override
    public String name() {
        return "local VQGAN";
    }
}

package lwm.media;

import java.nio.FloatBuffer;

/**
 * One sampled frame.
 *
 * @param index frame index in presentation order (0 for an image)
 * @param timestampSeconds presentation time from the first frame
 * @param image the frame after the stream's transform: 256x256 for LWM ({@link VideoSampler#lwm()}), else as decoded
 *     and rotated for display
 */
public record SampledFrame(int index, double timestampSeconds, RgbImage image) {

    /** The 256×256 RGB frame the VQGAN sees (before {@code x / 127.5 - 1}). */
    public RgbImage modelFrame() {
        requireModelFrame();
        return image;
    }

    /** LWM's model input {@code x / 127.5 - 1}, HWC; the image must already be the 256x256 model frame. */
    public float[] modelInput() {
        requireModelFrame();
        return LwmPreprocessor.normalize(image);
    }

    /** Writes {@link #modelInput()} into {@code target} (e.g. a direct buffer handed to a tensor library). */
    public void writeModelInput(FloatBuffer target) {
        requireModelFrame();
        LwmPreprocessor.normalizeInto(image, target);
    }

    private void requireModelFrame() {
        if (image.width() != LwmPreprocessor.SIZE || image.height() != LwmPreprocessor.SIZE) {
            throw new IllegalStateException("not a model frame: " + image.width() + "x" + image.height());
        }
    }
}

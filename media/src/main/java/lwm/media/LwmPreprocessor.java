package lwm.media;

import java.nio.FloatBuffer;

/**
 * LWM's frame preprocessing (vision_chat.py): shorter side to 256 keeping the aspect ratio with the longer side
 * truncated ({@code int(256 * long / short)}), Pillow's default BICUBIC resize, centre crop with PIL's rounded box,
 * then {@code x / 127.5 - 1} into HWC floats.
 */
public final class LwmPreprocessor {

    /** Side of the square frames LWM's VQGAN encodes. */
    public static final int SIZE = 256;

    private LwmPreprocessor() {}

    /** The 256x256 RGB frame LWM would feed its VQGAN, before normalisation. */
    public static RgbImage toModelFrame(RgbImage image) {
        int width = image.width();
        int height = image.height();
        int newWidth;
        int newHeight;
        if (width < height) {
            newWidth = SIZE;
            newHeight = (int) ((double) SIZE * height / width);
        } else {
            newHeight = SIZE;
            newWidth = (int) ((double) SIZE * width / height);
        }
        // PIL's crop box is ((W-256)/2, (H-256)/2, (W+256)/2, (H+256)/2), each rounded half to even (Python round).
        int left = (int) Math.rint((newWidth - SIZE) / 2.0);
        int top = (int) Math.rint((newHeight - SIZE) / 2.0);
        return PillowResize.resizeWindow(image, newWidth, newHeight, left, top, SIZE, SIZE);
    }

    /** {@code pixel / 127.5 - 1} in float32 arithmetic, HWC order, length {@code 256 * 256 * 3}. */
    public static float[] normalize(RgbImage frame) {
        byte[] pixels = frame.pixels();
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = normalize(pixels[i]);
        }
        return out;
    }

    /**
     * Writes {@link #normalize(RgbImage)} into {@code target} at its position and advances it (e.g. a direct buffer
     * handed to a tensor library), without an intermediate array.
     */
    public static void normalizeInto(RgbImage frame, FloatBuffer target) {
        byte[] pixels = frame.pixels();
        int base = target.position();
        for (int i = 0; i < pixels.length; i++) {
            target.put(base + i, normalize(pixels[i]));
        }
        target.position(base + pixels.length);
    }

    private static float normalize(byte pixel) {
        return (pixel & 0xFF) / 127.5f - 1f;
    }
}

package lwm.test;

import java.nio.file.Path;
import lwm.media.Mp4Writer;
import lwm.media.RgbImage;

/** Real H.264 files made by the tests: each frame a different flat colour plus a moving bar. */
public final class TestVideos {
    private TestVideos() {}

    public static Path write(Path file, int frames, int width, int height, double fps) {
        try (Mp4Writer writer = new Mp4Writer(file, width, height, fps)) {
            for (int f = 0; f < frames; f++) {
                byte[] pixels = new byte[width * height * 3];
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int i = (y * width + x) * 3;
                        boolean bar = Math.abs(x - f * width / frames) < width / 16;
                        pixels[i] = (byte) (bar ? 255 : f * 6);
                        pixels[i + 1] = (byte) (128 + 100 * Math.sin(y * 0.05));
                        pixels[i + 2] = (byte) (255 - f * 6);
                    }
                }
                writer.write(new RgbImage(width, height, pixels));
            }
        }
        return file;
    }
}

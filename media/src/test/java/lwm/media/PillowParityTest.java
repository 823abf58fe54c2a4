package lwm.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * LwmPreprocessor against LWM's own code path in Pillow (src/test/python/pillow_reference.py) on photograph-like
 * images of many sizes and aspect ratios (down- and up-scaling, PNG and JPEG) and on frames decoded from the test
 * videos. Needs -Dlwm.python=PYTHON with Pillow and numpy; skipped otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PillowParityTest {

    private static final int[][] SIZES = {
        {640, 360}, {1920, 1080}, {333, 187}, {200, 150}, {257, 1000}, {100, 100}, {4000, 300}, {256, 400},
        {31, 17}, {720, 1280}, {1023, 767}, {300, 256},
    };

    private static String python;
    private static Path dir;

    @BeforeAll
    static void createDirectory() throws Exception {
        python = System.getProperty("lwm.python", "");
        dir = TestMedia.scratch("pillow-parity");
    }

    @BeforeEach
    void requirePython() {
        Assumptions.assumeFalse(python.isBlank(), "set -Dlwm.python to a Python with Pillow to run the parity test");
    }

    private record Difference(double meanAbsolute, double maxAbsolute) {}

    /** Differences on the 0..255 scale between Java and Pillow for each file, printed as a table. */
    private static List<Difference> compare(List<Path> files) throws Exception {
        Path out = Files.createDirectories(dir.resolve("reference"));
        List<String> command = new ArrayList<>(List.of(python, script().toString(), out.toString()));
        files.forEach(f -> command.add(f.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "reference script timed out");
        assertEquals(0, process.exitValue(), output);
        List<Difference> differences = new ArrayList<>();
        for (Path file : files) {
            float[] java = LwmPreprocessor.normalize(LwmPreprocessor.toModelFrame(ImageFiles.read(file, w -> { })));
            FloatBuffer pillow = ByteBuffer.wrap(Files.readAllBytes(out.resolve(file.getFileName() + ".f32")))
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            assertEquals(java.length, pillow.remaining(), file.toString());
            double sum = 0;
            double max = 0;
            for (int i = 0; i < java.length; i++) {
                double d = Math.abs(java[i] - pillow.get(i)) * 127.5;
                sum += d;
                max = Math.max(max, d);
            }
            Difference difference = new Difference(sum / java.length, max);
            System.out.printf(Locale.ROOT, "pillow parity %-28s MAE %.4f  max %.1f (0..255 scale)%n",
                    file.getFileName(), difference.meanAbsolute(), difference.maxAbsolute());
            differences.add(difference);
        }
        return differences;
    }

    private static Path script() {
        return Path.of(System.getProperty("basedir", "."), "src", "test", "python", "pillow_reference.py");
    }

    @Test
    void pngImagesMatchPillowExactly() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int[] size : SIZES) {
            Path png = dir.resolve("photo-" + size[0] + "x" + size[1] + ".png");
            PngWriter.write(TestMedia.photoLike(size[0], size[1], size[0] * 31L + size[1]), png, Map.of());
            files.add(png);
        }
        for (Difference difference : compare(files)) {
            assertEquals(0.0, difference.maxAbsolute());
        }
    }

    @Test
    void jpegImagesMatchPillowWithinOneLevel() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int[] size : SIZES) {
            Path jpeg = dir.resolve("photo-" + size[0] + "x" + size[1] + ".jpg");
            writeJpeg(TestMedia.photoLike(size[0], size[1], size[0] * 17L + size[1]), jpeg);
            files.add(jpeg);
        }
        for (Difference difference : compare(files)) {
            assertTrue(difference.meanAbsolute() <= 1.0, difference.toString());
        }
    }

    @Test
    void decodedVideoFramesMatchPillowExactly() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path video : List.of(VideoFixtures.h264(), VideoFixtures.vp9Odd(), VideoFixtures.rotatedClockwise())) {
            try (FrameStream frames = FrameSampler.rawFrames().open(video, SamplingPolicy.lwm(3))) {
                for (SampledFrame frame : frames) {
                    Path png = dir.resolve(video.getFileName() + "-" + frame.index() + ".png");
                    PngWriter.write(frame.image(), png, Map.of());
                    files.add(png);
                }
            }
        }
        for (Difference difference : compare(files)) {
            assertEquals(0.0, difference.maxAbsolute());
        }
    }

    private static void writeJpeg(RgbImage image, Path file) throws Exception {
        BufferedImage bgr = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        bgr.getGraphics().drawImage(RgbBufferedImages.wrap(image), 0, 0, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            writer.write(null, new IIOImage(bgr, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}

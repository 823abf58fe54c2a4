package lwm.test;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.MediaException;
import lwm.media.SamplingPolicy;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged images and videos, made by mutating real ones, sampled as a chat attachment is ({@code lwm frames}: LWM's
 * eight frames). Each must decode or be refused with one line naming the file. The run count is fixed and the seed
 * too, so a failure reproduces.
 */
class MediaFuzzTest {

    private static final int IMAGE_RUNS = 1000;
    private static final int VIDEO_RUNS = 200;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpg", "bmp", "gif", "webp", "mp4"})
    void damagedMediaIsDecodedOrRefusedNamingTheFile(String format) throws Exception {
        Path original = original(format);
        sample(original);
        Fuzz.Outcome outcome = new Fuzz(format.hashCode()).run(original, dir.resolve("mutated." + format), 0,
                format.equals("mp4") ? VIDEO_RUNS : IMAGE_RUNS, MediaFuzzTest::sample, List.of(MediaException.class));
        System.out.println("fuzz " + format + ": " + outcome);
        assertTrue(outcome.refused() > 0, "the mutations never reached the decoder: " + outcome);
    }

    private static void sample(Path file) {
        try (FrameStream frames = FrameSampler.lwm().open(file, SamplingPolicy.lwm(8))) {
            frames.toList();
        }
    }

    private Path original(String format) throws Exception {
        Path file = dir.resolve("original." + format);
        switch (format) {
            case "mp4" -> TestVideos.write(file, 12, 96, 64, 12);
            case "webp" -> writeWebp(file);
            case "jpg" -> Files.write(file, withExifOrientation(encode(picture(), "jpg")));
            default -> Files.write(file, encode(picture(), format));
        }
        return file;
    }

    private static BufferedImage picture() {
        BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, (x * 2 << 16) | (y * 3 << 8) | ((x + y) & 0xFF));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), format);
        return out.toByteArray();
    }

    /** The JPEG with an APP1 EXIF segment (orientation 6) after its SOI marker, so the EXIF reader is fuzzed too. */
    private static byte[] withExifOrientation(byte[] jpeg) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, 0, (byte) (2 + 6 + tiff.length)});
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    private static void writeWebp(Path file) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), 96, 64, 0);
                Java2DFrameConverter converter = new Java2DFrameConverter()) {
            recorder.setFormat("webp");
            recorder.setVideoCodecName("libwebp");
            recorder.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
            recorder.start();
            recorder.record(converter.convert(picture()));
        }
    }
}

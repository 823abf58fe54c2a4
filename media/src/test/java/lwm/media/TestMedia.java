package lwm.media;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Real media files made by the tests with FFmpeg's encoders. Each frame shows its index as a 4x4 grid of black and
 * white cells filling the centre square (which LWM's centre crop keeps), over a textured background, so a test can
 * read back which frame it got.
 */
final class TestMedia {

    private TestMedia() {}

    /** A directory under the build tree for one test class; loads FFmpeg first so that its logging is off. */
    static Path scratch(String name) throws IOException {
        Ffmpeg.load();
        String root = System.getProperty("lwm.media.scratch", "target/media-tests");
        Path dir = Path.of(root.isBlank() ? "target/media-tests" : root, name);
        Files.createDirectories(dir);
        return dir;
    }

    /** Recipe for a test video; the defaults make a small H.264 MP4. */
    static final class Video {
        String format = "mp4";
        String codec = "libopenh264";
        int width = 160;
        int height = 96;
        int frames = 50;
        double fps = 25;
        int gop = 12;
        double rotation;
        boolean audio;
        /** Presentation times in seconds for variable frame rate; null for constant. */
        double[] times;
        /** Muxer options, e.g. movflags. */
        final Map<String, String> options = new LinkedHashMap<>();

        Video codec(String format, String codec) {
            this.format = format;
            this.codec = codec;
            return this;
        }

        Video size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        Video frames(int frames, double fps, int gop) {
            this.frames = frames;
            this.fps = fps;
            this.gop = gop;
            return this;
        }

        Video rotation(double degrees) {
            this.rotation = degrees;
            return this;
        }

        Video audio() {
            this.audio = true;
            return this;
        }

        Video option(String key, String value) {
            options.put(key, value);
            return this;
        }

        /** Frames at these times (seconds), on a 1 ms clock. */
        Video times(double... seconds) {
            this.times = seconds;
            this.frames = seconds.length;
            this.fps = 1000;
            return this;
        }

        Path write(Path file) throws Exception {
            try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, audio ? 1 : 0)) {
                recorder.setFormat(format);
                recorder.setVideoCodecName(codec);
                recorder.setFrameRate(fps);
                recorder.setGopSize(gop);
                recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
                recorder.setVideoBitrate(4_000_000);
                if (codec.startsWith("libaom")) {
                    recorder.setVideoOption("cpu-used", "8");
                }
                if (rotation != 0) {
                    recorder.setDisplayRotation(rotation);
                }
                options.forEach(recorder::setOption);
                if (audio) {
                    recorder.setAudioCodecName("aac");
                    recorder.setSampleRate(16000);
                    recorder.setAudioBitrate(32000);
                }
                recorder.start();
                Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
                for (int i = 0; i < frames; i++) {
                    if (times != null) {
                        recorder.setTimestamp(Math.round(times[i] * 1_000_000));
                    }
                    fill(frame, codedFrame(width, height, i));
                    recorder.record(frame, AV_PIX_FMT_RGB24);
                    if (audio) {
                        recorder.recordSamples(16000, 1, tone(16000 / (int) Math.max(1, fps)));
                    }
                }
            }
            return file;
        }
    }

    static Video video() {
        return new Video();
    }

    static void fill(Frame frame, RgbImage image) {
        ByteBuffer target = (ByteBuffer) frame.image[0];
        int rowBytes = image.width() * 3;
        for (int y = 0; y < image.height(); y++) {
            target.put(y * frame.imageStride, image.pixels(), y * rowBytes, rowBytes);
        }
    }

    private static ShortBuffer tone(int samples) {
        short[] data = new short[samples];
        for (int i = 0; i < samples; i++) {
            data[i] = (short) (8000 * Math.sin(i * 0.1));
        }
        return ShortBuffer.wrap(data);
    }

    /** A frame whose centre square carries {@code code} in 16 cells, row-major, most significant bit first. */
    static RgbImage codedFrame(int width, int height, int code) {
        byte[] pixels = new byte[width * height * 3];
        int side = Math.min(width, height);
        int left = (width - side) / 2;
        int top = (height - side) / 2;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                int cx = (x - left) * 4 / side;
                int cy = (y - top) * 4 / side;
                boolean inGrid = x >= left && y >= top && cx < 4 && cy < 4;
                if (inGrid) {
                    byte v = (byte) (((code >> (15 - (cy * 4 + cx))) & 1) != 0 ? 235 : 20);
                    pixels[o] = v;
                    pixels[o + 1] = v;
                    pixels[o + 2] = v;
                } else {
                    pixels[o] = (byte) (x * 255 / width);
                    pixels[o + 1] = (byte) (y * 255 / height);
                    pixels[o + 2] = (byte) 128;
                }
            }
        }
        return new RgbImage(width, height, pixels);
    }

    /** Reads the code back from the centre square of a frame of any size. */
    static int readCode(RgbImage image) {
        int side = Math.min(image.width(), image.height());
        int left = (image.width() - side) / 2;
        int top = (image.height() - side) / 2;
        int code = 0;
        for (int cell = 0; cell < 16; cell++) {
            int x = left + (int) ((cell % 4 + 0.5) * side / 4);
            int y = top + (int) ((cell / 4 + 0.5) * side / 4);
            int luma = (image.sample(x, y, 0) + image.sample(x, y, 1) + image.sample(x, y, 2)) / 3;
            code = code << 1 | (luma > 128 ? 1 : 0);
        }
        return code;
    }

    /** A photograph-like image: smooth gradients, a few shapes and noise, deterministic for a seed. */
    static RgbImage photoLike(int width, int height, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[width * height * 3];
        double fx = 2 + random.nextDouble() * 6;
        double fy = 2 + random.nextDouble() * 6;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double u = (double) x / width;
                double v = (double) y / height;
                double wave = Math.sin(u * fx * Math.PI) * Math.cos(v * fy * Math.PI);
                boolean disc = Math.hypot(u - 0.6, v - 0.4) < 0.2;
                int o = (y * width + x) * 3;
                pixels[o] = clamp(255 * u + 40 * wave + random.nextGaussian() * 12 + (disc ? 60 : 0));
                pixels[o + 1] = clamp(255 * v - 30 * wave + random.nextGaussian() * 12);
                pixels[o + 2] = clamp(128 + 90 * wave + random.nextGaussian() * 12 - (disc ? 80 : 0));
            }
        }
        return new RgbImage(width, height, pixels);
    }

    private static byte clamp(double value) {
        return (byte) Math.max(0, Math.min(255, (int) Math.round(value)));
    }
}

package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

/**
 * Writes RGB frames (e.g. generated 256x256 frames) to an H.264 MP4 at a chosen frame rate. Uses libx264 when the
 * FFmpeg build has it, else libopenh264 (what the bundled LGPL build ships); only without either does it fall back to
 * MPEG-4 Part 2, with a warning. The index is written up front (faststart) so players can start before the end.
 */
public final class Mp4Writer implements AutoCloseable {

    private static final String[] H264_ENCODERS = {"libx264", "libopenh264"};
    private static final String FALLBACK_ENCODER = "mpeg4";
    private static final double BITS_PER_PIXEL = 0.3;
    private static final int MIN_BITRATE = 1_000_000;

    private final Path file;
    private final FFmpegFrameRecorder recorder;
    private final Frame frame;
    private final String encoder;
    private final List<String> warnings = new ArrayList<>();

    public Mp4Writer(Path file, int width, int height, double fps) {
        this(file, width, height, fps, Map.of());
    }

    /** @param metadata container tags, e.g. {@code title} and {@code comment} (MP4 keeps them in its udta atom) */
    public Mp4Writer(Path file, int width, int height, double fps, Map<String, String> metadata) {
        if (width % 2 != 0 || height % 2 != 0) {
            throw new MediaException(file, "H.264 in yuv420p needs even sizes, got " + width + "x" + height);
        }
        Ffmpeg.load();
        this.file = file;
        this.encoder = chooseEncoder();
        if (encoder.equals(FALLBACK_ENCODER)) {
            warnings.add(file + ": no H.264 encoder in this FFmpeg build; wrote MPEG-4 Part 2 instead");
        }
        recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
        recorder.setFormat("mp4");
        recorder.setVideoCodecName(encoder);
        recorder.setFrameRate(fps);
        recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
        recorder.setVideoBitrate((int) Math.max(MIN_BITRATE, width * height * fps * BITS_PER_PIXEL));
        recorder.setOption("movflags", "+faststart");
        metadata.forEach(recorder::setMetadata);
        frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
        try {
            recorder.start();
        } catch (FrameRecorder.Exception e) {
            throw new MediaException(file, "cannot start the " + encoder + " encoder: " + e.getMessage(), e);
        }
    }

    private static String chooseEncoder() {
        for (String name : H264_ENCODERS) {
            AVCodec codec = avcodec_find_encoder_by_name(name);
            if (codec != null && !codec.isNull()) {
                return name;
            }
        }
        return FALLBACK_ENCODER;
    }

    public void write(RgbImage image) {
        if (image.width() != frame.imageWidth || image.height() != frame.imageHeight) {
            throw new MediaException(file, "frame of " + image.width() + "x" + image.height() + " in a "
                    + frame.imageWidth + "x" + frame.imageHeight + " video");
        }
        ByteBuffer target = (ByteBuffer) frame.image[0];
        int rowBytes = image.width() * 3;
        for (int y = 0; y < image.height(); y++) {
            target.put(y * frame.imageStride, image.pixels(), y * rowBytes, rowBytes);
        }
        try {
            recorder.record(frame, AV_PIX_FMT_RGB24);
        } catch (FrameRecorder.Exception e) {
            throw new MediaException(file, "encoding failed: " + e.getMessage(), e);
        }
    }

    /** The encoder in use: libx264, libopenh264 or (with a warning) mpeg4. */
    public String encoder() {
        return encoder;
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        try {
            recorder.close();
        } catch (FrameRecorder.Exception e) {
            throw new MediaException(file, "finishing the MP4 failed: " + e.getMessage(), e);
        }
    }
}

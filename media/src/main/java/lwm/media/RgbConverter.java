package lwm.media;

import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ411P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ440P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ444P;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Converts decoded frames to packed RGB at their native size (the resize is Pillow's, in Java) and applies the
 * display rotation. The native RGB buffer has an aligned stride for swscale's SIMD paths; rows are bulk-copied out.
 */
final class RgbConverter implements AutoCloseable {

    private static final int STRIDE_ALIGNMENT = 64;

    private final Path file;
    private final int rotation;
    private SwsContext sws;
    private BytePointer buffer;
    private int stride;

    RgbConverter(Path file, int rotation) {
        this.file = file;
        this.rotation = rotation;
    }

    RgbImage convert(AVFrame frame) {
        int width = frame.width();
        int height = frame.height();
        prepare(frame);
        // swscale reads four plane pointers and strides even for packed RGB.
        PointerPointer<BytePointer> destination = new PointerPointer<>(buffer, null, null, null);
        IntPointer destinationStride = new IntPointer(stride, 0, 0, 0);
        try {
            int rows = sws_scale(sws, frame.data(), frame.linesize(), 0, height, destination, destinationStride);
            if (rows != height) {
                throw new MediaException(file, "colour conversion of a " + width + "x" + height + " frame failed ("
                        + (rows < 0 ? Ffmpeg.describe(rows) : rows + " rows") + ")");
            }
        } finally {
            destination.close();
            destinationStride.close();
        }
        byte[] pixels = new byte[width * height * 3];
        ByteBuffer source = buffer.asByteBuffer();
        int rowBytes = width * 3;
        for (int y = 0; y < height; y++) {
            source.get(y * stride, pixels, y * rowBytes, rowBytes);
        }
        return Rotation.clockwise(new RgbImage(width, height, pixels), rotation);
    }

    private void prepare(AVFrame frame) {
        int width = frame.width();
        int height = frame.height();
        int format = frame.format();
        // Same size in and out: swscale's fast YUV-to-RGB path, which is also what decord (LWM's decoder) gets.
        sws = sws_getCachedContext(sws, width, height, format, width, height, AV_PIX_FMT_RGB24,
                SWS_BICUBIC, null, null, (DoublePointer) null);
        if (sws == null || sws.isNull()) {
            throw new MediaException(file, "no colour conversion from pixel format " + format + " to RGB");
        }
        // Use the stream's own YUV matrix and range instead of swscale's BT.601 limited-range assumption.
        boolean fullRange = frame.color_range() == AVCOL_RANGE_JPEG || isJpegRangeFormat(format);
        IntPointer sourceMatrix = sws_getCoefficients(frame.colorspace());
        IntPointer rgbMatrix = sws_getCoefficients(SWS_CS_DEFAULT);
        sws_setColorspaceDetails(sws, sourceMatrix, fullRange ? 1 : 0, rgbMatrix, 1, 0, 1 << 16, 1 << 16);
        int neededStride = (width * 3 + STRIDE_ALIGNMENT - 1) / STRIDE_ALIGNMENT * STRIDE_ALIGNMENT;
        long neededBytes = (long) neededStride * height;
        if (buffer == null || buffer.capacity() < neededBytes) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = new BytePointer(neededBytes);
        }
        stride = neededStride;
    }

    private static boolean isJpegRangeFormat(int format) {
        return format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P
                || format == AV_PIX_FMT_YUVJ440P || format == AV_PIX_FMT_YUVJ411P;
    }

    @Override
    public void close() {
        if (sws != null) {
            sws_freeContext(sws);
        }
        if (buffer != null) {
            buffer.close();
        }
    }
}

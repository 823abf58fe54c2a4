package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Decodes the video stream of its own {@link VideoContainer} frame by frame in presentation order. Frames are not
 * converted here: a caller converts only the frames it keeps ({@link RgbConverter}), so dropped frames cost only the
 * decode. Corrupt packets are skipped and counted. One instance per thread.
 */
final class VideoDecoder implements AutoCloseable {

    private final VideoContainer container;
    private final AVCodecContext codec;
    private final AVPacket packet = av_packet_alloc();
    private final AVFrame frame = av_frame_alloc();
    private boolean inputEnded;
    private volatile int rejectedPackets;

    /** @param threads decoder threads; 0 lets FFmpeg choose */
    VideoDecoder(VideoContainer container, int threads) {
        this.container = container;
        AVCodecContext context = null;
        try {
            AVCodec decoder = container.findDecoder();
            context = avcodec_alloc_context3(decoder);
            Ffmpeg.check(avcodec_parameters_to_context(context, container.stream().codecpar()), container.file(),
                    "configuring the decoder");
            context.pkt_timebase(container.stream().time_base());
            context.thread_count(threads);
            // Frames above the limit that the headers did not announce (a later parameter set) are refused by the
            // decoder instead of allocated.
            context.max_pixels(MediaFiles.MAX_PIXELS);
            Ffmpeg.check(avcodec_open2(context, decoder, (AVDictionary) null), container.file(),
                    "opening the " + decoder.name().getString() + " decoder");
        } catch (RuntimeException e) {
            release(context);
            throw e;
        }
        codec = context;
    }

    /**
     * The next decoded frame (valid until the next call), or null at the end of the stream. Its presentation time in
     * stream time base is {@link #timestamp(AVFrame)}.
     */
    AVFrame next() {
        while (true) {
            av_frame_unref(frame);
            int received = avcodec_receive_frame(codec, frame);
            if (received >= 0) {
                return frame;
            }
            if (inputEnded) {
                // Either the drained decoder reports EOF or it failed on the last packets: both end the stream.
                return null;
            }
            if (container.readVideoPacket(packet)) {
                if (VideoContainer.isEncrypted(packet)) {
                    throw container.encrypted();
                }
                if (avcodec_send_packet(codec, packet) < 0) {
                    rejectedPackets++;
                }
            } else {
                inputEnded = true;
                avcodec_send_packet(codec, null);
            }
        }
    }

    /** Presentation time of a decoded frame in stream time base, or {@link Long#MIN_VALUE} if the file has none. */
    static long timestamp(AVFrame decoded) {
        long best = decoded.best_effort_timestamp();
        long pts = best != AV_NOPTS_VALUE ? best : decoded.pts();
        return pts == AV_NOPTS_VALUE ? Long.MIN_VALUE : pts;
    }

    /** Positions the decoder at the keyframe at or before {@code timestamp}; false if the container cannot seek. */
    boolean seekBefore(long timestamp) {
        if (!container.seekBefore(timestamp)) {
            return false;
        }
        avcodec_flush_buffers(codec);
        inputEnded = false;
        return true;
    }

    int rejectedPackets() {
        return rejectedPackets;
    }

    VideoContainer container() {
        return container;
    }

    @Override
    public void close() {
        release(codec);
    }

    private void release(AVCodecContext context) {
        if (context != null) {
            avcodec_free_context(context);
        }
        av_frame_free(frame);
        av_packet_free(packet);
        container.close();
    }
}

package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;

/** Reads a video's properties from its headers and its first packets, without decoding pictures. */
public final class MediaProbe {

    /** Keyframes to average over, and how far to look for them. */
    private static final int KEYFRAMES_TO_SEE = 4;
    private static final int MAX_PACKETS = 3000;

    private MediaProbe() {}

    public static VideoInfo probe(Path file) {
        try (VideoContainer container = VideoContainer.open(file)) {
            container.findDecoder();
            var stream = container.stream();
            var parameters = stream.codecpar();
            double duration = container.durationSeconds();
            double rate = container.frameRate();
            long declared = stream.nb_frames();
            long frameCount = declared > 0 ? declared : Math.round(duration * rate);
            double keyframeInterval = keyframeInterval(container);
            return new VideoInfo(file, container.format().iformat().name().getString(), duration, frameCount, rate,
                    parameters.width(), parameters.height(), container.rotation(), container.videoCodec(),
                    container.audioCodec(), keyframeInterval);
        }
    }

    private static double keyframeInterval(VideoContainer container) {
        AVPacket packet = av_packet_alloc();
        try {
            long first = AV_NOPTS_VALUE;
            long lastKey = AV_NOPTS_VALUE;
            long lastSeen = AV_NOPTS_VALUE;
            int keys = 0;
            for (int packets = 0; packets < MAX_PACKETS && keys < KEYFRAMES_TO_SEE; packets++) {
                if (!container.readVideoPacket(packet)) {
                    break;
                }
                if (VideoContainer.isEncrypted(packet)) {
                    throw container.encrypted();
                }
                long time = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
                if (time == AV_NOPTS_VALUE) {
                    continue;
                }
                lastSeen = Math.max(lastSeen, time);
                if ((packet.flags() & AV_PKT_FLAG_KEY) != 0) {
                    if (keys == 0) {
                        first = time;
                    }
                    lastKey = time;
                    keys++;
                }
            }
            if (keys == 0) {
                return Double.NaN;
            }
            double tb = container.timeBase();
            if (keys == 1) {
                // One keyframe in all that was read: the interval is at least that span (plus one frame).
                return (lastSeen - first) * tb + 1 / container.frameRate();
            }
            return (lastKey - first) * tb / (keys - 1);
        } finally {
            av_packet_free(packet);
        }
    }
}

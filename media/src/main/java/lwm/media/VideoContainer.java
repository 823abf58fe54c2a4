package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AV1;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_NONE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_ENCRYPTION_INFO;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_ENCRYPTION_INIT_INFO;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_get_side_data;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.AV_DISPOSITION_ATTACHED_PIC;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_index_get_entries_count;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_get;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_get_media_type_string;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * An opened container and its video stream: demuxing, seeking and the stream's metadata. Every failure names the
 * file. One instance per thread (FFmpeg contexts are not thread-safe).
 */
final class VideoContainer implements AutoCloseable {

    private final Path file;
    private final AVFormatContext format;
    private final AVStream stream;
    private final int streamIndex;

    private VideoContainer(Path file, AVFormatContext format, int streamIndex) {
        this.file = file;
        this.format = format;
        this.streamIndex = streamIndex;
        this.stream = format.streams(streamIndex);
    }

    static VideoContainer open(Path file) {
        MediaFiles.requireReadableFile(file);
        Ffmpeg.load();
        AVFormatContext format = new AVFormatContext(null);
        int opened = avformat_open_input(format, file.toAbsolutePath().toString(), null, null);
        if (opened < 0) {
            throw new MediaException(file, "not a readable media file (" + Ffmpeg.describe(opened)
                    + "); it may be truncated, corrupt or in an unsupported format");
        }
        try {
            Ffmpeg.check(findStreamInfo(format), file, "reading stream info");
            VideoContainer container = new VideoContainer(file, format, findVideoStream(file, format));
            container.requireNotEncrypted();
            return container;
        } catch (RuntimeException e) {
            avformat_close_input(format);
            throw e;
        }
    }

    /**
     * Reads the stream parameters, which decodes a few frames: the probing decoders refuse pictures above the pixel
     * limit, which a few bytes of header would otherwise make them allocate and conceal (gigabytes, seconds).
     */
    private static int findStreamInfo(AVFormatContext format) {
        int streams = format.nb_streams();
        PointerPointer<AVDictionary> options = new PointerPointer<>(Math.max(1, streams));
        for (int i = 0; i < streams; i++) {
            AVDictionary limit = new AVDictionary(null);
            av_dict_set(limit, "max_pixels", Long.toString(MediaFiles.MAX_PIXELS), 0);
            options.put(i, limit);
        }
        try {
            return avformat_find_stream_info(format, options);
        } finally {
            // FFmpeg leaves each stream's unused options in its dictionary: ours to free.
            for (int i = 0; i < streams; i++) {
                av_dict_free(new AVDictionary(options.get(i)));
            }
            options.close();
        }
    }

    private static int findVideoStream(Path file, AVFormatContext format) {
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < format.nb_streams(); i++) {
            AVStream candidate = format.streams(i);
            int type = candidate.codecpar().codec_type();
            // Cover art in audio files is a one-picture "video" stream; it is not a video.
            if (type == AVMEDIA_TYPE_VIDEO && (candidate.disposition() & AV_DISPOSITION_ATTACHED_PIC) == 0) {
                return i;
            }
            kinds.add(type == AVMEDIA_TYPE_VIDEO ? "cover picture" : mediaTypeName(type));
        }
        String found = kinds.isEmpty() ? "no streams at all" : "only " + String.join(", ", kinds);
        throw new MediaException(file, "no video stream (" + found + ")");
    }

    private static String mediaTypeName(int type) {
        var name = av_get_media_type_string(type);
        return name == null ? "unknown" : name.getString();
    }

    private void requireNotEncrypted() {
        AVCodecParameters parameters = stream.codecpar();
        if (sideData(parameters, AV_PKT_DATA_ENCRYPTION_INIT_INFO) != null) {
            throw encrypted();
        }
    }

    MediaException encrypted() {
        return new MediaException(file, "the video stream is encrypted (DRM/CENC); encrypted media cannot be decoded");
    }

    /** Whether a packet carries encryption info (streams whose header does not announce it). */
    static boolean isEncrypted(AVPacket packet) {
        return !isNull(av_packet_get_side_data(packet, AV_PKT_DATA_ENCRYPTION_INFO, (SizeTPointer) null));
    }

    private static boolean isNull(Pointer pointer) {
        return pointer == null || pointer.isNull();
    }

    private static AVPacketSideData sideData(AVCodecParameters parameters, int type) {
        if (parameters.nb_coded_side_data() == 0) {
            return null;
        }
        AVPacketSideData data =
                av_packet_side_data_get(parameters.coded_side_data(), parameters.nb_coded_side_data(), type);
        return data == null || data.isNull() ? null : data;
    }

    /** The decoder for the video stream; AV1 needs a software library decoder (the native one is hardware only). */
    AVCodec findDecoder() {
        int codecId = stream.codecpar().codec_id();
        if (codecId == AV_CODEC_ID_AV1) {
            for (String name : new String[] {"libdav1d", "libaom-av1"}) {
                AVCodec codec = avcodec_find_decoder_by_name(name);
                if (codec != null && !codec.isNull()) {
                    return codec;
                }
            }
        }
        AVCodec codec = codecId == AV_CODEC_ID_NONE ? null : avcodec_find_decoder(codecId);
        if (codec == null || codec.isNull()) {
            throw new MediaException(file, "unsupported video codec " + describeCodec()
                    + ": this FFmpeg build has no decoder for it");
        }
        return codec;
    }

    private String describeCodec() {
        AVCodecParameters parameters = stream.codecpar();
        int tag = parameters.codec_tag();
        String fourcc = tag == 0 ? "" : " (tag '" + fourcc(tag) + "')";
        return "'" + avcodec_get_name(parameters.codec_id()).getString() + "'" + fourcc;
    }

    private static String fourcc(int tag) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int c = (tag >>> (8 * i)) & 0xFF;
            text.append(c >= 32 && c < 127 ? (char) c : '?');
        }
        return text.toString();
    }

    /**
     * Reads the next packet of the video stream into {@code packet} (unreferenced first). Returns false at the end of
     * the file or at a read error, which FFmpeg's own tools also treat as the end.
     */
    boolean readVideoPacket(AVPacket packet) {
        while (true) {
            av_packet_unref(packet);
            int result = av_read_frame(format, packet);
            if (result < 0) {
                return false;
            }
            if (packet.stream_index() == streamIndex) {
                return true;
            }
        }
    }

    /** Seeks to the keyframe at or before {@code timestamp} (stream time base). Returns false if the file refused. */
    boolean seekBefore(long timestamp) {
        return av_seek_frame(format, streamIndex, timestamp, AVSEEK_FLAG_BACKWARD) >= 0;
    }

    /** Whether the container has a seek index, so that seeking lands exactly on keyframes. */
    boolean hasSeekIndex() {
        return avformat_index_get_entries_count(stream) > 0;
    }

    Path file() {
        return file;
    }

    AVStream stream() {
        return stream;
    }

    AVFormatContext format() {
        return format;
    }

    /** Average frame rate, else the stream's base rate, else 25 (a guess only used for files without timestamps). */
    double frameRate() {
        for (AVRational rate : new AVRational[] {stream.avg_frame_rate(), stream.r_frame_rate()}) {
            if (rate.num() > 0 && rate.den() > 0) {
                return (double) rate.num() / rate.den();
            }
        }
        return 25;
    }

    /** Duration in seconds from the stream, else from the container, else 0. */
    double durationSeconds() {
        if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
            return stream.duration() * timeBase();
        }
        return format.duration() > 0 ? format.duration() / (double) AV_TIME_BASE : 0;
    }

    double timeBase() {
        AVRational base = stream.time_base();
        return (double) base.num() / base.den();
    }

    /** Refuses a stream whose frames would not fit in memory: a few bytes of header can declare any size. */
    void requirePixelLimit() {
        AVCodecParameters parameters = stream.codecpar();
        MediaFiles.requirePixelLimit(file, "video frame", parameters.width(), parameters.height());
    }

    /** Clockwise rotation in degrees (0, 90, 180, 270) that a player applies for display. */
    int rotation() {
        AVPacketSideData matrix = sideData(stream.codecpar(), AV_PKT_DATA_DISPLAYMATRIX);
        double clockwise;
        // av_display_rotation_get reads nine ints: a shorter side data block is no display matrix.
        if (matrix != null && matrix.size() >= 9 * Integer.BYTES) {
            // The matrix stores a counter-clockwise angle; players rotate clockwise by its negation (as ffmpeg does).
            clockwise = -Math.round(av_display_rotation_get(new IntPointer(matrix.data())));
        } else {
            AVDictionaryEntry tag = av_dict_get(stream.metadata(), "rotate", null, 0);
            clockwise = tag == null ? 0 : parseDegrees(tag.value().getString());
        }
        int quarterTurns = (int) Math.round(clockwise / 90.0);
        return Math.floorMod(quarterTurns, 4) * 90;
    }

    private static double parseDegrees(String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    String audioCodec() {
        for (int i = 0; i < format.nb_streams(); i++) {
            AVCodecParameters parameters = format.streams(i).codecpar();
            if (parameters.codec_type() == AVMEDIA_TYPE_AUDIO) {
                return avcodec_get_name(parameters.codec_id()).getString();
            }
        }
        return null;
    }

    String videoCodec() {
        return avcodec_get_name(stream.codecpar().codec_id()).getString();
    }

    @Override
    public void close() {
        avformat_close_input(format);
    }
}

package lwm.media;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;

/** Loads the FFmpeg natives once and turns FFmpeg error codes into {@link MediaException}s naming the file. */
final class Ffmpeg {

    static {
        Loader.load(avutil.class);
        Loader.load(avcodec.class);
        Loader.load(avformat.class);
        Loader.load(swscale.class);
        // Errors are reported through return codes and warnings; FFmpeg's own stderr chatter would only confuse users.
        av_log_set_level(AV_LOG_QUIET);
    }

    private Ffmpeg() {}

    /** Forces the static initialiser; call before any other FFmpeg function. */
    static void load() {
        // The class initialiser does the work.
    }

    static String describe(int errorCode) {
        byte[] buffer = new byte[256];
        av_strerror(errorCode, buffer, buffer.length);
        int end = 0;
        while (end < buffer.length && buffer[end] != 0) {
            end++;
        }
        return new String(buffer, 0, end, StandardCharsets.UTF_8);
    }

    /** Returns {@code result} when it is not an error, otherwise throws naming the file and the step. */
    static int check(int result, Path file, String step) {
        if (result < 0) {
            throw new MediaException(file, step + " failed: " + describe(result));
        }
        return result;
    }
}

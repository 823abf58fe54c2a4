package lwm.media;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The videos several test classes share, written once per test JVM into the build tree. */
final class VideoFixtures {

    private static final Map<String, Path> WRITTEN = new HashMap<>();

    private VideoFixtures() {}

    /** Writes the file on first use in this JVM; files left by earlier builds are rewritten, never trusted. */
    private static synchronized Path once(String name, TestMedia.Video recipe) throws Exception {
        Path file = WRITTEN.get(name);
        if (file == null) {
            file = recipe.write(TestMedia.scratch("fixtures").resolve(name));
            WRITTEN.put(name, file);
        }
        return file;
    }

    /** H.264 (openh264), 160x96, 50 frames at 25 fps, keyframe every 12 frames, with audio. */
    static Path h264() throws Exception {
        return once("h264.mp4", TestMedia.video().audio());
    }

    /** H.264 with one keyframe every 250 frames, 300 frames. */
    static Path h264LongGop() throws Exception {
        return once("h264-gop250.mp4", TestMedia.video().frames(300, 25, 250));
    }

    /** H.264 with a keyframe every 5 frames, 200 frames. */
    static Path h264ShortGop() throws Exception {
        return once("h264-gop5.mp4", TestMedia.video().frames(200, 25, 5));
    }

    /** VP9 in WebM with an odd height: 334x187 (JavaCV's recorder rounds widths up to even, so 333 becomes 334). */
    static Path vp9Odd() throws Exception {
        return once("vp9-334x187.webm", TestMedia.video().codec("webm", "libvpx-vp9").size(334, 187).frames(30, 25, 10));
    }

    /** MPEG-4 Part 2 in AVI. */
    static Path mpeg4() throws Exception {
        return once("mpeg4.avi", TestMedia.video().codec("avi", "mpeg4").frames(30, 25, 10));
    }

    /** AV1 (libaom) in Matroska. */
    static Path av1() throws Exception {
        return once("av1.mkv", TestMedia.video().codec("matroska", "libaom-av1").frames(20, 25, 10));
    }

    /** H.264 whose display matrix says: rotate 90 degrees clockwise. */
    static Path rotatedClockwise() throws Exception {
        return once("rotated-cw90.mp4", TestMedia.video().frames(10, 25, 10).rotation(-90));
    }

    /** Variable frame rate: eight frames at irregular times. */
    static final double[] VFR_TIMES = {0, 0.04, 0.2, 0.24, 0.5, 0.9, 0.94, 1.5};

    static Path variableFrameRate() throws Exception {
        return once("vfr.mp4", TestMedia.video().times(VFR_TIMES));
    }
}

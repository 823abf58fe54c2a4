package lwm.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Odd files a user may drop, made here and sampled as {@code lwm frames} does in a child JVM ({@link ChildSampler}):
 * each ends in frames or in an error naming the file, never in a native crash, a hang or an out-of-memory death.
 * One child samples them all; if it dies, the file it was on says why.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OddFilesTest {

    private static final int CHILD_SECONDS = 60;
    /** The corners of a {@link TestMedia#codedFrame}'s background: red grows to the right, green downwards. */
    private static final String TOP_LEFT = "TL";
    private static final String TOP_RIGHT = "TR";
    private static final String BOTTOM_LEFT = "BL";
    private static final String BOTTOM_RIGHT = "BR";

    @TempDir
    static Path dir;

    /** What the child samples: "lwm=FILE" or "raw=FILE". */
    private static final List<String> SAMPLES = new ArrayList<>();
    /** What it printed for each sample (see {@link #runChild}). */
    private static Map<String, List<String>> results;

    private static Path rotatedCw90;
    private static Path rotatedCw270;
    private static Path tiny;
    private static List<Path> truncated;
    private static Path fragmented;
    private static Path fragmentedRotated;
    private static Path fragmentedCut;
    private static List<Path> zeroFrames;
    private static Path hugeDeclared;
    private static Path encrypted;
    private static Path encryptedFragmented;
    private static Path garbagePayload;
    private static Path keyframeMissingFromIndex;

    @BeforeAll
    static void writeOddFilesAndSampleThemInAChild() throws Exception {
        // The file: a tiny H.264 MP4 with a display matrix. -90 in the recorder's counter-clockwise terms is
        // a player's 90 degrees clockwise; +90 is what `ffmpeg -display_rotation 90` writes (270 clockwise).
        rotatedCw90 = TestMedia.video().size(64, 48).frames(4, 25, 10).rotation(-90).write(dir.resolve("cw90.mp4"));
        rotatedCw270 = TestMedia.video().size(64, 48).frames(4, 25, 10).rotation(90).write(dir.resolve("cw270.mp4"));
        sample("raw", rotatedCw90, rotatedCw270);
        sample("lwm", rotatedCw90, rotatedCw270);

        tiny = TestMedia.video().size(64, 48).frames(1, 25, 1).write(dir.resolve("tiny.mp4"));
        truncated = truncations(tiny, 1, 8, 16, 32, 48, 64, 80, 99);
        sample("lwm", tiny);
        sample("lwm", truncated.toArray(Path[]::new));

        fragmented = fragmented(12).write(dir.resolve("fragmented.mp4"));
        fragmentedRotated = fragmented(12).rotation(-90).write(dir.resolve("fragmented-cw90.mp4"));
        fragmentedCut = truncations(fragmented, 60).get(0);
        sample("lwm", fragmented, fragmentedCut);
        sample("raw", fragmentedRotated);

        zeroFrames = List.of(TestMedia.video().frames(0, 25, 1).write(dir.resolve("zero-frames.mp4")),
                fragmented(0).write(dir.resolve("zero-frames-fragmented.mp4")));
        sample("lwm", zeroFrames.toArray(Path[]::new));

        Path small = TestMedia.video().codec("h264", "libopenh264").size(64, 48).frames(2, 25, 1)
                .write(dir.resolve("small.h264"));
        hugeDeclared = Files.write(dir.resolve("declares-8192x8192.h264"),
                H264PictureSize.declare(Files.readAllBytes(small), 8192, 8192));
        sample("lwm", hugeDeclared);

        encrypted = encrypted(TestMedia.video().frames(12, 25, 3)).write(dir.resolve("cenc.mp4"));
        encryptedFragmented = encrypted(fragmented(12)).write(dir.resolve("cenc-fragmented.mp4"));
        Path plain = TestMedia.video().frames(12, 25, 3).write(dir.resolve("plain.mp4"));
        garbagePayload = withRandomMediaData(plain, dir.resolve("garbage-payload.mp4"));
        keyframeMissingFromIndex = withoutLastSyncSample(plain, dir.resolve("last-keyframe-not-in-stss.mp4"));
        sample("lwm", encrypted, encryptedFragmented, garbagePayload, keyframeMissingFromIndex);

        results = runChild(List.of("-Xmx256m"), SAMPLES);
    }

    /** {@code frames} frames with a keyframe every 3, in fragments (moof) after an empty moov. */
    private static TestMedia.Video fragmented(int frames) {
        return TestMedia.video().frames(frames, 25, 3).option("movflags", "frag_keyframe+empty_moov");
    }

    /** CENC (AES-CTR), the MP4 common encryption DRM schemes build on. */
    private static TestMedia.Video encrypted(TestMedia.Video video) {
        return video.option("encryption_scheme", "cenc-aes-ctr")
                .option("encryption_key", "76a6c65c5ea762046bd749a2e632ccbb")
                .option("encryption_kid", "a7e61c373e219033c21091fa607bf3b8");
    }

    private static void sample(String mode, Path... files) {
        for (Path file : files) {
            SAMPLES.add(mode + "=" + file);
        }
    }

    /** The file cut to each of {@code percents} of its length. */
    private static List<Path> truncations(Path file, int... percents) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<Path> cuts = new ArrayList<>();
        for (int percent : percents) {
            String name = file.getFileName().toString().replace(".mp4", "-cut" + percent + ".mp4");
            cuts.add(Files.write(dir.resolve(name), Arrays.copyOf(bytes, bytes.length * percent / 100)));
        }
        return cuts;
    }

    /** The MP4 with its media data replaced by noise: what an encrypted stream that does not say so looks like. */
    private static Path withRandomMediaData(Path source, Path target) throws IOException {
        byte[] bytes = Files.readAllBytes(source);
        int mdat = indexOf(bytes, "mdat");
        int size = ByteBuffer.wrap(bytes, mdat - 4, 4).getInt();
        byte[] noise = new byte[size - 8];
        new Random(5).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, mdat + 4, noise.length);
        return Files.write(target, bytes);
    }

    /**
     * The MP4 with its last keyframe left out of the sync sample table (stss), as some muxers write it: the parser
     * still flags the packet as a keyframe, but seeking to it lands on the keyframe before.
     */
    private static Path withoutLastSyncSample(Path source, Path target) throws IOException {
        byte[] bytes = Files.readAllBytes(source);
        ByteBuffer count = ByteBuffer.wrap(bytes, indexOf(bytes, "stss") + 8, 4);
        int entries = count.duplicate().getInt();
        count.putInt(entries - 1);
        return Files.write(target, bytes);
    }

    private static int indexOf(byte[] haystack, String box) {
        byte[] needle = box.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError(box + " not found");
    }

    /**
     * Runs {@link ChildSampler} on {@code samples}; returns each sample's lines, and under "child" how the JVM ended
     * when it did not finish normally (the sample it was on gets that as its last line).
     */
    private static Map<String, List<String>> runChild(List<String> jvmOptions, List<String> samples)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) {
            command.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        }
        command.addAll(List.of("-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                ChildSampler.class.getName()));
        command.addAll(samples);
        Path out = Files.createTempFile(dir, "child", ".out");
        Path err = Files.createTempFile(dir, "child", ".err");
        Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean finished = child.waitFor(CHILD_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            child.destroyForcibly().waitFor();
        }
        Map<String, List<String>> results = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(out)) {
            if (line.startsWith("sample ")) {
                current = new ArrayList<>();
                results.put(line.substring("sample ".length()), current);
            } else if (current != null) {
                current.add(line);
            }
        }
        String status = !finished ? "hung for " + CHILD_SECONDS + " s"
                : child.exitValue() != 0 ? "exit status " + child.exitValue() : null;
        if (status != null) {
            String ending = status + ": " + Files.readString(err).strip();
            results.put("child", List.of(ending));
            if (current != null) {
                current.add("died " + ending);
            }
        }
        return results;
    }

    /** Sampling outcome: frame lines, then "ok N" or "error MESSAGE" (or how the child died). */
    private static List<String> result(String mode, Path file) {
        List<String> lines = results.get(mode + "=" + file);
        assertNotNull(lines, "the child JVM died before sampling " + file + ": " + results.get("child"));
        return lines;
    }

    private static String outcome(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    private static List<String[]> frames(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("frame ")).map(l -> l.split(" ")).toList();
    }

    private static void assertError(Path file, String expected) {
        String outcome = outcome(result("lwm", file));
        assertTrue(outcome.startsWith("error " + file + ": ") && outcome.contains(expected), outcome);
    }

    private static void assertFramesOrError(Path file) {
        String outcome = outcome(result("lwm", file));
        assertTrue(outcome.startsWith("ok ") || outcome.startsWith("error " + file + ": "), outcome);
    }

    /** Frames of a 12-frame video sampled as LWM's 8, each showing its own index. */
    private static void assertAllEightFrames(List<String> lines) {
        assertEquals("ok 8", outcome(lines), lines.toString());
        int[] expected = {0, 1, 3, 4, 6, 7, 9, 11};
        List<String[]> frames = frames(lines);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(String.valueOf(expected[i]), frames.get(i)[1]);
            assertEquals(frames.get(i)[1], frames.get(i)[3], "content of frame " + expected[i]);
        }
    }

    /** Which corner of the stored picture a sampled corner colour "r,g,b" comes from. */
    private static String storedCorner(String rgb) {
        String[] channels = rgb.split(",");
        boolean right = Integer.parseInt(channels[0]) > 128;
        boolean bottom = Integer.parseInt(channels[1]) > 128;
        return bottom ? (right ? BOTTOM_RIGHT : BOTTOM_LEFT) : (right ? TOP_RIGHT : TOP_LEFT);
    }

    /** Asserts every frame is {@code size} and shows, at its corners TL TR BL BR, these corners of the stored one. */
    private static void assertDisplayed(List<String> lines, String size, String... corners) {
        assertFalse(frames(lines).isEmpty(), lines.toString());
        for (String[] frame : frames(lines)) {
            assertEquals(size, frame[2], String.join(" ", frame));
            String[] seen = Arrays.stream(frame, 4, 8).map(OddFilesTest::storedCorner).toArray(String[]::new);
            assertEquals(List.of(corners), List.of(seen), String.join(" ", frame));
        }
    }

    @Test
    void tinyRotatedH264ComesOutTurnedAsAPlayerShowsIt() throws Exception {
        assertTrue(Files.size(rotatedCw90) < 2048, "a file of the issue's size: " + Files.size(rotatedCw90));
        List<String> cw90 = result("raw", rotatedCw90);
        assertEquals("ok 4", outcome(cw90), cw90.toString());
        // Turned clockwise, the stored bottom-left corner is shown top left.
        assertDisplayed(cw90, "48x64", BOTTOM_LEFT, TOP_LEFT, BOTTOM_RIGHT, TOP_RIGHT);
        List<String> cw270 = result("raw", rotatedCw270);
        assertEquals("ok 4", outcome(cw270), cw270.toString());
        assertDisplayed(cw270, "48x64", TOP_RIGHT, BOTTOM_RIGHT, TOP_LEFT, BOTTOM_LEFT);
        for (Path file : List.of(rotatedCw90, rotatedCw270)) {
            List<String> model = result("lwm", file);
            assertEquals("ok 4", outcome(model), model.toString());
            frames(model).forEach(frame -> assertEquals("256x256", frame[2]));
        }
    }

    @Test
    void tinyAndTruncatedFiles() {
        assertEquals("ok 1", outcome(result("lwm", tiny)));
        truncated.forEach(OddFilesTest::assertFramesOrError);
        assertError(truncated.get(0), "not a readable media file");
    }

    @Test
    void fragmentedFiles() {
        assertAllEightFrames(result("lwm", fragmented));
        List<String> rotated = result("raw", fragmentedRotated);
        assertEquals("ok 8", outcome(rotated), rotated.toString());
        assertDisplayed(rotated, "96x160", BOTTOM_LEFT, TOP_LEFT, BOTTOM_RIGHT, TOP_RIGHT);
        assertFramesOrError(fragmentedCut);
    }

    @Test
    void filesWithoutFrames() {
        for (Path file : zeroFrames) {
            String outcome = outcome(result("lwm", file));
            assertTrue(outcome.startsWith("error " + file + ": ")
                    && (outcome.contains("no video stream") || outcome.contains("has no frames")), outcome);
        }
    }

    @Test
    void hugeDeclaredDimensionsAreRefusedBeforeDecoding() throws Exception {
        assertTrue(Files.size(hugeDeclared) < 1024);
        assertError(hugeDeclared, "video frame of 8192x8192 pixels exceeds the limit of 50 megapixels");
    }

    @Test
    void encryptedAndGarbageData() {
        assertError(encrypted, "encrypted");
        // FFmpeg's demuxer already refuses encrypted fragments it has no key for.
        assertError(encryptedFragmented, "not a readable media file");
        assertError(garbagePayload, "no frame could be decoded");
    }

    @Test
    void keyframeMissingFromTheSeekIndexDoesNotHang() {
        // Seeking to the last keyframe lands on the one before: decoding on from there, not seeking again forever.
        assertAllEightFrames(result("lwm", keyframeMissingFromIndex));
    }

    @Test
    void runningOutOfMemoryInADecoderThreadIsAnErrorNotAHang() throws Exception {
        // JavaCPP refuses native buffers above maxBytes with an OutOfMemoryError: here the first RGB frame.
        Path large = TestMedia.video().size(1024, 768).frames(2, 25, 1).write(dir.resolve("large.mp4"));
        Map<String, List<String>> starved = runChild(
                List.of("-Dorg.bytedeco.javacpp.maxBytes=1m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"),
                List.of("lwm=" + large));
        List<String> lines = starved.get("lwm=" + large);
        assertNotNull(lines, starved.toString());
        String outcome = outcome(lines);
        assertTrue(outcome.startsWith("error " + large + ": decoding failed: java.lang.OutOfMemoryError"), outcome);
    }
}

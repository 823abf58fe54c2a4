package lwm.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** Each kind of bad input ends in a clear error or warning naming the file, within the class timeout. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws Exception {
        dir = TestMedia.scratch("bad-input");
    }

    private static MediaException fails(Path file, Executable action, String expected) {
        MediaException error = assertThrows(MediaException.class, action);
        assertTrue(error.getMessage().startsWith(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
        return error;
    }

    private static void failsToSample(Path file, String expected) {
        fails(file, () -> {
            try (FrameStream frames = FrameSampler.lwm().open(file, SamplingPolicy.lwm(8))) {
                frames.toList();
            }
        }, expected);
    }

    private static Path copy(Path source, String name) throws Exception {
        return Files.copy(source, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void zeroByteFile() throws Exception {
        Path empty = Files.write(dir.resolve("empty.mp4"), new byte[0]);
        fails(empty, () -> MediaProbe.probe(empty), "empty file");
        failsToSample(empty, "empty file");
    }

    @Test
    void truncatedFile() throws Exception {
        // The recorder writes the MP4 index at the end: half a file has none.
        Path source = VideoFixtures.h264();
        byte[] bytes = Files.readAllBytes(source);
        Path truncated = Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(bytes, bytes.length / 2));
        fails(truncated, () -> MediaProbe.probe(truncated), "truncated");
        // WebM is written front to back: what is there decodes.
        byte[] webm = Files.readAllBytes(VideoFixtures.vp9Odd());
        Path cut = Files.write(dir.resolve("truncated.webm"), Arrays.copyOf(webm, webm.length * 2 / 3));
        try (FrameStream frames = FrameSampler.lwm().open(cut, SamplingPolicy.lwm(100))) {
            int count = frames.toList().size();
            assertTrue(count > 5 && count < 30, "frames: " + count);
            assertTrue(frames.warnings().get(0).contains("100 frames requested"), frames.warnings().toString());
        }
    }

    @Test
    void notMediaAtAll() throws Exception {
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Path file = Files.write(dir.resolve("noise.mp4"), noise);
        fails(file, () -> MediaProbe.probe(file), "not a readable media file");
    }

    @Test
    void audioOnlyFile() throws Exception {
        Path audio = dir.resolve("audio-only.m4a");
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(audio.toFile(), 1)) {
            recorder.setFormat("mp4");
            recorder.setAudioCodecName("aac");
            recorder.setSampleRate(16000);
            recorder.start();
            recorder.recordSamples(16000, 1, java.nio.ShortBuffer.wrap(new short[16000]));
        }
        fails(audio, () -> MediaProbe.probe(audio), "no video stream (only audio)");
        failsToSample(audio, "no video stream");
    }

    @Test
    void containerWithoutVideoStream() throws Exception {
        Path subtitles = Files.writeString(dir.resolve("subtitles.srt"), "1\n00:00:00,000 --> 00:00:01,000\nhello\n\n");
        fails(subtitles, () -> MediaProbe.probe(subtitles), "no video stream (only subtitle)");
    }

    @Test
    void unsupportedCodec() throws Exception {
        // Rename the sample entry 'avc1' in the MP4's stsd box to a codec tag no decoder knows.
        byte[] bytes = Files.readAllBytes(VideoFixtures.h264());
        int stsd = indexOf(bytes, "stsd", 0);
        int entry = indexOf(bytes, "avc1", stsd);
        System.arraycopy("zzzz".getBytes(StandardCharsets.US_ASCII), 0, bytes, entry, 4);
        Path unknown = Files.write(dir.resolve("unknown-codec.mp4"), bytes);
        fails(unknown, () -> MediaProbe.probe(unknown), "unsupported video codec");
        failsToSample(unknown, "tag 'zzzz'");
    }

    private static int indexOf(byte[] haystack, String needle, int from) {
        for (int i = from; i < haystack.length - 4; i++) {
            if (Bytes.startsWith(haystack, i, needle)) {
                return i;
            }
        }
        throw new AssertionError(needle + " not found");
    }

    /** Byte ranges of the video packets of a file, in file order. */
    private static List<long[]> packets(Path file) {
        List<long[]> ranges = new ArrayList<>();
        try (VideoContainer container = VideoContainer.open(file)) {
            AVPacket packet = av_packet_alloc();
            while (container.readVideoPacket(packet)) {
                ranges.add(new long[] {packet.pos(), packet.size()});
            }
            av_packet_free(packet);
        }
        return ranges;
    }

    private static Path withZeroedPackets(Path source, String name, int from, int to) throws Exception {
        Path file = copy(source, name);
        List<long[]> ranges = packets(file);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = from; i < to; i++) {
                out.seek(ranges.get(i)[0]);
                out.write(new byte[(int) ranges.get(i)[1]]);
            }
        }
        return file;
    }

    @Test
    void corruptPacketsInTheMiddleAreSkippedWithTheirTimes() throws Exception {
        Path intra = TestMedia.video().codec("mp4", "mpeg4").frames(40, 25, 1).write(dir.resolve("intra.mp4"));
        Path corrupt = withZeroedPackets(intra, "corrupt-middle.mp4", 20, 23);
        try (FrameStream frames = FrameSampler.lwm().open(corrupt, SamplingPolicy.lwm(40))) {
            List<SampledFrame> list = frames.toList();
            assertEquals(37, list.size());
            list.forEach(f -> assertEquals(f.index(), TestMedia.readCode(f.image())));
            String warning = frames.warnings().get(0);
            assertTrue(warning.startsWith(corrupt.toString()), warning);
            assertTrue(warning.contains("3 sampled frame(s) could not be decoded")
                    && warning.contains("0.800 s, 0.840 s, 0.880 s"), warning);
        }
        Path hopeless = withZeroedPackets(intra, "corrupt-all.mp4", 0, 40);
        failsToSample(hopeless, "no frame could be decoded");
    }

    @Test
    void hugeImageHeaderIsRefusedBeforeDecoding() throws Exception {
        // A WebP header announcing 16000x16000 (VP8X canvas), with no picture data behind it.
        byte[] header = new byte[30];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, header, 0, 4);
        System.arraycopy("WEBPVP8X".getBytes(StandardCharsets.US_ASCII), 0, header, 8, 8);
        header[16] = 10;
        int side = 16000 - 1;
        for (int at : new int[] {24, 27}) {
            header[at] = (byte) side;
            header[at + 1] = (byte) (side >> 8);
            header[at + 2] = (byte) (side >> 16);
        }
        Path huge = Files.write(dir.resolve("huge.webp"), header);
        failsToSample(huge, "16000x16000 pixels exceeds the limit");
    }

    @Test
    void wrongExtension() throws Exception {
        Path png = dir.resolve("really-a-png.mp4");
        PngWriter.write(TestMedia.codedFrame(300, 200, 77), png, java.util.Map.of());
        try (FrameStream frames = FrameSampler.lwm().open(png, SamplingPolicy.lwm(8))) {
            List<SampledFrame> list = frames.toList();
            assertEquals(1, list.size());
            assertEquals(77, TestMedia.readCode(list.get(0).image()));
        }
        Path video = copy(VideoFixtures.h264(), "really-a-video.png");
        try (FrameStream frames = FrameSampler.lwm().open(video, SamplingPolicy.lwm(3))) {
            assertEquals(3, frames.toList().size());
        }
    }

    @Test
    void unreadablePaths() throws Exception {
        Path directory = Files.createDirectories(dir.resolve("a-directory.mp4"));
        fails(directory, () -> MediaProbe.probe(directory), "is a directory");
        failsToSample(directory, "is a directory");
        Path missing = dir.resolve("missing.mp4");
        fails(missing, () -> MediaProbe.probe(missing), "file not found");
        Path locked = copy(VideoFixtures.h264(), "locked.mp4");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(locked)) {
            // Root reads anything: then only the directory case above applies.
            fails(locked, () -> MediaProbe.probe(locked), "permission denied");
        }
    }

    @Test
    void fewerFramesThanRequestedIsAWarning() throws Exception {
        Path shortVideo = TestMedia.video().frames(5, 25, 5).write(dir.resolve("five-frames.mp4"));
        try (FrameStream frames = FrameSampler.lwm().open(shortVideo, SamplingPolicy.lwm(16))) {
            assertEquals(5, frames.toList().size());
            assertEquals(List.of(shortVideo + ": 16 frames requested, only 5 distinct frames available (the video"
                    + " has 5 frames)"), frames.warnings());
        }
    }

    @Test
    void encryptedStream() throws Exception {
        Path encrypted = dir.resolve("cenc.mp4");
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(encrypted.toFile(), 64, 64, 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodecName("libopenh264");
            recorder.setFrameRate(25);
            recorder.setOption("encryption_scheme", "cenc-aes-ctr");
            recorder.setOption("encryption_key", "76a6c65c5ea762046bd749a2e632ccbb");
            recorder.setOption("encryption_kid", "a7e61c373e219033c21091fa607bf3b8");
            recorder.start();
            var frame = new org.bytedeco.javacv.Frame(64, 64, org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3);
            for (int i = 0; i < 5; i++) {
                TestMedia.fill(frame, TestMedia.codedFrame(64, 64, i));
                recorder.record(frame, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24);
            }
        }
        fails(encrypted, () -> MediaProbe.probe(encrypted), "encrypted");
        failsToSample(encrypted, "encrypted");
    }
}

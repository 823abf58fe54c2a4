package lwm.media.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.MediaProbe;
import lwm.media.SampledFrame;
import lwm.media.SamplingPolicy;
import lwm.media.VideoInfo;
import org.bytedeco.javacpp.Loader;

/**
 * Samples an hour-long 640x360 H.264 video at 1 fps into LWM's 256x256 float frames and compares with the ffmpeg
 * command line doing the same work (decode, fps=1, bicubic scale of the shorter side to 256, centre crop, raw RGB)
 * in the same run. Not a test: run media/bench/sampling-bench.sh.
 *
 * <p>Arguments: {@code WORK_DIR [SECONDS]}. The video is generated once into WORK_DIR (with the ffmpeg binary that
 * the bytedeco FFmpeg package bundles) and reused.
 */
public final class SamplingBenchmark {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final int VIDEO_FPS = 25;
    private static final int GOP = 250;
    private static final double SAMPLE_FPS = 1;
    private static final int FRAME_BYTES = 256 * 256 * 3;

    private SamplingBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SamplingBenchmark WORK_DIR [SECONDS]");
            System.exit(2);
        }
        Path work = Path.of(args[0]);
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3600;
        Files.createDirectories(work);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path video = work.resolve("bench-" + seconds + "s-" + WIDTH + "x" + HEIGHT + ".mp4");
        if (!Files.exists(video)) {
            long start = System.nanoTime();
            generate(ffmpeg, video, seconds);
            System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", video, (System.nanoTime() - start) / 1e9);
        }
        VideoInfo info = MediaProbe.probe(video);
        System.out.printf(Locale.ROOT, "video: %s, %d frames, %.0f s, %s, keyframe every %.1f s%n", video,
                info.frameCount(), info.durationSeconds(), info.videoCodec(), info.keyframeIntervalSeconds());

        Result java = runJava(video);
        Result cli = runFfmpeg(ffmpeg, video);
        System.out.println();
        System.out.println("| sampler | frames | wall s | frames/s | CPU s | peak RSS (VmHWM) |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (Result result : List.of(java, cli)) {
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d MiB |%n", result.name, result.frames,
                    result.seconds, result.frames / result.seconds, result.cpuSeconds, result.peakBytes >> 20);
        }
        System.out.printf(Locale.ROOT, "%nJava / ffmpeg throughput: %.2fx (CPU time ffmpeg / Java: %.2fx)%n",
                (java.frames / java.seconds) / (cli.frames / cli.seconds), cli.cpuSeconds / java.cpuSeconds);
        // Other processes on a shared machine take CPU from both; the load average says how much.
        System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }

    private record Result(String name, long frames, double seconds, double cpuSeconds, long peakBytes) {}

    private static void generate(String ffmpeg, Path video, int seconds) throws IOException, InterruptedException {
        Path partial = video.resolveSibling(video.getFileName() + ".partial.mp4");
        // testsrc2: simple moving test pattern (low complexity), encoded by the bundled build's H.264 encoder.
        Process process = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", "testsrc2=size=" + WIDTH + "x" + HEIGHT + ":rate=" + VIDEO_FPS, "-t", Integer.toString(seconds),
                "-c:v", "libopenh264", "-b:v", "600k", "-g", Integer.toString(GOP), "-pix_fmt", "yuv420p",
                partial.toString())
                .inheritIO()
                .start();
        if (process.waitFor() != 0) {
            throw new IOException("ffmpeg failed to generate " + video);
        }
        Files.move(partial, video);
    }

    private static Result runJava(Path video) {
        double cpuBefore = cpuSeconds(ProcessHandle.current());
        long start = System.nanoTime();
        long frames = 0;
        float checksum = 0;
        try (FrameStream stream = FrameSampler.lwm().open(video, SamplingPolicy.fixedRate(SAMPLE_FPS))) {
            for (SampledFrame frame : stream) {
                float[] tensor = frame.modelInput();
                checksum += tensor[tensor.length / 2];
                frames++;
            }
            System.out.println("java: " + stream.stats() + " warnings " + stream.warnings() + " checksum " + checksum);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("Java (FrameSampler, 2 workers, Pillow-exact)", frames, seconds,
                cpuSeconds(ProcessHandle.current()) - cpuBefore, peakOf("self"));
    }

    private static Result runFfmpeg(String ffmpeg, Path video) throws IOException, InterruptedException {
        int scaledWidth = (int) ((double) 256 * WIDTH / HEIGHT);
        long start = System.nanoTime();
        Process process = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-i", video.toString(),
                "-vf", "fps=" + SAMPLE_FPS + ",scale=" + scaledWidth + ":256:flags=bicubic,crop=256:256",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        AtomicLong peak = new AtomicLong();
        AtomicLong cpuMillis = new AtomicLong();
        Thread sampler = new Thread(() -> {
            // VmHWM and CPU time are gone once the process exits; poll them while it runs.
            while (process.isAlive()) {
                peak.accumulateAndGet(peakOf(Long.toString(process.pid())), Math::max);
                cpuMillis.accumulateAndGet((long) (cpuSeconds(process.toHandle()) * 1000), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        long bytes = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream out = process.getInputStream()) {
            for (int n; (n = out.read(buffer)) > 0; ) {
                bytes += n;
            }
        }
        process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        sampler.join();
        return new Result("ffmpeg CLI (fps=1, scale bicubic, crop)", bytes / FRAME_BYTES, seconds,
                cpuMillis.get() / 1000.0, peak.get());
    }

    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** VmHWM of /proc/PID/status in bytes, 0 when unavailable. */
    private static long peakOf(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}

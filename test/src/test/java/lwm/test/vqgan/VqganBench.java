package lwm.test.vqgan;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;
import lwm.engine.vqgan.VqganConfig;

/**
 * VQGAN encode throughput of the Java engine: the Java side of test/bench/vqgan-bench.sh (not a test).
 *
 * <pre>
 *   java -Dai.djl.pytorch.num_threads=2 ... lwm.test.vqgan.VqganBench WEIGHTS FRAMES_F32 BATCH [REPS] [f32|f16]
 * </pre>
 *
 * BATCH is 1 (one frame per batch, as LWM encodes) or the frame count (all frames in one batch, which must fit the
 * default activation budget). Prints one line in the format of vqgan_bench.py (cpu_s: least process CPU time of one
 * pass).
 */
public final class VqganBench {
    /** Process CPU time of all threads, libtorch's included: steadier than wall time on a shared machine. */
    private static final OperatingSystemMXBean PROCESS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private VqganBench() {
    }

    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        if (args.length < 3) {
            System.err.println("usage: VqganBench WEIGHTS FRAMES_F32 BATCH [REPS] [f32|f16]");
            System.exit(2);
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1]))).order(ByteOrder.LITTLE_ENDIAN);
        float[] frames = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(frames);
        int batch = Integer.parseInt(args[2]);
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Precision precision = Precision.parse(args.length > 4 ? args[4] : "f32");
        long loadStart = System.nanoTime();
        try (Vqgan vqgan = Vqgan.load(Path.of(args[0]), precision)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            int count = frames.length / vqgan.config().valuesPerFrame();
            if (batch == 1) {
                vqgan.setBatchBytes(1);
            } else if (vqgan.encodeBatchFrames() < batch) {
                throw new IllegalArgumentException("batch " + batch + " exceeds the default budget's "
                        + vqgan.encodeBatchFrames() + " frames");
            }
            int[][] codes = vqgan.encode(frames, count); // warm-up
            double[] seconds = new double[reps];
            double[] cpu = new double[reps];
            for (int r = 0; r < reps; r++) {
                long start = System.nanoTime();
                long startCpu = PROCESS.getProcessCpuTime();
                vqgan.encode(frames, count);
                seconds[r] = (System.nanoTime() - start) / 1e9;
                cpu[r] = (PROCESS.getProcessCpuTime() - startCpu) / 1e9;
            }
            Arrays.sort(seconds);
            Arrays.sort(cpu);
            System.out.printf("java encode frames=%d batch=%d threads=%s best_s=%.3f median_s=%.3f frames_per_s=%.3f "
                    + "cpu_s=%.3f codes_sha=%s precision=%s load_s=%.2f%n", count,
                    Math.min(batch, vqgan.encodeBatchFrames()),
                    System.getProperty("ai.djl.pytorch.num_threads", "default"), seconds[0], seconds[reps / 2],
                    count / seconds[0], cpu[0], sha(codes, vqgan.config()), precision, loadSeconds);
        }
    }

    /** The same digest vqgan_bench.py prints: sha256 of the codes as little-endian int32, first 12 hex digits. */
    private static String sha(int[][] codes, VqganConfig config) throws NoSuchAlgorithmException {
        ByteBuffer b = ByteBuffer.allocate(codes.length * config.codesPerFrame() * Integer.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int[] frame : codes) {
            for (int c : frame) {
                b.putInt(c);
            }
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array())).substring(0, 12);
    }
}

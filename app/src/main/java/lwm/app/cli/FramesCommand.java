package lwm.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import lwm.app.ingest.VqganFiles;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.LwmPreprocessor;
import lwm.media.PngWriter;
import lwm.media.SampledFrame;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lwm frames}: writes the exact 256×256 frames the VQGAN sees, in order, with their indices and timestamps
 * (and, given a model directory, their codes) in {@code frames.json}.
 */
@Command(name = "frames", mixinStandardHelpOptions = true, description = "Write the frames the model would see.")
final class FramesCommand implements Callable<Integer> {
    private static final int FRAME_FLOATS = LwmPreprocessor.SIZE * LwmPreprocessor.SIZE * 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--video", required = true, paramLabel = "FILE", description = "The video (or image).")
    Path video;

    @Mixin
    FrameOptions frameOptions = new FrameOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the PNGs and frames.json go.")
    Path out;

    @Option(names = "--model", paramLabel = "DIR", description = "A vision model directory: adds each frame's VQGAN codes.")
    Path model;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("source", video.toString());
        ArrayNode entries = root.putArray("frames");
        try (Vqgan vqgan = model == null ? null : VqganFiles.load(VqganFiles.find(model), Precision.F32, VqganFiles.Use.READ);
                FrameStream stream = FrameSampler.lwm().open(video, frameOptions.policy())) {
            CodeBatch batch = vqgan == null ? null : new CodeBatch(vqgan);
            for (SampledFrame frame : stream) {
                String name = String.format(Locale.ROOT, "frame-%05d.png", entries.size());
                PngWriter.write(frame.image(), out.resolve(name), Map.of("source", video.getFileName().toString(),
                        "frame", Integer.toString(frame.index()), "timestamp", Double.toString(frame.timestampSeconds())));
                ObjectNode entry = entries.addObject().put("file", name).put("index", frame.index())
                        .put("timestamp", frame.timestampSeconds());
                if (batch != null) {
                    batch.add(frame, entry);
                }
            }
            if (batch != null) {
                batch.flush();
            }
            stream.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        }
        mapper.writerWithDefaultPrettyPrinter().writeValue(out.resolve("frames.json").toFile(), root);
        spec.commandLine().getOut().printf(Locale.ROOT, "%d frames written to %s%n", entries.size(), out);
        return 0;
    }

    /** Frames waiting for the VQGAN, encoded a batch at a time so a long video is never held whole. */
    private static final class CodeBatch {
        private final Vqgan vqgan;
        private final int size;
        private final float[] pixels;
        private final List<ObjectNode> entries = new ArrayList<>();

        CodeBatch(Vqgan vqgan) {
            this.vqgan = vqgan;
            this.size = Math.max(1, Math.min(vqgan.encodeBatchFrames(), 16));
            this.pixels = new float[size * FRAME_FLOATS];
        }

        void add(SampledFrame frame, ObjectNode entry) {
            frame.writeModelInput(FloatBuffer.wrap(pixels, entries.size() * FRAME_FLOATS, FRAME_FLOATS));
            entries.add(entry);
            if (entries.size() == size) {
                flush();
            }
        }

        void flush() {
            int n = entries.size();
            if (n == 0) {
                return;
            }
            int[][] codes = vqgan.encode(n == size ? pixels : Arrays.copyOf(pixels, n * FRAME_FLOATS), n);
            for (int i = 0; i < n; i++) {
                ArrayNode array = entries.get(i).putArray("codes");
                for (int code : codes[i]) {
                    array.add(code);
                }
            }
            entries.clear();
        }
    }
}

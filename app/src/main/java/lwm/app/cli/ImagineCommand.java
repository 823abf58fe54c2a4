package lwm.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.gallery.GalleryFiles;
import lwm.app.gallery.ImagineEvent;
import lwm.app.gallery.ImagineService;
import lwm.app.store.ConversationStore;
import lwm.app.store.GalleryItem;
import lwm.app.workspace.Workspace;
import lwm.engine.generate.CancellationToken;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ModalityParams;
import lwm.engine.model.Precision;
import lwm.engine.route.EngineRouter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lwm imagine}: LWM's text-to-image and text-to-video, into a file and the desktop's gallery. */
@Command(name = "imagine", mixinStandardHelpOptions = true,
        description = "Generate an image (PNG) or a video (MP4, 4 fps) from text with LWM's classifier-free guidance.")
final class ImagineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What to draw.")
    String prompt;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "1",
            description = "1 for an image, more for a video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write: .png for an image, "
            + ".mp4 for a video.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Random seed (default: LWM's "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"--cfg", "--cfg-scale-image"}, paramLabel = "S", defaultValue = "5",
            description = "Guidance of the first frame (default: ${DEFAULT-VALUE}).")
    float cfgImage;

    @Option(names = "--temperature-image", paramLabel = "T", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    float temperatureImage;

    @Option(names = "--top-k-image", paramLabel = "K", defaultValue = "8192", description = "Default: ${DEFAULT-VALUE}.")
    int topKImage;

    @Option(names = "--cfg-video", paramLabel = "S", defaultValue = "1",
            description = "Guidance of a video's later frames (default: ${DEFAULT-VALUE}).")
    float cfgVideo;

    @Option(names = "--temperature-video", paramLabel = "T", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    float temperatureVideo;

    @Option(names = "--top-k-video", paramLabel = "K", defaultValue = "1000", description = "Default: ${DEFAULT-VALUE}.")
    int topKVideo;

    @Option(names = "--data", paramLabel = "DIR", description = "The desktop's data folder, whose gallery records "
            + "the result (default: ~/.local/share/lwm-desktop).")
    Path data = Workspace.defaultDataDir();

    @Option(names = "--json", description = "Print one JSON object (the file, the record, timings) at the end.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ImagineRequest request = new ImagineRequest(prompt, frames,
                new ModalityParams(temperatureImage, topKImage, cfgImage),
                new ModalityParams(temperatureVideo, topKVideo, cfgVideo), seed);
        checkOut();
        PrintWriter err = spec.commandLine().getErr();
        Precision precision = modelOptions.precision == null ? null : Precision.parse(modelOptions.precision);
        try (Engines engines = new Engines(new EngineSettings(modelOptions.dir(), precision, null, EngineRouter.Mode.LOCAL, 0));
                ConversationStore store = ConversationStore.open(data.resolve("conversations.db"));
                ImagineService service = new ImagineService(engines, store.gallery(), data.resolve("gallery"))) {
            GalleryItem item = service.imagine(request, out, progress(err), new CancellationToken());
            err.println();
            if (json) {
                spec.commandLine().getOut().println(json(item));
            } else {
                err.printf(Locale.ROOT, "wrote %s (%d frame%s, %.1f s); gallery item %d%n", out, item.framesDone(),
                        item.framesDone() == 1 ? "" : "s", item.elapsed().toMillis() / 1000.0, item.id());
            }
        }
        return 0;
    }

    private void checkOut() {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        String wanted = frames == 1 ? ".png" : ".mp4";
        if (!name.endsWith(wanted)) {
            throw new IllegalArgumentException("--out " + out + ": " + (frames == 1 ? "an image is written as PNG"
                    : "a video is written as MP4") + "; name the file *" + wanted);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out " + out + ": the folder " + parent + " does not exist");
        }
    }

    /** One status line, rewritten in place: frame, percent, time left. */
    private static Consumer<ImagineEvent> progress(PrintWriter err) {
        int[] lastPercent = {-1};
        return event -> {
            if (event instanceof ImagineEvent.Progress p) {
                int percent = (int) (100L * p.step() / p.totalSteps());
                if (percent != lastPercent[0]) {
                    lastPercent[0] = percent;
                    err.printf(Locale.ROOT, "\rframe %d · %3d%% · %d s left ", p.step() / 257 + (p.step() % 257 == 0 ? 0 : 1),
                            percent, Math.round(p.eta().toMillis() / 1000.0));
                    err.flush();
                }
            }
        };
    }

    private String json(GalleryItem item) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("file", out.toString());
        node.put("gallery_file", item.file() == null ? null : item.file().toString());
        node.put("gallery_id", item.id());
        node.put("status", item.status().name().toLowerCase(Locale.ROOT));
        node.put("frames", item.framesDone());
        node.put("seconds", item.elapsed().toMillis() / 1000.0);
        node.set("record", mapper.readTree(GalleryFiles.record(item)));
        return mapper.writeValueAsString(node);
    }
}

package lwm.app.gallery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import lwm.app.engine.Engines;
import lwm.app.ingest.VqganFiles;
import lwm.app.store.GalleryItem;
import lwm.app.store.GalleryStore;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.StopReason;
import lwm.engine.imagine.ImagineListener;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ImagineResult;
import lwm.engine.imagine.VisionGenerator;
import lwm.engine.route.Route;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.VisionTokens;
import lwm.engine.vqgan.Vqgan;
import lwm.media.RgbImage;

/**
 * Text-to-image and text-to-video for the gallery and {@code lwm imagine}: samples with LWM's guidance on the local
 * model, shows each frame as its codes arrive, writes the PNG (one frame) or the 4 fps MP4 with the prompt and
 * parameters inside, and keeps the record in the gallery store. Remix keeps every parameter but the seed; re-run
 * keeps the seed too.
 */
public final class ImagineService implements AutoCloseable {
    private final Engines engines;
    private final GalleryStore store;
    private final Path outputDir;
    private final Random seeds = new Random();
    private Vqgan vqgan;

    /** @param outputDir where generated files are written, named by item id and prompt */
    public ImagineService(Engines engines, GalleryStore store, Path outputDir) {
        this.engines = engines;
        this.store = store;
        this.outputDir = outputDir;
    }

    public GalleryStore store() {
        return store;
    }

    /** Where a request of this many frames runs; an exception says why it cannot run here. */
    public RoutingDecision route(int frames) {
        RoutingDecision decision = engines.decide(2 * VisionGenerator.positions(frames), 0);
        if (decision.route() == Route.REMOTE) {
            throw new IllegalStateException("generating " + frames + " frame(s) does not fit in this machine's memory "
                    + "budget, and the backend does not generate images; " + decision.reason());
        }
        return decision;
    }

    /** Generates {@code request} into a new gallery item; the file goes to the gallery folder. */
    public GalleryItem imagine(ImagineRequest request, Consumer<ImagineEvent> listener, CancellationToken cancel)
            throws IOException {
        return imagine(request, null, listener, cancel);
    }

    /**
     * Generates {@code request}; {@code out}, when given, is where the file is also copied (the CLI's {@code --out}).
     */
    public GalleryItem imagine(ImagineRequest request, Path out, Consumer<ImagineEvent> listener, CancellationToken cancel)
            throws IOException {
        route(request.frames());
        VisionGenerator generator = new VisionGenerator(engines.local().model(), engines.requireTokenizer("generating images"));
        Vqgan decoder = vqgan();
        GalleryItem item = store.start(request, engines.modelDir().getFileName().toString());
        listener.accept(new ImagineEvent.Started(item));
        long start = System.nanoTime();
        try {
            ImagineResult result;
            List<RgbImage> frames;
            FramePreviews previews = new FramePreviews(decoder, listener::accept);
            try {
                result = generator.generate(request, sampling(previews, listener, start), cancel);
            } finally {
                previews.close(); // every complete frame is decoded by then
            }
            frames = previews.frames(result.frames().size());
            int done = frames.size();
            Path file = done == 0 ? null : write(item, frames, out);
            store.progress(item.id(), done, file, result.elapsed());
            boolean stopped = result.stop() == StopReason.CANCELLED;
            store.finish(item.id(), stopped ? GalleryItem.Status.STOPPED : GalleryItem.Status.DONE, null);
        } catch (IOException | RuntimeException | Error e) {
            store.progress(item.id(), 0, null, Duration.ofNanos(System.nanoTime() - start));
            store.finish(item.id(), GalleryItem.Status.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
            listener.accept(new ImagineEvent.Finished(store.item(item.id())));
            throw e;
        }
        GalleryItem finished = store.item(item.id());
        listener.accept(new ImagineEvent.Finished(finished));
        return finished;
    }

    /** The item's parameters with a new random seed. */
    public GalleryItem remix(long id, Consumer<ImagineEvent> listener, CancellationToken cancel) throws IOException {
        return imagine(existing(id).request().withSeed(seeds.nextInt(Integer.MAX_VALUE)), listener, cancel);
    }

    /** The item's parameters and seed again (the same frames, on the same model). */
    public GalleryItem rerun(long id, Consumer<ImagineEvent> listener, CancellationToken cancel) throws IOException {
        return imagine(existing(id).request(), listener, cancel);
    }

    /** Removes the record and its file; a running item must be stopped first. */
    public void delete(long id) throws IOException {
        GalleryItem item = existing(id);
        if (item.status() == GalleryItem.Status.RUNNING) {
            throw new IllegalStateException("\"" + item.request().prompt() + "\" is being generated; stop it before deleting it");
        }
        store.delete(id);
        if (item.file() != null) {
            Files.deleteIfExists(item.file());
        }
    }

    /** Copies the item's file to {@code target}. */
    public void export(long id, Path target) throws IOException {
        GalleryItem item = existing(id);
        if (item.file() == null || !Files.isRegularFile(item.file())) {
            throw new IOException("gallery item " + id + " has no file" + (item.file() == null ? "" : " (" + item.file()
                    + " is gone)"));
        }
        Files.copy(item.file(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    private GalleryItem existing(long id) {
        GalleryItem item = store.item(id);
        if (item == null) {
            throw new IllegalArgumentException("gallery item " + id + " not found");
        }
        return item;
    }

    private static ImagineListener sampling(FramePreviews previews, Consumer<ImagineEvent> listener, long start) {
        int[] codes = new int[VisionTokens.CODES_PER_FRAME];
        return new ImagineListener() {
            @Override
            public void onToken(int step, int totalSteps, float[] guided, int id) {
                int inFrame = step % VisionTokens.TOKENS_PER_FRAME;
                if (inFrame < VisionTokens.CODES_PER_FRAME) {
                    codes[inFrame] = id;
                    if (inFrame + 1 < VisionTokens.CODES_PER_FRAME) {
                        previews.codes(step / VisionTokens.TOKENS_PER_FRAME, codes, inFrame + 1);
                    }
                }
                long elapsed = System.nanoTime() - start;
                long eta = (long) ((double) elapsed / (step + 1) * (totalSteps - step - 1));
                listener.accept(new ImagineEvent.Progress(step + 1, totalSteps, Duration.ofNanos(elapsed),
                        Duration.ofNanos(eta)));
            }

            @Override
            public void onFrame(int frame, int[] frameCodes) {
                previews.codes(frame, frameCodes, VisionTokens.CODES_PER_FRAME);
            }
        };
    }

    private Path write(GalleryItem item, List<RgbImage> frames, Path out) throws IOException {
        Files.createDirectories(outputDir);
        String extension = item.isVideo() ? ".mp4" : ".png";
        Path file = outputDir.resolve(item.id() + "-" + slug(item.request().prompt()) + extension);
        GalleryFiles.write(file, frames, GalleryFiles.metadata(item));
        if (out != null) {
            Files.copy(file, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    static String slug(String prompt) {
        String s = prompt.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        return s.isEmpty() ? "image" : s.substring(0, Math.min(40, s.length()));
    }

    /** The model's VQGAN, loaded once; refused unless its codebook is the 8192 codes the vision vocabulary names. */
    private synchronized Vqgan vqgan() throws IOException {
        if (vqgan == null) {
            vqgan = VqganFiles.load(VqganFiles.find(engines.modelDir()), engines.precision(), VqganFiles.Use.DRAW);
        }
        return vqgan;
    }

    @Override
    public synchronized void close() {
        if (vqgan != null) {
            vqgan.close();
            vqgan = null;
        }
    }
}

package lwm.ui.gallery;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.image.Image;
import lwm.app.gallery.GalleryFiles;
import lwm.app.gallery.ImagineEvent;
import lwm.app.gallery.ImagineService;
import lwm.app.store.GalleryItem;
import lwm.app.workspace.Workspace;
import lwm.engine.generate.CancellationToken;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ModalityParams;
import lwm.engine.tokenizer.VisionTokens;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import lwm.ui.util.Formats;
import lwm.ui.util.FxCoalescer;
import lwm.ui.util.FxImages;

/**
 * The gallery: the generation form (LWM's parameters, defaults from its scripts), the grid of everything generated
 * with thumbnails loaded off the FX thread, the running generation with its live frame, and the actions on an item.
 * Generations run on their own thread, one at a time, so that chat and thumbnails never wait for them.
 */
public final class GalleryViewModel {
    public static final int MAX_FRAMES = 32;

    private final Workspace workspace;
    private final Background background;
    private final Background generations = new Background(1, "lwm-imagine");
    private final Random seeds = new Random();

    private final StringProperty prompt = new SimpleStringProperty("");
    private final IntegerProperty frames = new SimpleIntegerProperty(1);
    private final BooleanProperty randomSeed = new SimpleBooleanProperty(true);
    private final StringProperty seed = new SimpleStringProperty(Long.toString(ImagineRequest.DEFAULT_SEED));
    private final ObjectProperty<ModalityParams> image = new SimpleObjectProperty<>(ModalityParams.IMAGE);
    private final ObjectProperty<ModalityParams> video = new SimpleObjectProperty<>(ModalityParams.VIDEO);

    private final ObservableList<GalleryTile> tiles = FXCollections.observableArrayList();
    private final ObjectProperty<GalleryTile> selected = new SimpleObjectProperty<>();
    private final ObservableList<Image> selectedFrames = FXCollections.observableArrayList();
    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");

    private CancellationToken running;
    private GalleryTile live;
    private final AtomicReference<ImagineEvent.Progress> latestProgress = new AtomicReference<>();
    private final AtomicReference<ImagineEvent.Preview> latestPreview = new AtomicReference<>();
    private final FxCoalescer updates = new FxCoalescer(this::showLatest);

    public GalleryViewModel(Workspace workspace, Background background) {
        this.workspace = workspace;
        this.background = background;
        selected.addListener((o, was, now) -> loadFrames(now));
    }

    // ------------------------------------------------------------------ the form

    public StringProperty promptProperty() {
        return prompt;
    }

    public IntegerProperty framesProperty() {
        return frames;
    }

    public BooleanProperty randomSeedProperty() {
        return randomSeed;
    }

    public StringProperty seedProperty() {
        return seed;
    }

    public ObjectProperty<ModalityParams> imageParamsProperty() {
        return image;
    }

    public ObjectProperty<ModalityParams> videoParamsProperty() {
        return video;
    }

    /** The request the form describes; a new random seed each time unless a seed is fixed. */
    ImagineRequest request() {
        long s;
        if (randomSeed.get()) {
            s = seeds.nextInt(Integer.MAX_VALUE);
            seed.set(Long.toString(s));
        } else {
            try {
                s = Long.parseLong(seed.get().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the seed must be a whole number, got '" + seed.get() + "'");
            }
        }
        return new ImagineRequest(prompt.get().strip(), frames.get(), image.get(), video.get(), s);
    }

    /** Puts an item's prompt and parameters (and its seed, fixed) into the form. */
    public void useSettings(GalleryTile tile) {
        ImagineRequest r = tile.item().request();
        prompt.set(r.prompt());
        frames.set(r.frames());
        image.set(r.image());
        video.set(r.video());
        randomSeed.set(false);
        seed.set(Long.toString(r.seed()));
    }

    // ------------------------------------------------------------------ state

    public ObservableList<GalleryTile> tiles() {
        return tiles;
    }

    public ObjectProperty<GalleryTile> selectedProperty() {
        return selected;
    }

    /** The selected item's frames, decoded from its file (one for an image). */
    public ObservableList<Image> selectedFrames() {
        return selectedFrames;
    }

    public BooleanProperty busyProperty() {
        return busy;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public StringProperty errorProperty() {
        return error;
    }

    // ------------------------------------------------------------------ actions

    /** Loads the stored items and their thumbnails. */
    public void reload() {
        background.run(() -> workspace.store().gallery().items(), items -> {
            long keep = selected.get() == null ? -1 : selected.get().item().id();
            // The running item keeps its tile: previews go on arriving there.
            List<GalleryTile> fresh = items.stream()
                    .map(i -> live != null && live.item().id() == i.id() ? live : new GalleryTile(i)).toList();
            tiles.setAll(fresh);
            fresh.stream().filter(t -> t.item().id() == keep).findFirst().ifPresent(selected::set);
            fresh.stream().filter(t -> t != live).forEach(this::loadThumbnail);
        }, e -> error.set(Errors.describe(e)));
    }

    public void generate() {
        if (busy.get()) {
            error.set("A generation is running; stop it or wait for it to finish");
            return;
        }
        ImagineRequest request;
        try {
            request = request();
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return;
        }
        start(service -> service.imagine(request, this::onEvent, running));
    }

    public void remix(GalleryTile tile) {
        long id = tile.item().id();
        start(service -> service.remix(id, this::onEvent, running));
    }

    public void rerun(GalleryTile tile) {
        long id = tile.item().id();
        start(service -> service.rerun(id, this::onEvent, running));
    }

    public void stop() {
        if (running != null) {
            running.cancel();
            status.set("Stopping…");
        }
    }

    public void delete(GalleryTile tile) {
        if (tile == live || tile.item().status() == GalleryItem.Status.RUNNING) {
            error.set("Stop the generation before deleting it");
            return;
        }
        background.run(() -> {
            workspace.imagine().delete(tile.item().id());
            return null;
        }, ok -> {
            tiles.remove(tile);
            if (selected.get() == tile) {
                selected.set(null);
            }
        }, e -> error.set(Errors.describe(e)));
    }

    public void export(GalleryTile tile, Path target) {
        background.run(() -> {
            workspace.imagine().export(tile.item().id(), target);
            return target;
        }, t -> status.set("Exported to " + t), e -> error.set(Errors.describe(e)));
    }

    private interface Job {
        GalleryItem run(ImagineService service) throws Exception;
    }

    private void start(Job job) {
        if (busy.get()) {
            error.set("A generation is running; stop it or wait for it to finish");
            return;
        }
        running = new CancellationToken();
        busy.set(true);
        error.set("");
        progress.set(0);
        status.set("Loading the model…");
        latestProgress.set(null);
        latestPreview.set(null);
        generations.run(() -> job.run(workspace.imagine()), this::finished, e -> {
            finished(null);
            error.set(Errors.describe(e));
        });
    }

    private void finished(GalleryItem item) {
        updates.changed();
        GalleryTile done = live;
        live = null;
        running = null;
        if (item != null && done != null) {
            done.itemProperty().set(item);
            done.rowsProperty().set(16);
            loadThumbnail(done);
            if (selected.get() == done) {
                loadFrames(done);
            }
        }
        busy.set(false); // last: bindings on busy read the item's final status
        if (item == null) {
            status.set("");
            reload();
        } else {
            status.set(describe(item));
        }
    }

    /** Called on the generating thread. */
    private void onEvent(ImagineEvent event) {
        if (event instanceof ImagineEvent.Started started) {
            javafx.application.Platform.runLater(() -> {
                live = new GalleryTile(started.item());
                live.rowsProperty().set(0);
                tiles.add(0, live);
                selected.set(live);
            });
        } else if (event instanceof ImagineEvent.Progress p) {
            latestProgress.set(p);
            updates.changed();
        } else if (event instanceof ImagineEvent.Preview p) {
            latestPreview.set(p);
            updates.changed();
        }
    }

    /** Renders the newest progress and preview, once per pulse however fast they come. */
    private void showLatest() {
        ImagineEvent.Progress p = latestProgress.get();
        if (p != null && busy.get()) {
            progress.set((double) p.step() / p.totalSteps());
            if (running != null && !running.isCancelled()) {
                status.set(progressText(p));
            }
        }
        ImagineEvent.Preview preview = latestPreview.getAndSet(null);
        if (preview != null && live != null) {
            live.imageProperty().set(FxImages.of(preview.image()));
            live.rowsProperty().set(preview.rows());
            live.frameProperty().set(preview.frame());
        }
    }

    static String progressText(ImagineEvent.Progress p) {
        int frameCount = p.totalSteps() / VisionTokens.TOKENS_PER_FRAME;
        int frame = Math.min(frameCount, p.step() / VisionTokens.TOKENS_PER_FRAME + 1);
        String eta = Formats.eta(p.eta());
        return (frameCount > 1 ? "Frame " + frame + " of " + frameCount + " · " : "")
                + String.format(Locale.ROOT, "%.0f%%", 100.0 * p.step() / p.totalSteps())
                + (eta.isEmpty() ? "" : " · " + eta);
    }

    static String describe(GalleryItem item) {
        String what = item.isVideo() ? item.framesDone() + " of " + item.request().frames() + " frames" : "image";
        return switch (item.status()) {
            case DONE -> "Done: " + what + " in " + String.format(Locale.ROOT, "%.1f s", item.elapsed().toMillis() / 1000.0);
            case STOPPED -> "Stopped: " + what + " kept";
            case FAILED -> "Failed: " + item.problem();
            case INTERRUPTED -> "Interrupted (the app closed while it ran)";
            case RUNNING -> "Running";
        };
    }

    private void loadThumbnail(GalleryTile tile) {
        GalleryItem item = tile.item();
        if (item.file() == null) {
            return;
        }
        background.run(() -> FxImages.of(GalleryFiles.firstFrame(item.file())), tile.imageProperty()::set,
                e -> tile.itemProperty().set(new GalleryItem(item.id(), item.request(), item.model(),
                        GalleryItem.Status.FAILED, item.framesDone(), null, Errors.describe(e), item.elapsed(),
                        item.created())));
    }

    /** The selected item's frames from its file; a running item shows its live frame instead. */
    private void loadFrames(GalleryTile tile) {
        selectedFrames.clear();
        if (tile == null || tile == live || tile.item().file() == null) {
            return;
        }
        GalleryItem item = tile.item();
        background.run(() -> GalleryFiles.frames(item).stream().<Image>map(FxImages::of).toList(), list -> {
            if (selected.get() == tile) {
                selectedFrames.setAll(list);
            }
        }, e -> error.set(Errors.describe(e)));
    }

    /** Stops a running generation and the gallery's thread. */
    public void close() {
        stop();
        generations.closeWithin(30);
    }
}

package lwm.ui.needle;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
import lwm.app.needle.NeedleEvent;
import lwm.app.needle.NeedleFiles;
import lwm.app.needle.NeedleGrid;
import lwm.app.needle.NeedleHeatmap;
import lwm.app.needle.NeedleService;
import lwm.app.needle.NeedleSpec;
import lwm.app.store.NeedleCell;
import lwm.app.store.NeedleRun;
import lwm.app.workspace.Workspace;
import lwm.engine.generate.CancellationToken;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import lwm.ui.util.Formats;

/**
 * The needle lab: the form for a new run (LWM's single or multi needle, the grid, the haystack), the stored runs,
 * the selected run's cells and heatmap (redrawn as each cell finishes), resume and stop, import and export. Runs go
 * on a thread of their own, one at a time.
 */
public final class NeedleLabViewModel {
    /** What a heatmap can be saved as. */
    public enum Export { PNG, CSV, LWM_JSON }

    private final Workspace workspace;
    private final Background background;
    private final Background runner = new Background(1, "lwm-needle");

    private final ObjectProperty<NeedleSpec.Kind> kind = new SimpleObjectProperty<>(NeedleSpec.Kind.SINGLE);
    private final ObjectProperty<Path> clip = new SimpleObjectProperty<>();
    private final ObjectProperty<Path> picture = new SimpleObjectProperty<>();
    private final StringProperty question = new SimpleStringProperty("What color is the square?");
    private final StringProperty answer = new SimpleStringProperty("red");
    private final StringProperty unit = new SimpleStringProperty("tokens");
    private final ObjectProperty<Path> haystack = new SimpleObjectProperty<>();
    private final IntegerProperty minLength = new SimpleIntegerProperty(1000);
    private final IntegerProperty maxLength = new SimpleIntegerProperty(4000);
    private final IntegerProperty lengths = new SimpleIntegerProperty(4);
    private final IntegerProperty depths = new SimpleIntegerProperty(5);
    private final IntegerProperty rounds = new SimpleIntegerProperty(1);
    private final IntegerProperty needles = new SimpleIntegerProperty(4);
    private final IntegerProperty retrieve = new SimpleIntegerProperty(2);

    private final ObservableList<NeedleRun> runs = FXCollections.observableArrayList();
    private final ObjectProperty<NeedleRun> selected = new SimpleObjectProperty<>();
    private final ObservableList<NeedleCell> cells = FXCollections.observableArrayList();
    private final ObjectProperty<NeedleHeatmap> heatmap = new SimpleObjectProperty<>(NeedleHeatmap.of(List.of()));
    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private CancellationToken running;
    private long fetches;
    private long runningId = -1;

    public NeedleLabViewModel(Workspace workspace, Background background) {
        this.workspace = workspace;
        this.background = background;
        selected.addListener((o, was, now) -> loadCells(now));
    }

    // ------------------------------------------------------------------ form and state

    public ObjectProperty<NeedleSpec.Kind> kindProperty() {
        return kind;
    }

    /** A video needle's clip. */
    public ObjectProperty<Path> clipProperty() {
        return clip;
    }

    /** A video needle's picture, inserted among the clip's frames. */
    public ObjectProperty<Path> pictureProperty() {
        return picture;
    }

    public StringProperty questionProperty() {
        return question;
    }

    public StringProperty answerProperty() {
        return answer;
    }

    /** What the selected run's lengths count: tokens, or haystack frames. */
    public StringProperty unitProperty() {
        return unit;
    }

    /** The chosen haystack; null for the model's bundled one. */
    public ObjectProperty<Path> haystackProperty() {
        return haystack;
    }

    public IntegerProperty minLengthProperty() {
        return minLength;
    }

    public IntegerProperty maxLengthProperty() {
        return maxLength;
    }

    public IntegerProperty lengthsProperty() {
        return lengths;
    }

    public IntegerProperty depthsProperty() {
        return depths;
    }

    public IntegerProperty roundsProperty() {
        return rounds;
    }

    public IntegerProperty needlesProperty() {
        return needles;
    }

    public IntegerProperty retrieveProperty() {
        return retrieve;
    }

    public ObservableList<NeedleRun> runs() {
        return runs;
    }

    public ObjectProperty<NeedleRun> selectedProperty() {
        return selected;
    }

    public ObservableList<NeedleCell> cells() {
        return cells;
    }

    public ObjectProperty<NeedleHeatmap> heatmapProperty() {
        return heatmap;
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

    /** Whether the selected run can go on: stopped, interrupted or failed with cells left. */
    public boolean canResume(NeedleRun run) {
        return run != null && !busy.get() && (run.status() == NeedleRun.Status.STOPPED
                || run.status() == NeedleRun.Status.INTERRUPTED || run.status() == NeedleRun.Status.FAILED);
    }

    // ------------------------------------------------------------------ actions

    public void reload() {
        background.run(() -> workspace.store().needles().runs(), list -> {
            long keep = selected.get() == null ? -1 : selected.get().id();
            runs.setAll(list);
            list.stream().filter(r -> r.id() == keep).findFirst().ifPresent(selected::set);
        }, e -> error.set(Errors.describe(e)));
    }

    /** Checks the form against the haystack and the model, records the run and starts it. */
    public void start() {
        NeedleSpec spec;
        try {
            NeedleGrid grid = NeedleGrid.linear(minLength.get(), maxLength.get(), lengths.get(), depths.get(), rounds.get());
            spec = switch (kind.get()) {
                case SINGLE -> NeedleSpec.single(grid, 0, haystack.get());
                case MULTI -> NeedleSpec.multi(grid, needles.get(), retrieve.get(), 0, haystack.get());
                case VIDEO -> {
                    if (clip.get() == null || picture.get() == null) {
                        throw new IllegalArgumentException("choose the clip and the picture of the video needle");
                    }
                    yield NeedleSpec.video(NeedleGrid.linear(minLength.get(), maxLength.get(), lengths.get(), depths.get(), 1),
                            new NeedleSpec.VideoNeedle(clip.get(), picture.get(), question.get().strip(), answer.get().strip()));
                }
            };
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return;
        }
        launch(service -> {
            boolean bundled = spec.kind() != NeedleSpec.Kind.VIDEO && spec.haystack() == null;
            return service.create(bundled ? spec.withHaystack(service.defaultHaystack()) : spec);
        });
    }

    public void resume(NeedleRun run) {
        launch(service -> run);
    }

    public void stop() {
        if (running != null) {
            running.cancel();
            status.set("Stopping (the cell being asked is dropped)…");
        }
    }

    public void importResults(Path file) {
        background.run(() -> workspace.needles().importResults(file), run -> {
            runs.add(0, run);
            selected.set(run);
        }, e -> error.set(Errors.describe(e)));
    }

    public void export(Export kind, Path file) {
        NeedleRun run = selected.get();
        List<NeedleCell> snapshot = List.copyOf(cells);
        NeedleHeatmap map = heatmap.get();
        background.run(() -> {
            switch (kind) {
                case PNG -> NeedleFiles.writePng(map, run == null ? "Needle in a haystack" : run.title(), NeedleService.lengthUnit(run), file);
                case CSV -> NeedleFiles.writeCsv(map, file);
                case LWM_JSON -> NeedleFiles.writeLwmResults(snapshot, file);
            }
            return file;
        }, f -> status.set("Exported to " + f), e -> error.set(Errors.describe(e)));
    }

    public void delete(NeedleRun run) {
        if (run.id() == runningId) {
            error.set("Stop the run before deleting it");
            return;
        }
        background.run(() -> {
            workspace.store().needles().delete(run.id());
            return null;
        }, ok -> {
            runs.remove(run);
            if (selected.get() == run) {
                selected.set(null);
            }
        }, e -> error.set(Errors.describe(e)));
    }

    private interface Start {
        NeedleRun prepare(NeedleService service) throws Exception;
    }

    private void launch(Start start) {
        if (busy.get()) {
            error.set("A run is going; stop it first");
            return;
        }
        CancellationToken cancel = new CancellationToken();
        running = cancel;
        busy.set(true);
        error.set("");
        progress.set(0);
        status.set("Checking the grid against the model…");
        runner.run(() -> {
            NeedleService service = workspace.needles();
            NeedleRun run = start.prepare(service);
            javafx.application.Platform.runLater(() -> started(run));
            return service.run(run.id(), event -> javafx.application.Platform.runLater(() -> onEvent(event)), cancel);
        }, this::finished, e -> {
            finished(null);
            error.set(Errors.describe(e));
        });
    }

    private void started(NeedleRun run) {
        runningId = run.id();
        NeedleRun running = new NeedleRun(run.id(), run.title(), run.spec(), run.model(), NeedleRun.Status.RUNNING,
                run.source(), run.created());
        runs.removeIf(r -> r.id() == run.id());
        runs.add(0, running);
        selected.set(running);
    }

    /** The heatmap of {@code list}, over the whole grid of the run's spec when it has one. */
    private static NeedleHeatmap heatmapOf(NeedleRun run, List<NeedleCell> list) {
        NeedleGrid grid = null;
        if (run != null && run.status() != NeedleRun.Status.IMPORTED) {
            try {
                grid = NeedleSpec.fromJson(run.spec()).grid();
            } catch (IllegalArgumentException e) {
                grid = null; // an unreadable spec still shows the cells it has
            }
        }
        return NeedleHeatmap.of(list, grid);
    }

    private void onEvent(NeedleEvent event) {
        if (event instanceof NeedleEvent.CellStarted s) {
            progress.set((double) s.done() / s.total());
            status.set("Cell " + (s.done() + 1) + " of " + s.total() + " · " + Formats.tokens(s.contextLength())
                    + " tokens" + (s.depthPercent() >= 0 ? " at " + s.depthPercent() + " %" : "") + etaSuffix());
        } else if (event instanceof NeedleEvent.CellDone d) {
            lastEta = Formats.eta(d.eta());
            progress.set((double) d.done() / d.total());
            if (selected.get() != null && selected.get().id() == runningId) {
                fetchCells(selected.get()); // the cell is stored before it is reported
            }
        }
    }

    private String lastEta = "";

    private String etaSuffix() {
        return lastEta.isEmpty() ? "" : " · " + lastEta;
    }

    private void finished(NeedleRun run) {
        busy.set(false);
        running = null;
        runningId = -1;
        lastEta = "";
        status.set("");
        reload();
        if (run != null) {
            background.run(() -> workspace.store().needles().cells(run.id()), list -> {
                NeedleHeatmap map = heatmapOf(run, list);
                if (selected.get() != null && selected.get().id() == run.id()) {
                    fetches++; // newer than any fetch still running
                    heatmap.set(map);
                    cells.setAll(list);
                }
                status.set(String.format(Locale.ROOT, "%s · %d cells · score %.2f",
                        run.status().name().toLowerCase(Locale.ROOT), list.size(), map.overall()));
            }, e -> error.set(Errors.describe(e)));
        }
    }

    private void loadCells(NeedleRun run) {
        unit.set(NeedleService.lengthUnit(run));
        cells.clear();
        heatmap.set(heatmapOf(run, List.of()));
        if (run != null) {
            fetchCells(run);
        }
    }

    /** Fetches the run's cells; only the newest fetch is shown, as fetches may finish out of order. */
    private void fetchCells(NeedleRun run) {
        long ticket = ++fetches;
        background.run(() -> workspace.store().needles().cells(run.id()), list -> {
            if (ticket == fetches && selected.get() != null && selected.get().id() == run.id()) {
                heatmap.set(heatmapOf(run, list));
                cells.setAll(list);
            }
        }, e -> error.set(Errors.describe(e)));
    }

    public void close() {
        stop();
        runner.closeWithin(30);
    }
}

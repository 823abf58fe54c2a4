package lwm.ui.needle;

import java.io.File;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.RadioButton;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import lwm.app.needle.NeedleSpec;
import lwm.app.store.NeedleRun;
import lwm.ui.util.ErrorBanner;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;

/**
 * The needle lab screen: runs on the left (new, imported, resumable), the form for a new run, and the selected
 * run's heatmap, redrawn live, with its exports.
 */
public final class NeedleLabView {
    private final NeedleLabViewModel vm;
    private final SplitPane root;
    private final HeatmapView heatmap = new HeatmapView();
    /** Held here: bidirectional bindings keep only weak references to the spinners' side. */
    private final java.util.List<Object> bindings = new java.util.ArrayList<>();

    public NeedleLabView(NeedleLabViewModel vm) {
        this.vm = vm;
        root = new SplitPane(runsPane(), mainPane());
        root.setDividerPositions(0.24);
        SplitPane.setResizableWithParent(root.getItems().get(0), false);
        vm.heatmapProperty().addListener((o, was, now) -> heatmap.show(now, vm.cells(), vm.unitProperty().get()));
    }

    public SplitPane node() {
        return root;
    }

    private VBox runsPane() {
        ListView<NeedleRun> list = new ListView<>(vm.runs());
        list.setId("needle-runs");
        list.setPlaceholder(new Label("No runs yet"));
        list.setCellFactory(v -> new RunCell());
        list.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null) {
                vm.selectedProperty().set(now);
            }
        });
        vm.selectedProperty().addListener((o, was, now) -> list.getSelectionModel().select(now));
        VBox.setVgrow(list, Priority.ALWAYS);
        Button importButton = new Button("Import results…", new FontIcon(MaterialDesignI.IMPORT));
        importButton.setId("needle-import");
        importButton.setMaxWidth(Double.MAX_VALUE);
        importButton.setTooltip(new Tooltip("LWM's results.json or a NIAH project result file"));
        importButton.setOnAction(e -> importResults());
        VBox box = new VBox(8, importButton, list);
        box.setPadding(new Insets(10));
        box.getStyleClass().add("sidebar");
        return box;
    }

    private final class RunCell extends ListCell<NeedleRun> {
        @Override
        protected void updateItem(NeedleRun run, boolean empty) {
            super.updateItem(run, empty);
            setText(null);
            if (empty || run == null) {
                setGraphic(null);
                setContextMenu(null);
                return;
            }
            Label title = new Label(run.title());
            title.setWrapText(true);
            Label state = new Label(run.status().name().toLowerCase(Locale.ROOT) + " · " + run.model());
            state.getStyleClass().add("placeholder");
            VBox box = new VBox(2, title, state);
            box.setMaxWidth(getListView().getWidth() - 24);
            title.maxWidthProperty().bind(getListView().widthProperty().subtract(28));
            setGraphic(box);
            MenuItem delete = new MenuItem("Delete");
            delete.setOnAction(e -> vm.delete(run));
            setContextMenu(new ContextMenu(delete));
        }
    }

    private BorderPane mainPane() {
        BorderPane pane = new BorderPane();
        pane.setTop(form());
        ScrollPane scroll = new ScrollPane(heatmapPane());
        scroll.setFitToWidth(true);
        pane.setCenter(scroll);
        return pane;
    }

    private VBox form() {
        ToggleGroup kind = new ToggleGroup();
        RadioButton single = kindButton(kind, "Single needle", "needle-single", NeedleSpec.Kind.SINGLE);
        RadioButton multi = kindButton(kind, "Multi needle", "needle-multi", NeedleSpec.Kind.MULTI);
        RadioButton video = kindButton(kind, "Video needle", "needle-video", NeedleSpec.Kind.VIDEO);
        var isVideo = vm.kindProperty().isEqualTo(NeedleSpec.Kind.VIDEO);
        var isMulti = vm.kindProperty().isEqualTo(NeedleSpec.Kind.MULTI);

        Label haystackName = new Label();
        haystackName.setId("needle-haystack");
        haystackName.textProperty().bind(Bindings.createStringBinding(() -> vm.haystackProperty().get() == null
                ? "the model's bundled haystack" : vm.haystackProperty().get().getFileName().toString(), vm.haystackProperty()));
        Button chooseHaystack = new Button("Choose…", new FontIcon(MaterialDesignF.FILE_DOCUMENT_OUTLINE));
        chooseHaystack.setId("needle-choose-haystack");
        chooseHaystack.setOnAction(e -> chooseHaystack());

        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);
        grid.addRow(0, new Label("Kind"), new HBox(12, single, multi, video));
        HBox haystackRow = new HBox(8, haystackName, chooseHaystack);
        haystackRow.setId("needle-haystack-row");
        Label haystackLabel = new Label("Haystack");
        showIf(isVideo.not(), haystackRow, haystackLabel);
        grid.addRow(1, haystackLabel, haystackRow);
        Label unit = new Label();
        unit.textProperty().bind(Bindings.when(isVideo).then("frames in").otherwise("tokens in"));
        grid.addRow(2, new Label("Context"), new HBox(6, spinner("needle-min", 1, 1_048_576, vm.minLengthProperty(), 500),
                new Label("to"), spinner("needle-max", 1, 1_048_576, vm.maxLengthProperty(), 500), unit,
                spinner("needle-lengths", 1, 40, vm.lengthsProperty(), 1), new Label("lengths")));
        grid.addRow(3, new Label("Depths"), new HBox(6, spinner("needle-depths", 1, 40, vm.depthsProperty(), 1),
                new Label("from 0 to 100 %, rounds"), spinner("needle-rounds", 1, 20, vm.roundsProperty(), 1)));
        HBox multiRow = new HBox(6, new Label("Hide"), spinner("needle-count", 1, 20, vm.needlesProperty(), 1),
                new Label("needles, ask for"), spinner("needle-retrieve", 1, 20, vm.retrieveProperty(), 1));
        Label multiLabel = new Label("Needles");
        showIf(isMulti, multiRow, multiLabel);
        grid.addRow(4, multiLabel, multiRow);
        Label clipLabel = new Label("Clip");
        HBox clipRow = new HBox(8, fileName(vm.clipProperty(), "needle-clip", "no clip chosen"),
                chooser("needle-choose-clip", "Choose the clip", vm.clipProperty(), "Videos", "*.mp4", "*.mkv", "*.mov",
                        "*.webm", "*.avi"),
                new Label("picture"), fileName(vm.pictureProperty(), "needle-picture", "no picture chosen"),
                chooser("needle-choose-picture", "Choose the picture", vm.pictureProperty(), "Images", "*.png", "*.jpg",
                        "*.jpeg", "*.webp"));
        TextField question = new TextField();
        question.setId("needle-question");
        question.setPrefColumnCount(24);
        question.textProperty().bindBidirectional(vm.questionProperty());
        TextField answer = new TextField();
        answer.setId("needle-answer");
        answer.setPrefColumnCount(8);
        answer.textProperty().bindBidirectional(vm.answerProperty());
        Label askLabel = new Label("Ask");
        HBox askRow = new HBox(8, question, new Label("answer contains"), answer);
        showIf(isVideo, clipLabel, clipRow, askLabel, askRow);
        grid.addRow(5, clipLabel, clipRow);
        grid.addRow(6, askLabel, askRow);
        for (var node : grid.getChildren()) {
            if (node instanceof HBox h) {
                h.setAlignment(Pos.CENTER_LEFT);
            }
        }

        Button run = new Button("Run", new FontIcon(MaterialDesignP.PLAY));
        run.setId("needle-run");
        run.getStyleClass().add("accent");
        run.disableProperty().bind(vm.busyProperty());
        run.setOnAction(e -> vm.start());
        Button resume = new Button("Resume", new FontIcon(MaterialDesignP.PLAY_PAUSE));
        resume.setId("needle-resume");
        resume.setTooltip(new Tooltip("Ask the cells the selected run has not finished"));
        resume.disableProperty().bind(Bindings.createBooleanBinding(() -> !vm.canResume(vm.selectedProperty().get()),
                vm.selectedProperty(), vm.busyProperty()));
        resume.setOnAction(e -> vm.resume(vm.selectedProperty().get()));
        Button stop = new Button("Stop", new FontIcon(MaterialDesignS.STOP));
        stop.setId("needle-stop");
        stop.visibleProperty().bind(vm.busyProperty());
        stop.managedProperty().bind(stop.visibleProperty());
        stop.setOnAction(e -> vm.stop());
        ProgressBar progress = new ProgressBar();
        progress.setId("needle-progress");
        progress.setPrefWidth(200);
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.busyProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        Label status = new Label();
        status.setId("needle-status");
        status.getStyleClass().add("placeholder");
        status.textProperty().bind(vm.statusProperty());
        HBox actions = new HBox(8, run, resume, stop, progress, status);
        actions.setAlignment(Pos.CENTER_LEFT);

        Label error = ErrorBanner.of("needle-error", vm.errorProperty());

        VBox box = new VBox(10, grid, actions, error);
        box.setPadding(new Insets(10, 12, 10, 12));
        return box;
    }

    private RadioButton kindButton(ToggleGroup group, String text, String id, NeedleSpec.Kind kind) {
        RadioButton b = new RadioButton(text);
        b.setId(id);
        b.setToggleGroup(group);
        b.setSelected(vm.kindProperty().get() == kind);
        b.selectedProperty().addListener((o, was, now) -> {
            if (now) {
                vm.kindProperty().set(kind);
            }
        });
        return b;
    }

    private static void showIf(javafx.beans.value.ObservableBooleanValue condition, javafx.scene.Node... nodes) {
        for (javafx.scene.Node n : nodes) {
            n.visibleProperty().bind(condition);
            n.managedProperty().bind(condition);
        }
    }

    private static Label fileName(javafx.beans.property.ObjectProperty<java.nio.file.Path> file, String id, String none) {
        Label l = new Label();
        l.setId(id);
        l.textProperty().bind(Bindings.createStringBinding(() -> file.get() == null ? none
                : file.get().getFileName().toString(), file));
        return l;
    }

    private Button chooser(String id, String title, javafx.beans.property.ObjectProperty<java.nio.file.Path> target,
            String kind, String... patterns) {
        Button b = new Button("Choose…", new FontIcon(MaterialDesignF.FILE_OUTLINE));
        b.setId(id);
        b.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle(title);
            chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter(kind, patterns),
                    new FileChooser.ExtensionFilter("All files", "*"));
            File file = chooser.showOpenDialog(root.getScene().getWindow());
            if (file != null) {
                target.set(file.toPath());
            }
        });
        return b;
    }

    private Spinner<Integer> spinner(String id, int min, int max, javafx.beans.property.IntegerProperty value, int step) {
        Spinner<Integer> s = new Spinner<>(min, max, value.get(), step);
        s.setId(id);
        s.setEditable(true);
        s.setPrefWidth(max > 1000 ? 110 : 72);
        var boxed = value.asObject();
        bindings.add(boxed);
        s.getValueFactory().valueProperty().bindBidirectional(boxed);
        return s;
    }

    private VBox heatmapPane() {
        Label title = new Label();
        title.setId("needle-title");
        title.getStyleClass().add("gallery-detail-prompt");
        title.textProperty().bind(Bindings.createStringBinding(() -> vm.selectedProperty().get() == null
                ? "Run a grid, or import results, to see a heatmap" : vm.selectedProperty().get().title(), vm.selectedProperty()));
        Label summary = new Label();
        summary.setId("needle-summary");
        summary.getStyleClass().add("placeholder");
        vm.cells().addListener((ListChangeListener<Object>) c -> summary.setText(summaryText()));
        vm.heatmapProperty().addListener((o, was, now) -> summary.setText(summaryText()));
        Button png = export("PNG", "needle-export-png", NeedleLabViewModel.Export.PNG, "png");
        Button csv = export("CSV", "needle-export-csv", NeedleLabViewModel.Export.CSV, "csv");
        Button json = export("LWM results.json", "needle-export-json", NeedleLabViewModel.Export.LWM_JSON, "json");
        HBox exports = new HBox(6, new Label("Export"), png, csv, json);
        exports.setAlignment(Pos.CENTER_LEFT);
        exports.disableProperty().bind(Bindings.isEmpty(vm.cells()));
        VBox box = new VBox(8, title, summary, heatmap.node(), exports);
        box.setPadding(new Insets(10, 12, 10, 12));
        return box;
    }

    private String summaryText() {
        var map = vm.heatmapProperty().get();
        int cells = vm.cells().size();
        return cells == 0 ? "" : String.format(Locale.ROOT, "%d cells · mean score %.2f · hover a cell for its answers",
                cells, map.overall());
    }

    private Button export(String label, String id, NeedleLabViewModel.Export kind, String extension) {
        Button b = new Button(label);
        b.setId(id);
        b.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle("Export the heatmap");
            chooser.setInitialFileName(kind == NeedleLabViewModel.Export.LWM_JSON ? "results.json" : "needle-heatmap." + extension);
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(extension.toUpperCase(Locale.ROOT), "*." + extension));
            File file = chooser.showSaveDialog(root.getScene().getWindow());
            if (file != null) {
                vm.export(kind, file.toPath());
            }
        });
        return b;
    }

    private void chooseHaystack() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Choose a haystack (UTF-8 text)");
        chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Text", "*.txt", "*.md"),
                new FileChooser.ExtensionFilter("All files", "*"));
        File file = chooser.showOpenDialog(root.getScene().getWindow());
        if (file != null) {
            vm.haystackProperty().set(file.toPath());
        }
    }

    private void importResults() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Import needle results");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("JSON", "*.json"));
        File file = chooser.showOpenDialog(root.getScene().getWindow());
        if (file != null) {
            vm.importResults(file.toPath());
        }
    }
}

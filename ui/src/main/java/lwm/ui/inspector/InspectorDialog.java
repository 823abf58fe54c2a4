package lwm.ui.inspector;

import java.util.Locale;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Window;
import lwm.media.VideoInfo;

/**
 * The video inspector: the video's timeline with the sampled frames marked and the chosen range shaded, the frame
 * count and range controls, the live token estimate, and the contact sheet of the exact frames the model sees.
 */
public final class InspectorDialog {
    private static final double TIMELINE_WIDTH = 640;

    private InspectorDialog() {}

    /** True when the user applied the inspector's frames and range to the message being written. */
    public static boolean show(Window owner, InspectorViewModel vm) {
        Dialog<Boolean> dialog = new Dialog<>();
        dialog.setTitle("Inspect " + vm.file().getFileName());
        dialog.initOwner(owner);
        Label probe = new Label("Reading the video…");
        probe.setId("inspector-probe");
        Canvas timeline = new Canvas(TIMELINE_WIDTH, 34);
        timeline.setId("timeline");
        Spinner<Integer> frames = new Spinner<>(1, 10_000, vm.framesProperty().get());
        frames.setId("inspector-frames");
        frames.setEditable(true);
        frames.valueProperty().addListener((o, was, now) -> vm.framesProperty().set(now));
        Spinner<Double> start = new Spinner<>(0, 1e7, vm.rangeStartProperty().get(), 1);
        start.setId("range-start");
        start.setEditable(true);
        Spinner<Double> end = new Spinner<>(0, 1e7, vm.rangeEndProperty().get(), 1);
        end.setId("range-end");
        end.setEditable(true);
        start.valueProperty().addListener((o, was, now) -> vm.rangeStartProperty().set(now));
        end.valueProperty().addListener((o, was, now) -> vm.rangeEndProperty().set(now));
        vm.rangeEndProperty().addListener((o, was, now) -> end.getValueFactory().setValue(now.doubleValue()));
        Label estimate = new Label();
        estimate.setId("inspector-estimate");
        estimate.textProperty().bind(vm.estimateProperty());
        Label problem = new Label();
        problem.getStyleClass().add("plan-problem");
        problem.textProperty().bind(vm.problemProperty());
        frames.setPrefWidth(100);
        start.setPrefWidth(110);
        end.setPrefWidth(110);
        HBox controls = new HBox(8, fixed("Frames"), frames, fixed("from"), start, fixed("to"), end, fixed("seconds"));
        controls.setAlignment(Pos.CENTER_LEFT);
        estimate.setMinWidth(Label.USE_PREF_SIZE);
        TilePane sheet = new TilePane(6, 6);
        sheet.setId("contact-sheet");
        sheet.setPrefColumns(5);
        ScrollPane scroll = new ScrollPane(sheet);
        scroll.setFitToWidth(true);
        scroll.setPrefViewportHeight(300);
        vm.infoProperty().addListener((o, was, info) -> {
            probe.setText(describe(info));
            draw(timeline, vm);
        });
        vm.sampled().addListener((javafx.collections.ListChangeListener<InspectorViewModel.Frame>) c -> {
            sheet.getChildren().setAll(vm.sampled().stream().map(InspectorDialog::thumbnail).toList());
            draw(timeline, vm);
        });
        VBox content = new VBox(10, probe, timeline, controls, estimate, problem, scroll);
        content.setPadding(new Insets(10));
        content.setPrefWidth(TIMELINE_WIDTH + 30);
        dialog.getDialogPane().setContent(content);
        ButtonType apply = new ButtonType("Use these frames", ButtonBar.ButtonData.OK_DONE);
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.CANCEL, apply);
        dialog.setResultConverter(b -> b == apply);
        Optional<Boolean> result = dialog.showAndWait();
        return result.orElse(false);
    }

    private static Label fixed(String text) {
        Label label = new Label(text);
        label.setMinWidth(Label.USE_PREF_SIZE);
        return label;
    }

    private static String describe(VideoInfo v) {
        return String.format(Locale.ROOT, "%s · %.1f s · %d frames at %.2f fps · %d×%d%s · %s", v.file().getFileName(),
                v.durationSeconds(), v.frameCount(), v.frameRate(), v.displayWidth(), v.displayHeight(),
                v.rotation() == 0 ? "" : " (rotated " + v.rotation() + "°)", v.videoCodec());
    }

    private static VBox thumbnail(InspectorViewModel.Frame f) {
        ImageView view = new ImageView(f.image());
        view.setFitWidth(112);
        view.setFitHeight(112);
        Label time = new Label(String.format(Locale.ROOT, "#%d · %.2f s", f.index(), f.seconds()));
        time.getStyleClass().add("frame-time");
        VBox box = new VBox(2, view, time);
        Tooltip.install(box, new Tooltip("Frame " + f.index() + " at " + f.seconds() + " s, as the VQGAN sees it (256×256)"));
        return box;
    }

    /** The whole video as a bar, the chosen range shaded, a tick per sampled frame. */
    private static void draw(Canvas canvas, InspectorViewModel vm) {
        VideoInfo info = vm.infoProperty().get();
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        g.setFill(Color.gray(0.5, 0.25));
        g.fillRoundRect(0, 8, w, h - 16, 6, 6);
        if (info == null || info.durationSeconds() <= 0) {
            return;
        }
        double scale = w / info.durationSeconds();
        g.setFill(Color.web("#0969da", 0.25));
        double start = vm.rangeStartProperty().get();
        double end = vm.rangeEndProperty().get() <= start ? info.durationSeconds() : vm.rangeEndProperty().get();
        g.fillRect(start * scale, 8, (end - start) * scale, h - 16);
        g.setStroke(Color.web("#cf222e"));
        g.setLineWidth(2);
        for (InspectorViewModel.Frame f : vm.sampled()) {
            double x = Math.min(w - 1, f.seconds() * scale);
            g.strokeLine(x, 2, x, h - 2);
        }
    }
}

package lwm.ui.chat;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import lwm.app.chat.AttachmentKind;
import lwm.app.chat.ContextPlan;
import lwm.engine.route.Route;
import lwm.ui.util.Formats;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;

/**
 * The context planner under the thread: each attachment with its tokens (frames × 257), the frames per video, the
 * total against the model's context, where the request will run and why, or why it fits nowhere with one-click
 * changes that make it fit.
 */
final class PlanView {
    private final ChatViewModel vm;
    private final Consumer<Path> openInspector;
    private final FlowPane chips = new FlowPane(6, 6);
    private final Label summary = new Label();
    private final ProgressBar usage = new ProgressBar(0);
    private final Label route = new Label();
    private final FlowPane fixes = new FlowPane(6, 6);
    private final Label problem = new Label();
    private final VBox root;

    PlanView(ChatViewModel vm, Consumer<Path> openInspector) {
        this.vm = vm;
        this.openInspector = openInspector;
        summary.setId("plan-summary");
        route.setId("plan-route");
        route.getStyleClass().add("route-badge");
        problem.setId("plan-problem");
        problem.getStyleClass().add("plan-problem");
        problem.setWrapText(true);
        fixes.setId("plan-fixes");
        usage.setPrefWidth(160);
        Spinner<Integer> frames = new Spinner<>(1, 100_000, ChatViewModel.DEFAULT_FRAMES);
        frames.setId("frames");
        frames.setEditable(true);
        frames.setPrefWidth(90);
        frames.getValueFactory().valueProperty().addListener((o, was, now) -> vm.framesPerVideoProperty().set(now));
        vm.framesPerVideoProperty().addListener((o, was, now) -> frames.getValueFactory().setValue(now.intValue()));
        Label framesLabel = new Label("frames per video");
        HBox framesBox = new HBox(6, frames, framesLabel);
        framesBox.setAlignment(Pos.CENTER_LEFT);
        HBox line = new HBox(10, usage, summary, route, framesBox);
        line.setAlignment(Pos.CENTER_LEFT);
        line.visibleProperty().bind(vm.draftProperty().isNotEmpty().or(javafx.beans.binding.Bindings.isNotEmpty(vm.attachments())));
        line.managedProperty().bind(line.visibleProperty());
        root = new VBox(4, chips, line, problem, fixes);
        root.setId("planner");
        root.getStyleClass().add("planner");
        vm.planProperty().addListener((o, was, now) -> render());
        vm.planProblemProperty().addListener((o, was, now) -> render());
        vm.attachments().addListener((javafx.collections.ListChangeListener<Path>) c -> render());
        framesBox.visibleProperty().bind(javafx.beans.binding.Bindings.createBooleanBinding(
                () -> vm.attachments().stream().anyMatch(p -> AttachmentKind.of(p) == AttachmentKind.VIDEO), vm.attachments()));
        framesBox.managedProperty().bind(framesBox.visibleProperty());
        render();
    }

    Node node() {
        return root;
    }

    private void render() {
        ContextPlan plan = vm.planProperty().get();
        chips.getChildren().clear();
        for (Path file : vm.attachments()) {
            ContextPlan.Item item = plan == null ? null
                    : plan.items().stream().filter(i -> i.file().equals(file)).findFirst().orElse(null);
            chips.getChildren().add(chip(file, item));
        }
        show(chips, !vm.attachments().isEmpty());
        fixes.getChildren().clear();
        if (plan == null) {
            summary.setText("");
            problem.setText(vm.planProblemProperty().get());
            route.setText("");
            usage.setProgress(0);
            show(problem, !problem.getText().isEmpty());
            show(fixes, false);
            return;
        }
        summary.setText(String.format(Locale.ROOT, "%s of %s tokens", Formats.tokens(plan.totalTokens()),
                Formats.tokens(plan.contextTokens())));
        usage.setProgress(Math.min(1, plan.totalTokens() / (double) Math.max(1, plan.contextTokens())));
        usage.getStyleClass().removeAll("over");
        route.getStyleClass().remove("bad");
        if (plan.decision() != null) {
            route.setText(plan.decision().route() == Route.LOCAL ? "Runs locally" : "Runs on the backend");
            route.setTooltip(new Tooltip(plan.decision().reason()));
            problem.setText("");
        } else {
            usage.getStyleClass().add("over");
            route.getStyleClass().add("bad");
            route.setText("Does not fit");
            route.setTooltip(null);
            problem.setText(plan.problem() == null ? "" : plan.problem());
            plan.fixes().forEach(f -> fixes.getChildren().add(fixButton(f)));
        }
        String itemProblems = plan.items().stream().filter(i -> i.problem() != null).map(ContextPlan.Item::problem)
                .reduce((a, b) -> a + "\n" + b).orElse("");
        if (!itemProblems.isEmpty()) {
            problem.setText(problem.getText().isEmpty() ? itemProblems : problem.getText() + "\n" + itemProblems);
        }
        show(problem, !problem.getText().isEmpty());
        show(fixes, !fixes.getChildren().isEmpty());
    }

    private Node chip(Path file, ContextPlan.Item item) {
        String tokens = item == null ? "…" : item.problem() != null ? "cannot be read"
                : item.kind() == AttachmentKind.TEXT ? Formats.tokens(item.tokens()) + " tokens"
                : item.frames() + " × 257 = " + Formats.tokens(item.tokens()) + " tokens";
        Label name = ChatView.fileChip(file.getFileName() + " · " + tokens);
        if (item != null && item.problem() != null) {
            name.getStyleClass().add("bad");
            name.setTooltip(new Tooltip(item.problem()));
        }
        Button remove = new Button(null, new FontIcon(MaterialDesignC.CLOSE));
        remove.getStyleClass().addAll("flat", "chip-remove");
        remove.setAccessibleText("Remove " + file.getFileName());
        remove.setOnAction(e -> vm.removeAttachment(file));
        HBox chip = new HBox(2, name, remove);
        chip.setAlignment(Pos.CENTER_LEFT);
        chip.getStyleClass().add("attachment");
        if (AttachmentKind.of(file) == AttachmentKind.VIDEO) {
            name.setTooltip(new Tooltip("Click to inspect the frames the model will see"));
            name.setOnMouseClicked(e -> openInspector.accept(file));
            name.getStyleClass().add("clickable");
        }
        return chip;
    }

    private Button fixButton(ContextPlan.Fix fix) {
        Button b = switch (fix.kind()) {
            case FEWER_FRAMES -> new Button("Use " + fix.frames() + " frames per video");
            case HALF_PRECISION -> new Button("Load the weights in f16");
            case USE_BACKEND -> new Button("Set up a remote backend (Settings)");
        };
        b.getStyleClass().add("fix");
        b.setOnAction(e -> vm.applyFix(fix));
        return b;
    }

    private static void show(Node node, boolean visible) {
        node.setVisible(visible);
        node.setManaged(visible);
    }
}

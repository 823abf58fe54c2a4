package lwm.ui.settings;

import java.io.File;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.PasswordField;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;
import lwm.app.settings.Settings;

/** The settings window: models, backend, memory, precision, theme. OK saves only what validates. */
public final class SettingsDialog {
    private SettingsDialog() {}

    /** The edited settings and a new token (empty: keep the saved one), or empty when cancelled. */
    public record Result(Settings settings, String token) {}

    public static Optional<Result> show(Window owner, SettingsViewModel vm, boolean tokenSaved) {
        Dialog<Result> dialog = new Dialog<>();
        dialog.setTitle("Settings");
        dialog.initOwner(owner);
        ListView<String> models = new ListView<>(vm.models());
        models.setId("models");
        models.setPrefHeight(120);
        models.getSelectionModel().select(vm.activeProperty().get());
        models.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null) {
                vm.activeProperty().set(now);
            }
        });
        vm.activeProperty().addListener((o, was, now) -> models.getSelectionModel().select(now));
        Button add = new Button("Add model folder…");
        add.setId("add-model");
        add.setOnAction(e -> {
            DirectoryChooser chooser = new DirectoryChooser();
            chooser.setTitle("Choose a model folder");
            File dir = chooser.showDialog(dialog.getDialogPane().getScene().getWindow());
            if (dir != null) {
                vm.addModel(dir.toPath());
            }
        });
        Button remove = new Button("Remove");
        remove.setOnAction(e -> vm.removeActive());
        Label summary = new Label();
        summary.setId("model-summary");
        summary.setWrapText(true);
        summary.setMaxWidth(560);
        summary.setMinHeight(Label.USE_PREF_SIZE);
        summary.textProperty().bind(vm.summaryProperty());

        TextField url = new TextField();
        url.setId("backend-url");
        url.setPromptText("https://gpu-host:8443 (empty: this machine only)");
        url.textProperty().bindBidirectional(vm.backendUrlProperty());
        PasswordField token = new PasswordField();
        token.setId("backend-token");
        token.setPromptText(tokenSaved ? "saved (type to replace)" : "bearer token");
        token.textProperty().bindBidirectional(vm.tokenProperty());
        TextField budget = new TextField();
        budget.setId("memory-budget");
        budget.setPromptText("3/4 of memory (e.g. 12G)");
        budget.textProperty().bindBidirectional(vm.memoryBudgetProperty());
        ChoiceBox<String> precision = new ChoiceBox<>();
        precision.getItems().addAll("auto", "f32", "f16");
        precision.valueProperty().bindBidirectional(vm.precisionProperty());
        ChoiceBox<Settings.Theme> theme = new ChoiceBox<>();
        theme.setId("theme");
        theme.getItems().addAll(Settings.Theme.values());
        theme.valueProperty().bindBidirectional(vm.themeProperty());

        for (TextField field : new TextField[] {url, token, budget}) {
            field.setPrefColumnCount(32);
        }
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(8);
        grid.addRow(0, new Label("Backend URL"), url);
        grid.addRow(1, new Label("Backend token"), token);
        grid.addRow(2, new Label("Memory budget"), budget);
        grid.addRow(3, new Label("Precision"), precision);
        grid.addRow(4, new Label("Theme"), theme);
        Label problem = new Label();
        problem.setId("settings-problem");
        problem.getStyleClass().add("plan-problem");
        problem.textProperty().bind(vm.problemProperty());
        VBox content = new VBox(8, new Label("Models"), models, new HBox(8, add, remove), summary, grid, problem);
        content.setPadding(new Insets(10));
        content.setPrefWidth(600);
        dialog.getDialogPane().setContent(content);
        ButtonType save = new ButtonType("Save", ButtonBar.ButtonData.OK_DONE);
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.CANCEL, save);
        dialog.getDialogPane().lookupButton(save).addEventFilter(javafx.event.ActionEvent.ACTION, e -> {
            if (vm.validated() == null) {
                e.consume();
            }
        });
        dialog.setResultConverter(b -> b == save ? new Result(vm.validated(), vm.tokenProperty().get()) : null);
        return dialog.showAndWait();
    }
}

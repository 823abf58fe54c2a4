package lwm.ui.settings;

import java.nio.file.Path;
import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import lwm.app.engine.MemorySize;
import lwm.app.model.DemoModel;
import lwm.app.model.ModelSummary;
import lwm.app.settings.Settings;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import lwm.ui.util.Formats;

/**
 * The settings being edited: model folders and the active one (with what each holds and whether it fits this
 * machine), the backend URL and token, the memory budget, the precision and the theme; validated before saving.
 */
public final class SettingsViewModel {
    /** The entry that stands for the bundled demo model in the list of models. */
    public static final String DEMO = "Bundled demo model";

    private final Background background;
    private final ObservableList<String> models = FXCollections.observableArrayList();
    private final StringProperty active = new SimpleStringProperty(DEMO);
    private final StringProperty summary = new SimpleStringProperty("");
    private final StringProperty backendUrl = new SimpleStringProperty("");
    private final StringProperty token = new SimpleStringProperty("");
    private final StringProperty memoryBudget = new SimpleStringProperty("");
    private final StringProperty precision = new SimpleStringProperty("auto");
    private final ObjectProperty<Settings.Theme> theme = new SimpleObjectProperty<>(Settings.Theme.LIGHT);
    private final StringProperty problem = new SimpleStringProperty("");

    public SettingsViewModel(Settings settings, Background background) {
        this.background = background;
        models.add(DEMO);
        models.addAll(settings.models());
        active.set(settings.activeModel() == null ? DEMO : settings.activeModel());
        backendUrl.set(settings.backendUrl() == null ? "" : settings.backendUrl());
        memoryBudget.set(settings.memoryBudget() == null ? "" : settings.memoryBudget());
        precision.set(settings.precision() == null ? "auto" : settings.precision());
        theme.set(settings.theme());
        active.addListener((o, was, now) -> describeActive());
        memoryBudget.addListener((o, was, now) -> describeActive());
        describeActive();
    }

    /** Adds a model folder and makes it active (its summary says whether it is a model at all). */
    public void addModel(Path dir) {
        String path = dir.toAbsolutePath().toString();
        if (!models.contains(path)) {
            models.add(path);
        }
        active.set(path);
    }

    public void removeActive() {
        if (!DEMO.equals(active.get())) {
            models.remove(active.get());
            active.set(DEMO);
        }
    }

    private void describeActive() {
        String chosen = active.get();
        String budgetText = memoryBudget.get();
        summary.set("Reading " + chosen + "…");
        background.run(() -> {
            Path dir = DEMO.equals(chosen) ? DemoModel.locate() : Path.of(chosen);
            long budget = budgetText == null || budgetText.isBlank() ? 0 : MemorySize.parse(budgetText);
            return describe(ModelSummary.of(dir, budget));
        }, text -> {
            if (chosen.equals(active.get())) {
                summary.set(text);
            }
        }, e -> {
            if (chosen.equals(active.get())) {
                summary.set("Not usable: " + Errors.describe(e));
            }
        });
    }

    static String describe(ModelSummary s) {
        String format = switch (s.format()) {
            case JAX_PARAMS -> "LWM Jax params";
            case JAX_SAFETENSORS -> "LWM Jax safetensors";
            case HF -> "Hugging Face checkpoint";
        };
        String fits = s.fits()
                ? "fits this machine with up to " + Formats.tokens(s.fitsTokens()) + " tokens of context"
                : "does not fit this machine's memory budget; long requests need a backend";
        return String.format(Locale.ROOT, "%s · %s parameters · %s weights in %s · %s · context %s · %s%s",
                format, Formats.tokens(s.parameters()), Formats.bytes(s.weightsBytes()),
                s.precision().name().toLowerCase(Locale.ROOT), s.vision() ? "text, images and video" : "text only",
                Formats.tokens(s.maxSequenceLength()), fits, s.tokenizer() ? "" : " · no tokenizer.model: cannot chat");
    }

    /** The edited settings, or null with {@link #problemProperty} saying what is wrong. */
    public Settings validated() {
        String budget = memoryBudget.get().strip();
        try {
            if (!budget.isEmpty()) {
                MemorySize.parse(budget);
            }
        } catch (IllegalArgumentException e) {
            problem.set("Memory budget: " + e.getMessage());
            return null;
        }
        String url = backendUrl.get().strip();
        if (!url.isEmpty() && !url.matches("https?://.+")) {
            problem.set("Backend URL: expected http://host:port or https://host:port, got '" + url + "'");
            return null;
        }
        problem.set("");
        java.util.List<String> folders = models.stream().filter(m -> !DEMO.equals(m)).toList();
        return new Settings(folders, DEMO.equals(active.get()) ? null : active.get(), url.isEmpty() ? null : url,
                budget.isEmpty() ? null : budget, "auto".equals(precision.get()) ? null : precision.get(), theme.get());
    }

    public ObservableList<String> models() {
        return models;
    }

    public StringProperty activeProperty() {
        return active;
    }

    public StringProperty summaryProperty() {
        return summary;
    }

    public StringProperty backendUrlProperty() {
        return backendUrl;
    }

    /** A new token to save; empty keeps the saved one. */
    public StringProperty tokenProperty() {
        return token;
    }

    public StringProperty memoryBudgetProperty() {
        return memoryBudget;
    }

    public StringProperty precisionProperty() {
        return precision;
    }

    public ObjectProperty<Settings.Theme> themeProperty() {
        return theme;
    }

    public StringProperty problemProperty() {
        return problem;
    }
}

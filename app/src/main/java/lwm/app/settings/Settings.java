package lwm.app.settings;

import java.util.List;

/**
 * What the user chose: the model folders they added and the active one (null: the bundled demo model), the
 * backend's URL (its token lives in {@link SecretFile}, never here), the local memory budget (null: 3/4 of
 * physical memory), and the theme.
 */
public record Settings(List<String> models, String activeModel, String backendUrl, String memoryBudget, Theme theme) {
    public enum Theme { LIGHT, DARK }

    public Settings {
        models = models == null ? List.of() : List.copyOf(models);
        theme = theme == null ? Theme.LIGHT : theme;
    }

    public static Settings defaults() {
        return new Settings(List.of(), null, null, null, Theme.LIGHT);
    }
}

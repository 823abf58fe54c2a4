package lwm.app.settings;

import java.util.List;

/**
 * What the user chose: the model folders they added and the active one (null: the bundled demo model), the
 * backend's URL (its token lives in {@link SecretFile}, never here), the local memory budget (null: 3/4 of
 * physical memory), the weights' precision (null: automatic; "f32" or "f16"), and the theme.
 */
public record Settings(List<String> models, String activeModel, String backendUrl, String memoryBudget, String precision,
                       Theme theme) {
    public enum Theme { LIGHT, DARK }

    public Settings {
        models = models == null ? List.of() : List.copyOf(models);
        theme = theme == null ? Theme.LIGHT : theme;
    }

    /** These settings with {@code dir} added (when new) and made the active model. */
    public Settings withActiveModel(String dir) {
        List<String> all = new java.util.ArrayList<>(models);
        if (dir != null && !all.contains(dir)) {
            all.add(dir);
        }
        return new Settings(all, dir, backendUrl, memoryBudget, precision, theme);
    }

    /** @param newPrecision "f32", "f16", or null for automatic */
    public Settings withPrecision(String newPrecision) {
        return new Settings(models, activeModel, backendUrl, memoryBudget, newPrecision, theme);
    }

    public Settings withTheme(Theme newTheme) {
        return new Settings(models, activeModel, backendUrl, memoryBudget, precision, newTheme);
    }

    /** Whether {@code other} loads the same engines (model, backend, budget, precision); the theme does not count. */
    public boolean sameEngines(Settings other) {
        return java.util.Objects.equals(activeModel, other.activeModel) && java.util.Objects.equals(backendUrl, other.backendUrl)
                && java.util.Objects.equals(memoryBudget, other.memoryBudget) && java.util.Objects.equals(precision, other.precision);
    }

    public static Settings defaults() {
        return new Settings(List.of(), null, null, null, null, Theme.LIGHT);
    }
}

package lwm.app.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.app.chat.ChatService;
import lwm.app.gallery.ImagineService;
import lwm.app.needle.NeedleService;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.engine.MemorySize;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.model.DemoModel;
import lwm.app.settings.SecretFile;
import lwm.app.settings.Settings;
import lwm.app.settings.SettingsFile;
import lwm.app.store.ConversationStore;
import lwm.engine.model.Precision;
import lwm.engine.remote.BackendConfig;
import lwm.engine.route.EngineRouter;

/**
 * A user's data folder and what the desktop builds from it: {@code settings.json}, the backend token in its own
 * owner-only file, the conversation store ({@code conversations.db}), and the chat service for the active model,
 * rebuilt when the settings change.
 */
public final class Workspace implements AutoCloseable {
    private final Path dataDir;
    private final Path codesDir;
    private final SettingsFile settingsFile;
    private final SecretFile tokenFile;
    private final ConversationStore store;
    private final boolean firstRun;
    private final String settingsProblem;
    private Settings settings;
    private Engines engines;
    private ChatService chat;
    private ImagineService imagine;

    /** @param codesDir where VQGAN codes are cached (shared with the command line by default) */
    public Workspace(Path dataDir, Path codesDir) throws IOException {
        this.dataDir = dataDir;
        this.codesDir = codesDir;
        Files.createDirectories(dataDir);
        this.settingsFile = new SettingsFile(dataDir.resolve("settings.json"));
        this.tokenFile = new SecretFile(dataDir.resolve("backend-token"));
        this.firstRun = !Files.exists(settingsFile.file());
        SettingsFile.Loaded loaded = settingsFile.load();
        this.settings = loaded.settings();
        this.settingsProblem = loaded.problem();
        this.store = ConversationStore.open(dataDir.resolve("conversations.db"));
    }

    /** {@code $XDG_DATA_HOME/lwm-desktop}, else {@code ~/.local/share/lwm-desktop}. */
    public static Path defaultDataDir() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("lwm-desktop");
    }

    public Path dataDir() {
        return dataDir;
    }

    public ConversationStore store() {
        return store;
    }

    /** True when no settings were saved before (the desktop then asks for a model). */
    public boolean firstRun() {
        return firstRun;
    }

    /** Why the saved settings could not be read (they were moved aside), or null. */
    public String settingsProblem() {
        return settingsProblem;
    }

    public synchronized Settings settings() {
        return settings;
    }

    /** The backend token, or null; it lives only in its own file. */
    public String backendToken() throws IOException {
        return tokenFile.read();
    }

    /** The active model's folder: the one chosen, else the bundled demo model. */
    public synchronized Path activeModel() {
        return settings.activeModel() != null ? Path.of(settings.activeModel()) : DemoModel.locate();
    }

    /**
     * Saves new settings (and the token, when given); when they change the engines (model, backend, budget,
     * precision, token), drops them, and the next request rebuilds them. A theme change leaves running work alone.
     */
    public synchronized void apply(Settings newSettings, String newToken) throws IOException {
        settingsFile.save(newSettings);
        if (newToken != null) {
            tokenFile.write(newToken);
        }
        boolean engines = newToken != null || !settings.sameEngines(newSettings);
        settings = newSettings;
        if (engines) {
            closeEngines();
        }
    }

    /** The chat service for the current settings, built (engines, code cache) on first use. */
    public synchronized ChatService chat() throws IOException {
        if (chat == null) {
            chat = new ChatService(engines(), store, new AttachmentEncoder(engines(), codesDir));
        }
        return chat;
    }

    /** Image and video generation for the current settings, into {@code gallery/} of the data folder. */
    public synchronized ImagineService imagine() throws IOException {
        if (imagine == null) {
            imagine = new ImagineService(engines(), store.gallery(), dataDir.resolve("gallery"));
        }
        return imagine;
    }

    /** The needle lab for the current settings. */
    public synchronized NeedleService needles() throws IOException {
        return new NeedleService(engines(), store.needles(), chat().encoder());
    }

    private Engines engines() throws IOException {
        if (engines == null) {
            String url = settings.backendUrl();
            BackendConfig backend = url == null || url.isBlank() ? null : BackendConfig.of(url.strip(), nullToEmpty(backendToken()));
            long budget = settings.memoryBudget() == null || settings.memoryBudget().isBlank() ? 0
                    : MemorySize.parse(settings.memoryBudget());
            Precision precision = settings.precision() == null || settings.precision().isBlank() ? null
                    : Precision.parse(settings.precision());
            engines = new Engines(new EngineSettings(activeModel(), precision, backend, EngineRouter.Mode.AUTO, budget));
        }
        return engines;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Closes the services and the engines they share; the next use rebuilds them from the settings. */
    private void closeEngines() {
        if (chat != null) {
            chat.close();
            chat = null;
        }
        if (imagine != null) {
            imagine.close();
            imagine = null;
        }
        if (engines != null) {
            engines.close();
            engines = null;
        }
    }

    @Override
    public synchronized void close() {
        closeEngines();
        store.close();
    }
}

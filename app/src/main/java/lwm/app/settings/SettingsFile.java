package lwm.app.settings;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings as a JSON file, written atomically (a temporary file in the same folder, then an atomic rename), so a
 * crash mid-write leaves the previous settings. A file that cannot be read is moved aside, not overwritten.
 */
public final class SettingsFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** Settings are a few hundred bytes; anything far larger is not a settings file and is not read into memory. */
    static final long MAX_BYTES = 1 << 20;

    private final Path file;

    public SettingsFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** What {@link #load} found: the settings, and the path the unreadable file was moved to (or null). */
    public record Loaded(Settings settings, Path movedAside, String problem) {}

    /** The saved settings; defaults when there are none, or when the file is unreadable (moved aside, named). */
    public Loaded load() throws IOException {
        if (!Files.exists(file)) {
            return new Loaded(Settings.defaults(), null, null);
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException(Files.size(file) + " bytes, over the " + MAX_BYTES + " a settings file may have");
            }
            Settings s = JSON.readValue(Files.readAllBytes(file), Settings.class);
            if (s == null) {
                throw new IOException("empty");
            }
            return new Loaded(s, null, null);
        } catch (IOException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            Files.move(file, aside);
            return new Loaded(Settings.defaults(), aside,
                    file + ": unreadable settings (" + firstLine(e.getMessage()) + "); moved to " + aside
                            + ", starting from the defaults");
        }
    }

    public void save(Settings settings) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(settings), false);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package lwm.app.settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The backend token, in a file of its own readable by its owner alone: never in the settings JSON, the
 * conversation store or a log line ({@link #toString} does not show it).
 */
public final class SecretFile {
    private final Path file;

    public SecretFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The token, or null when none is saved. */
    public String read() throws IOException {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : s;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Saves {@code token}; null or blank removes it. */
    public void write(String token) throws IOException {
        if (token == null || token.isBlank()) {
            Files.deleteIfExists(file);
            return;
        }
        AtomicFiles.write(file, (token.strip() + "\n").getBytes(StandardCharsets.UTF_8), true);
    }

    @Override
    public String toString() {
        return "SecretFile[" + file + "]";
    }
}

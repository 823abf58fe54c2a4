package lwm.app.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsFileTest {
    @TempDir
    Path dir;

    @Test
    void savesAndLoadsAndStartsFromDefaults() throws Exception {
        SettingsFile file = new SettingsFile(dir.resolve("conf/settings.json"));
        assertEquals(Settings.defaults(), file.load().settings());
        Settings s = new Settings(List.of("/m/a", "/m/b"), "/m/b", "https://gpu.example:8443", "12g", "f16",
                Settings.Theme.DARK);
        file.save(s);
        assertEquals(s, file.load().settings());
        try (var listing = Files.list(file.file().getParent())) {
            assertEquals(List.of(file.file()), listing.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void anUnreadableFileIsMovedAsideAndNamed() throws Exception {
        Path path = dir.resolve("settings.json");
        Files.writeString(path, "{\"models\": [\"/m/a\", ");
        SettingsFile.Loaded loaded = new SettingsFile(path).load();
        assertEquals(Settings.defaults(), loaded.settings());
        assertTrue(loaded.problem().contains(path.toString()), loaded.problem());
        assertEquals("{\"models\": [\"/m/a\", ", Files.readString(loaded.movedAside()), "kept for the user");
        assertFalse(Files.exists(path));
    }

    @Test
    void theTokenIsKeptOwnerOnlyAndOutOfTheSettings() throws Exception {
        SecretFile secret = new SecretFile(dir.resolve("backend.token"));
        assertNull(secret.read());
        secret.write("s3cr3t-token");
        assertEquals("s3cr3t-token", secret.read());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret.file())));
        assertFalse(secret.toString().contains("s3cr3t"));
        secret.write("");
        assertNull(secret.read());
    }
}

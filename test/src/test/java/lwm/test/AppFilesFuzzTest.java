package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lwm.app.needle.NeedleFiles;
import lwm.app.settings.Settings;
import lwm.app.settings.SettingsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files the app reads besides models and media: the settings (an unreadable one is moved aside and named,
 * never fatal) and imported needle results (LWM's results list). Each is read or refused in one line naming it.
 */
class AppFilesFuzzTest {
    @TempDir
    Path dir;

    @Test
    void damagedSettingsAreReadOrMovedAsideNamingTheFile() throws Exception {
        Path original = dir.resolve("original-settings.json");
        new SettingsFile(original).save(Settings.defaults().withActiveModel("/models/LWM-Chat-1M").withPrecision("f16")
                .withTheme(Settings.Theme.DARK));
        Path work = dir.resolve("settings.json");
        Fuzz.Outcome outcome = new Fuzz(1).run(original, work, 0, 1000, mutated -> {
            SettingsFile.Loaded loaded = new SettingsFile(mutated).load();
            if (loaded.problem() != null) {
                assertTrue(Files.exists(loaded.movedAside()) && !Files.exists(mutated), loaded.problem());
                throw new IOException(loaded.problem());
            }
        }, List.of(IOException.class));
        System.out.println("fuzz settings.json: " + outcome);
        assertTrue(outcome.refused() > 0, outcome.toString());
    }

    @Test
    void damagedNeedleResultsAreImportedOrRefusedNamingTheFile() throws Exception {
        Path original = Files.writeString(dir.resolve("original-results.json"), """
                [{"context_length": 1000, "depth_percent": 0.0, "response": "It is 1234567.", "answer": "1234567",
                  "correct": true, "seed": 0},
                 {"context_length": 2000, "needles_info": {"Lima": ["1111111", 0], "Oslo": ["2222222", 56]},
                  "question": "q", "answer": ["2222222", "1111111"], "response": "2222222", "correct": [true, false],
                  "seed": 1}]""");
        assertEquals(2, NeedleFiles.read(original).cells().size());
        Fuzz.Outcome outcome = new Fuzz(2).run(original, dir.resolve("results.json"), 0, 1000,
                mutated -> NeedleFiles.read(mutated), List.of(IOException.class));
        System.out.println("fuzz needle results: " + outcome);
        assertTrue(outcome.refused() > 0, outcome.toString());
    }
}

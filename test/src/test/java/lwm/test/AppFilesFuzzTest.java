package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import lwm.app.ingest.CachedCodes;
import lwm.app.ingest.CodeCache;
import lwm.app.needle.NeedleFiles;
import lwm.app.settings.Settings;
import lwm.app.settings.SettingsFile;
import lwm.engine.tokenizer.VisionTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files the app reads besides models and media: the settings (an unreadable one is moved aside and named,
 * never fatal), imported needle results (LWM's results list), each read or refused in one line naming it, and the
 * VQGAN code cache, where a damaged entry is a miss.
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

    @Test
    void aDamagedCodeCacheEntryIsAMissNeverOtherCodes() throws Exception {
        CodeCache cache = new CodeCache(dir.resolve("codes"), 1 << 20);
        CodeCache.Key key = new CodeCache.Key("c0ffee", "lwm-8", "vqgan");
        int[][] codes = new int[3][VisionTokens.CODES_PER_FRAME];
        for (int f = 0; f < codes.length; f++) {
            for (int i = 0; i < codes[f].length; i++) {
                codes[f][i] = (f * 977 + i * 31) % VisionTokens.CODEBOOK_SIZE;
            }
        }
        CachedCodes stored = new CachedCodes(new long[] {0, 12, 24}, new double[] {0, 0.5, 1}, codes);
        cache.put(key, stored);
        Path entry;
        try (var files = Files.list(dir.resolve("codes"))) {
            entry = files.filter(f -> f.toString().endsWith(".codes")).findFirst().orElseThrow();
        }
        Path original = Files.copy(entry, dir.resolve("original.codes"));
        int[] misses = {0};
        Fuzz.Outcome outcome = new Fuzz(3).run(original, entry, 0, 1000, mutated -> {
            Optional<CachedCodes> found = cache.get(key);
            if (found.isEmpty()) {
                misses[0]++;
                assertTrue(!Files.exists(mutated), "a damaged entry is deleted");
            } else {
                assertEquals(stored, found.get(), "a damaged entry never reads as other codes");
            }
        }, List.of());
        System.out.println("fuzz code cache: " + outcome + ", " + misses[0] + " read as a miss");
        assertTrue(misses[0] > 900, misses[0] + " misses");
    }
}

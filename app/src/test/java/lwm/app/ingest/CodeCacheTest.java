package lwm.app.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import lwm.engine.tokenizer.VisionTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CodeCacheTest {
    @TempDir
    Path dir;

    private static CachedCodes codes(int frames, long seed) {
        Random random = new Random(seed);
        long[] indices = new long[frames];
        double[] timestamps = new double[frames];
        int[][] codes = new int[frames][VisionTokens.CODES_PER_FRAME];
        for (int f = 0; f < frames; f++) {
            indices[f] = f * 30L;
            timestamps[f] = f * 1.001;
            for (int i = 0; i < VisionTokens.CODES_PER_FRAME; i++) {
                codes[f][i] = random.nextInt(VisionTokens.CODEBOOK_SIZE);
            }
        }
        return new CachedCodes(indices, timestamps, codes);
    }

    private static CodeCache.Key key(String content) {
        return new CodeCache.Key(content, "linspace:8", "vqgan-abc");
    }

    private List<Path> entries() throws IOException {
        try (var files = Files.list(dir)) {
            return files.collect(Collectors.toList());
        }
    }

    @Test
    void storesAndReturnsCodesAcrossInstances() throws IOException {
        CachedCodes stored = codes(8, 1);
        new CodeCache(dir, 1 << 20).put(key("a"), stored);
        assertEquals(Optional.of(stored), new CodeCache(dir, 1 << 20).get(key("a")));
    }

    @Test
    void differentPolicyOrWeightsIsAMiss() throws IOException {
        CodeCache cache = new CodeCache(dir, 1 << 20);
        cache.put(key("a"), codes(2, 1));
        assertFalse(cache.get(new CodeCache.Key("a", "fps:1", "vqgan-abc")).isPresent());
        assertFalse(cache.get(new CodeCache.Key("a", "linspace:8", "vqgan-other")).isPresent());
    }

    @Test
    void corruptOrTruncatedEntriesAreDiscarded() throws IOException {
        CodeCache cache = new CodeCache(dir, 1 << 20);
        cache.put(key("flip"), codes(3, 1));
        cache.put(key("cut"), codes(3, 2));
        Path flip = dir.resolve(key("flip").fileName());
        byte[] bytes = Files.readAllBytes(flip);
        bytes[100] ^= 1;
        Files.write(flip, bytes);
        Path cut = dir.resolve(key("cut").fileName());
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(cut), 500));

        assertFalse(cache.get(key("flip")).isPresent());
        assertFalse(cache.get(key("cut")).isPresent());
        assertFalse(Files.exists(flip));
        assertFalse(Files.exists(cut));
    }

    @Test
    void evictsLeastRecentlyUsedEntriesToStayWithinBudget() throws IOException {
        long entryBytes = CodesFile.encode(codes(4, 0)).length;
        CodeCache cache = new CodeCache(dir, entryBytes * 2);
        cache.put(key("old"), codes(4, 1));
        cache.put(key("used"), codes(4, 2));
        Files.setLastModifiedTime(dir.resolve(key("old").fileName()), FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(dir.resolve(key("used").fileName()), FileTime.from(Instant.now().minusSeconds(30)));
        assertTrue(cache.get(key("used")).isPresent()); // refreshes "used"
        cache.put(key("new"), codes(4, 3));

        assertFalse(cache.get(key("old")).isPresent());
        assertTrue(cache.get(key("used")).isPresent());
        assertTrue(cache.get(key("new")).isPresent());
    }

    @Test
    void removesTemporariesOfCrashedWritersButNotFreshOnes() throws IOException {
        Path abandoned = Files.writeString(dir.resolve(".tmp-123.codes"), "half");
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minusSeconds(7200)));
        Path inProgress = Files.writeString(dir.resolve(".tmp-456.codes"), "writing");
        new CodeCache(dir, 1 << 20);
        assertFalse(Files.exists(abandoned));
        assertTrue(Files.exists(inProgress));
    }

    @Test
    void concurrentWritersAndReadersNeverSeeAPartialEntry() throws Exception {
        CodeCache cache = new CodeCache(dir, 1 << 24);
        CachedCodes first = codes(64, 1);
        CachedCodes second = codes(64, 2);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?> w1 = pool.submit(() -> writeRepeatedly(cache, first));
            Future<?> w2 = pool.submit(() -> writeRepeatedly(cache, second));
            Future<Integer> reader = pool.submit(() -> {
                int seen = 0;
                while (writing.get()) {
                    Optional<CachedCodes> got = cache.get(key("shared"));
                    if (got.isPresent()) {
                        assertTrue(got.get().equals(first) || got.get().equals(second), "a torn entry was read");
                        seen++;
                    }
                }
                return seen;
            });
            w1.get();
            w2.get();
            writing.set(false);
            assertTrue(reader.get() > 0);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, entries().size(), "no temporaries left behind: " + entries());
    }

    private static Void writeRepeatedly(CodeCache cache, CachedCodes codes) throws IOException {
        for (int i = 0; i < 200; i++) {
            cache.put(key("shared"), codes);
        }
        return null;
    }
}

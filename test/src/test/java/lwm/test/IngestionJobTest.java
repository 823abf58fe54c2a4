package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import lwm.app.ingest.CachedCodes;
import lwm.app.ingest.CodeCache;
import lwm.app.ingest.IngestionEvent;
import lwm.app.ingest.IngestionJob;
import lwm.app.ingest.LocalFrameEncoder;
import lwm.engine.generate.CancellationToken;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;
import lwm.media.SamplingPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ingestion job on a real video with the real (reduced-width) VQGAN: plan first, progress, cancel, cache. */
@Timeout(300)
class IngestionJobTest {
    @TempDir
    Path dir;

    private static Path vqganFile() {
        String fixtures = System.getProperty("lwm.vqgan.fixtures");
        assumeTrue(fixtures != null && Files.isDirectory(Path.of(fixtures, "small")), "VQGAN fixtures not generated");
        return Path.of(fixtures, "small", "vqgan");
    }

    @Test
    void plansReportsProgressAndReusesCachedCodes() throws Exception {
        Path video = TestVideos.write(dir.resolve("clip.mp4"), 40, 320, 240, 10);
        try (Vqgan vqgan = Vqgan.load(vqganFile(), Precision.F32)) {
            vqgan.setBatchBytes(1); // one frame per VQGAN call: several progress events
            IngestionJob job = new IngestionJob(new LocalFrameEncoder(vqgan), "small", new CodeCache(dir.resolve("cache"), 1 << 24));
            List<IngestionEvent> events = new ArrayList<>();
            CachedCodes codes = job.run(video, SamplingPolicy.fixedRate(2), events::add, new CancellationToken());

            assertEquals(8, codes.frames()); // 4 s at 2 fps
            IngestionEvent.Planned plan = assertInstanceOf(IngestionEvent.Planned.class, events.get(0));
            assertEquals(8, plan.frames());
            assertEquals(8 * 257, plan.tokens());
            int previous = 0;
            for (IngestionEvent e : events.subList(1, events.size())) {
                IngestionEvent.Progress p = assertInstanceOf(IngestionEvent.Progress.class, e);
                assertTrue(p.encoded() > previous && p.encoded() <= p.decoded() && p.total() == 8, e.toString());
                previous = p.encoded();
            }
            assertEquals(8, previous);
            for (int f = 1; f < codes.frames(); f++) {
                assertTrue(codes.timestamps()[f] > codes.timestamps()[f - 1]);
            }

            List<IngestionEvent> again = new ArrayList<>();
            assertEquals(codes, job.run(video, SamplingPolicy.fixedRate(2), again::add, new CancellationToken()));
            assertEquals(List.of(new IngestionEvent.CacheHit(video, 8)), again);
        }
    }

    @Test
    void cancellingStopsBetweenFramesAndCachesNothing() throws Exception {
        Path video = TestVideos.write(dir.resolve("clip.mp4"), 40, 320, 240, 10);
        try (Vqgan vqgan = Vqgan.load(vqganFile(), Precision.F32)) {
            vqgan.setBatchBytes(1);
            CodeCache cache = new CodeCache(dir.resolve("cache"), 1 << 24);
            IngestionJob job = new IngestionJob(new LocalFrameEncoder(vqgan), "small", cache);
            CancellationToken cancel = new CancellationToken();
            List<IngestionEvent> events = new ArrayList<>();
            assertThrows(CancellationException.class, () -> job.run(video, SamplingPolicy.lwm(8), e -> {
                events.add(e);
                if (e instanceof IngestionEvent.Progress) {
                    cancel.cancel();
                }
            }, cancel));
            assertEquals(1, events.stream().filter(e -> e instanceof IngestionEvent.Progress).count());
            try (var files = Files.list(dir.resolve("cache"))) {
                assertEquals(0, files.count(), "a cancelled ingestion leaves no cache entry");
            }
        }
    }
}

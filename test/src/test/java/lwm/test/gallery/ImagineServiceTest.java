package lwm.test.gallery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.gallery.GalleryFiles;
import lwm.app.gallery.ImagineEvent;
import lwm.app.gallery.ImagineService;
import lwm.app.store.ConversationStore;
import lwm.app.store.GalleryItem;
import lwm.engine.generate.CancellationToken;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.route.EngineRouter;
import lwm.media.MediaProbe;
import lwm.media.RgbImage;
import lwm.media.VideoInfo;
import lwm.test.VisionModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Generation into the gallery on a real (tiny) LWM vision model with a real VQGAN, store and files. */
@Timeout(300)
class ImagineServiceTest {
    @TempDir
    Path dir;

    private Engines engines;
    private ConversationStore store;
    private ImagineService service;

    @BeforeEach
    void open() throws Exception {
        Path model = VisionModel.assembleForGeneration(dir.resolve("LWM-Chat-tiny"));
        engines = new Engines(new EngineSettings(model, null, null, EngineRouter.Mode.AUTO, 0));
        store = ConversationStore.open(dir.resolve("data").resolve("conversations.db"));
        service = new ImagineService(engines, store.gallery(), dir.resolve("data").resolve("gallery"));
    }

    @AfterEach
    void close() {
        service.close();
        store.close();
        engines.close();
    }

    @Test
    void anImageIsPreviewedRowByRowWrittenAsPngWithItsRecordAndStored() throws Exception {
        List<ImagineEvent> events = new ArrayList<>();
        GalleryItem item = service.imagine(ImagineRequest.of("a red square", 1, 42), events::add, new CancellationToken());

        assertEquals(GalleryItem.Status.DONE, item.status());
        assertEquals(1, item.framesDone());
        assertTrue(item.file().getFileName().toString().endsWith(".png"), item.file().toString());
        assertEquals(257, events.stream().filter(e -> e instanceof ImagineEvent.Progress).count());
        List<Integer> rows = events.stream().filter(e -> e instanceof ImagineEvent.Preview)
                .map(e -> ((ImagineEvent.Preview) e).rows()).toList();
        assertEquals(16, rows.get(rows.size() - 1), "the complete frame is always shown: " + rows);
        assertTrue(rows.size() >= 2 && rows.get(0) < 16, "partial rows come first: " + rows);
        assertTrue(events.get(0) instanceof ImagineEvent.Started);
        assertTrue(events.get(events.size() - 1) instanceof ImagineEvent.Finished);

        JsonNode record = new ObjectMapper().readTree(pngText(item.file(), GalleryFiles.RECORD_KEY));
        assertEquals("a red square", record.get("prompt").asText());
        assertEquals(42, record.get("seed").asLong());
        assertEquals(5.0, record.get("cfg_scale_image").asDouble());
        assertEquals(8192, record.get("top_k_image").asInt());
        assertEquals("LWM-Chat-tiny", record.get("model").asText());
        assertEquals("a red square", pngText(item.file(), "title"));

        GalleryItem stored = store.gallery().items().get(0);
        assertEquals(item.id(), stored.id());
        assertEquals(item.request(), stored.request());
        RgbImage last = ((ImagineEvent.Preview) events.stream().filter(e -> e instanceof ImagineEvent.Preview)
                .reduce((a, b) -> b).orElseThrow()).image();
        assertArrayEquals(last.pixels(), GalleryFiles.firstFrame(item.file()).pixels(), "the file holds the last preview");
    }

    @Test
    void aVideoIsAnMp4AtFourFramesPerSecondWithEveryFrame() throws Exception {
        GalleryItem item = service.imagine(ImagineRequest.of("a blue circle moving left", 3, 7), e -> {},
                new CancellationToken());
        assertEquals(3, item.framesDone());
        VideoInfo info = MediaProbe.probe(item.file());
        assertEquals(4.0, info.frameRate(), 1e-6);
        assertEquals(3, info.frameCount());
        assertEquals(3, GalleryFiles.frames(item).size());
    }

    @Test
    void rerunGivesTheSameFramesAndRemixAnotherSeed() throws Exception {
        GalleryItem first = service.imagine(ImagineRequest.of("a green triangle", 1, 5), e -> {}, new CancellationToken());
        GalleryItem again = service.rerun(first.id(), e -> {}, new CancellationToken());
        GalleryItem remix = service.remix(first.id(), e -> {}, new CancellationToken());
        assertNotEquals(first.id(), again.id());
        assertArrayEquals(GalleryFiles.firstFrame(first.file()).pixels(), GalleryFiles.firstFrame(again.file()).pixels());
        assertNotEquals(first.request().seed(), remix.request().seed());
        assertEquals(first.request().withSeed(remix.request().seed()), remix.request());
        assertFalse(java.util.Arrays.equals(GalleryFiles.firstFrame(first.file()).pixels(),
                GalleryFiles.firstFrame(remix.file()).pixels()));
        assertEquals(3, store.gallery().items().size());
    }

    @Test
    void stoppingKeepsTheFinishedFramesAndDeleteRemovesFileAndRecord() throws Exception {
        CancellationToken cancel = new CancellationToken();
        GalleryItem item = service.imagine(ImagineRequest.of("a yellow square moving up", 3, 1), e -> {
            if (e instanceof ImagineEvent.Progress p && p.step() == 300) {
                cancel.cancel();
            }
        }, cancel);
        assertEquals(GalleryItem.Status.STOPPED, item.status());
        assertEquals(1, item.framesDone());
        assertEquals(item.framesDone(), GalleryFiles.frames(item).size());

        Path exported = dir.resolve("exported.mp4");
        service.export(item.id(), exported);
        assertEquals(Files.size(item.file()), Files.size(exported));
        service.delete(item.id());
        assertFalse(Files.exists(item.file()));
        assertNull(store.gallery().item(item.id()));
        assertThrows(IllegalArgumentException.class, () -> service.export(item.id(), exported));
    }

    @Test
    void aGenerationCutOffByACrashIsMarkedInterruptedWhenTheStoreOpens() throws Exception {
        Path db = dir.resolve("crash.db");
        try (ConversationStore crashed = ConversationStore.open(db)) {
            crashed.gallery().start(ImagineRequest.of("a white circle", 2, 3), "LWM-Chat-tiny");
        }
        try (ConversationStore reopened = ConversationStore.open(db)) {
            assertEquals(GalleryItem.Status.INTERRUPTED, reopened.gallery().items().get(0).status());
        }
    }

    @Test
    void aVqganWhoseCodebookIsNot8192RowsIsRefusedNamingTheFile() throws Exception {
        Path model = VisionModel.assemble(dir.resolve("LWM-Chat-small-vqgan"));
        try (Engines small = new Engines(new EngineSettings(model, null, null, EngineRouter.Mode.AUTO, 0));
                ImagineService imagine = new ImagineService(small, store.gallery(), dir.resolve("g3"))) {
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> imagine.imagine(ImagineRequest.of("a boat", 1, 1), ev -> {}, new CancellationToken()));
            assertTrue(e.getMessage().contains(model.resolve("vqgan").toString()) && e.getMessage().contains("512 rows"),
                    e.getMessage());
            assertTrue(store.gallery().items().isEmpty(), "nothing is recorded for a request that cannot start");
        }
    }

    @Test
    void aTextOnlyModelCannotGenerateAndSaysSo() throws Exception {
        Path textOnly = Path.of(System.getProperty("lwm.vision.fixtures"), "text-only");
        try (Engines text = new Engines(new EngineSettings(textOnly, null, null, EngineRouter.Mode.AUTO, 0));
                ImagineService imagine = new ImagineService(text, store.gallery(), dir.resolve("g2"))) {
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> imagine.imagine(ImagineRequest.of("a boat", 1, 1), ev -> {}, new CancellationToken()));
            assertTrue(e.getMessage().contains("text-only"), e.getMessage());
        }
    }

    private static String pngText(Path file, String key) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            var entries = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < entries.getLength(); i++) {
                IIOMetadataNode entry = (IIOMetadataNode) entries.item(i);
                if (entry.getAttribute("keyword").equals(key)) {
                    return entry.getAttribute("value");
                }
            }
            return null;
        }
    }
}

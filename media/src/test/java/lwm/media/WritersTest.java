package lwm.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Node;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WritersTest {

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws Exception {
        dir = TestMedia.scratch("writers");
    }

    /** Text chunks as ImageIO reads them back: tEXt and iTXt keyword to value. */
    private static Map<String, String> textOf(Path png) throws Exception {
        Map<String, String> text = new HashMap<>();
        try (ImageInputStream input = ImageIO.createImageInputStream(png.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(input).next();
            reader.setInput(input);
            IIOMetadataNode root =
                    (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            for (String chunk : new String[] {"tEXtEntry", "iTXtEntry"}) {
                var entries = root.getElementsByTagName(chunk);
                for (int i = 0; i < entries.getLength(); i++) {
                    Node entry = entries.item(i);
                    var attributes = entry.getAttributes();
                    String value = attributes.getNamedItem(chunk.equals("tEXtEntry") ? "value" : "text")
                            .getNodeValue();
                    text.put(attributes.getNamedItem("keyword").getNodeValue(), value);
                }
            }
            reader.dispose();
        }
        return text;
    }

    @Test
    void pngKeepsPixelsAndTextMetadata() throws Exception {
        RgbImage image = TestMedia.photoLike(256, 256, 9);
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a red fox in the snow, 35 mm");
        text.put("seed", "1234");
        text.put("caption", "雪の中の狐");
        Path png = dir.resolve("generated.png");
        PngWriter.write(image, png, text);
        assertEquals(text, textOf(png));
        assertArrayEquals(image.pixels(), ImageFiles.read(png, w -> { }).pixels());
        assertTrue(new String(Files.readAllBytes(png), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("tEXtprompt\0a red fox"));
        assertFalse(Files.exists(dir.resolve("generated.png.partial")));
    }

    @Test
    void mp4WritesH264AtTheChosenFrameRate() throws Exception {
        Path mp4 = dir.resolve("generated.mp4");
        try (Mp4Writer writer = new Mp4Writer(mp4, 256, 256, 8)) {
            // The bundled LGPL FFmpeg has no libx264; libopenh264 is its H.264 encoder.
            assertTrue(List.of("libx264", "libopenh264").contains(writer.encoder()), writer.encoder());
            assertEquals(List.of(), writer.warnings());
            for (int i = 0; i < 16; i++) {
                writer.write(TestMedia.codedFrame(256, 256, i * 3));
            }
        }
        VideoInfo info = MediaProbe.probe(mp4);
        assertEquals("h264", info.videoCodec());
        assertEquals(16, info.frameCount());
        assertEquals(8.0, info.frameRate(), 1e-9);
        try (FrameStream frames = FrameSampler.lwm().open(mp4, SamplingPolicy.lwm(16))) {
            for (SampledFrame frame : frames) {
                assertEquals(frame.index() * 3, TestMedia.readCode(frame.image()));
            }
        }
    }

    @Test
    void contactSheetDrawsFramesWithTimestamps() throws Exception {
        ContactSheet sheet = new ContactSheet(3, 2, 128, 128);
        try (FrameStream frames = FrameSampler.lwm().open(VideoFixtures.h264(), SamplingPolicy.lwm(7))) {
            int drawn = 0;
            for (SampledFrame frame : frames) {
                drawn += sheet.add(frame) ? 1 : 0;
            }
            assertEquals(6, drawn);
        }
        RgbImage image = sheet.image();
        assertEquals(3 * 132 + 4, image.width());
        assertEquals(2 * (128 + 18 + 4) + 4, image.height());
        // The second cell shows frame 8 (linspace(50, 7) = 0, 8, 16, ...); the label area has white text pixels.
        RgbImage secondCell = crop(image, 4 + 132, 4, 128, 128);
        assertEquals(8, TestMedia.readCode(secondCell));
        RgbImage label = crop(image, 4, 4 + 128, 128, 18);
        boolean hasText = false;
        for (int i = 0; i < label.pixels().length; i++) {
            hasText |= (label.pixels()[i] & 0xFF) > 200;
        }
        assertTrue(hasText);
        assertEquals("0:00.3", ContactSheet.label(0.28));
        assertEquals("1:01:02.5", ContactSheet.label(3662.5));
        PngWriter.write(image, dir.resolve("contact-sheet.png"), Map.of("source", VideoFixtures.h264().toString()));
    }

    private static RgbImage crop(RgbImage image, int left, int top, int width, int height) {
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            System.arraycopy(image.pixels(), ((top + y) * image.width() + left) * 3, out, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }
}

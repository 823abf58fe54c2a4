package lwm.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LwmPreprocessorTest {

    /** The 7x5 pattern {@code ((x*37 + y*91 + c*53) * 7) % 256} the expected bytes were made from. */
    private static RgbImage pattern() {
        byte[] pixels = new byte[7 * 5 * 3];
        for (int y = 0, o = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                for (int c = 0; c < 3; c++) {
                    pixels[o++] = (byte) (((x * 37 + y * 91 + c * 53) * 7) % 256);
                }
            }
        }
        return new RgbImage(7, 5, pixels);
    }

    private static byte[] resize(RgbImage image, int width, int height) {
        return PillowResize.resizeWindow(image, width, height, 0, 0, width, height).pixels();
    }

    @Test
    void resizeMatchesPillowBytesDownAndUp() {
        // Printed by Pillow 12.3: Image.frombytes('RGB', (7, 5), pattern).resize(size).tobytes().hex()
        assertArrayEquals(HexFormat.of().parseHex(
                "35a8b13aadb640b4bc4579c1c7ada24eb2a73fb9ad4a9ab2c19ea7c9a3ac5fa9b238b3b7"), resize(pattern(), 4, 3));
        assertArrayEquals(HexFormat.of().parseHex(
                "006bf30071fa0681ff229cc030a5c7378cce72ee6a82fb71899d78afbb9951c6a0568ba7cf6fe20776e9097df099b89641"
                        + "bf9d53cba480e76389ee6a82f571d791b5a998bc2a9fc3ff5ee6b765ed006cf4"),
                resize(pattern(), 3, 9));
        byte[] up = resize(pattern(), 11, 8);
        assertEquals("006aef006bf0006df2006ff40071f60073f80275fa0477fc0679fe0886ff098fff",
                HexFormat.of().formatHex(up, 0, 33));
        assertEquals("fd5ee3fe5fe4ff61e6ff63e8ff65eaff67ec5169ee006bf0006df2006ff40070f5",
                HexFormat.of().formatHex(up, up.length - 33, up.length));
    }

    @Test
    void aWindowOfTheResizeIsTheSameBytesAsCroppingTheWholeResize() {
        RgbImage image = TestMedia.photoLike(97, 61, 5);
        RgbImage whole = PillowResize.resizeWindow(image, 40, 25, 0, 0, 40, 25);
        RgbImage window = PillowResize.resizeWindow(image, 40, 25, 7, 3, 20, 15);
        for (int y = 0; y < 15; y++) {
            for (int x = 0; x < 20; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(whole.sample(x + 7, y + 3, c), window.sample(x, y, c));
                }
            }
        }
    }

    @Test
    void modelFrameIsTheCentreSquareAfterResizingTheShorterSide() {
        // 512x256 is already 256 high: no resampling, the crop box (128, 0, 384, 256) is the middle.
        RgbImage wide = TestMedia.photoLike(512, 256, 1);
        RgbImage frame = LwmPreprocessor.toModelFrame(wide);
        assertEquals(256, frame.width());
        assertEquals(256, frame.height());
        assertEquals(wide.sample(128, 0, 0), frame.sample(0, 0, 0));
        assertEquals(wide.sample(383, 255, 2), frame.sample(255, 255, 2));
        // 455 wide: the box starts at (455 - 256) / 2 = 99.5, which Python rounds half to even: 100.
        RgbImage odd = TestMedia.photoLike(455, 256, 2);
        assertEquals(odd.sample(100, 7, 1), LwmPreprocessor.toModelFrame(odd).sample(0, 7, 1));
    }

    @Test
    void normalisesToMinusOneToOneInFloat32() {
        RgbImage frame = RgbImage.blank(256, 256);
        frame.pixels()[0] = (byte) 255;
        frame.pixels()[1] = (byte) 128;
        float[] x = LwmPreprocessor.normalize(frame);
        assertEquals(1f, x[0]);
        assertEquals(128 / 127.5f - 1f, x[1]);
        assertEquals(-1f, x[2]);
        FloatBuffer buffer = FloatBuffer.allocate(x.length + 1);
        buffer.put(0.5f);
        LwmPreprocessor.normalizeInto(frame, buffer);
        assertEquals(x.length + 1, buffer.position());
        assertEquals(1f, buffer.get(1));
    }
}

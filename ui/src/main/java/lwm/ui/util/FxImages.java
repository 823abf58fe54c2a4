package lwm.ui.util;

import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import lwm.media.RgbImage;

/** Media's packed RGB images as JavaFX images. */
public final class FxImages {
    private FxImages() {}

    public static WritableImage of(RgbImage rgb) {
        WritableImage image = new WritableImage(rgb.width(), rgb.height());
        image.getPixelWriter().setPixels(0, 0, rgb.width(), rgb.height(), PixelFormat.getByteRgbInstance(),
                rgb.pixels(), 0, rgb.width() * 3);
        return image;
    }
}

package lwm.media;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/** Java2D views of {@link RgbImage}s without copying (an RGB-ordered interleaved raster over the same bytes). */
final class RgbBufferedImages {

    private static final ComponentColorModel SRGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
            false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    private RgbBufferedImages() {}

    /** A BufferedImage sharing the image's bytes: drawing on it changes the image. */
    static BufferedImage wrap(RgbImage image) {
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(image.pixels(), image.pixels().length),
                image.width(), image.height(), image.width() * 3, 3, new int[] {0, 1, 2}, null);
        return new BufferedImage(SRGB, raster, false, null);
    }
}

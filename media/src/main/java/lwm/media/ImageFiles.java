package lwm.media;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Still images (PNG, JPEG, BMP, GIF first frame through ImageIO; WebP and what ImageIO refuses, such as CMYK JPEG,
 * through FFmpeg), recognised by their first bytes, converted to RGB as Pillow's {@code convert('RGB')} does (alpha
 * dropped, grey replicated, 16-bit samples truncated to their high byte) and turned upright by their EXIF orientation.
 * Dimensions are read from the header first: images above {@link MediaFiles#MAX_PIXELS} are decoded subsampled
 * (ImageIO) or refused (FFmpeg), so a huge image never exhausts memory.
 */
final class ImageFiles {

    private static final int HEAD_BYTES = 256 * 1024;

    private enum Format { PNG, JPEG, GIF, BMP, WEBP }

    private ImageFiles() {}

    static boolean isImage(Path file) {
        return format(MediaFiles.head(file, 16)) != null;
    }

    private static Format format(byte[] b) {
        if (Bytes.startsWith(b, 0, "\u0089PNG")) {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        if (Bytes.startsWith(b, 0, "GIF8")) {
            return Format.GIF;
        }
        if (Bytes.startsWith(b, 0, "BM")) {
            return Format.BMP;
        }
        if (Bytes.startsWith(b, 0, "RIFF") && Bytes.startsWith(b, 8, "WEBP")) {
            return Format.WEBP;
        }
        return null;
    }

    /** Decodes the image upright; {@code warnings} hears about subsampling. */
    static RgbImage read(Path file, Consumer<String> warnings) {
        byte[] head = MediaFiles.head(file, HEAD_BYTES);
        Format format = format(head);
        if (format == null) {
            throw new MediaException(file, "not a PNG, JPEG, GIF, BMP or WebP image");
        }
        RgbImage image = format == Format.WEBP ? readWebp(file, head) : readWithImageIo(file, warnings);
        return ExifOrientation.apply(image, ExifOrientation.read(head));
    }

    private static RgbImage readWebp(Path file, byte[] head) {
        int[] size = WebpHeader.size(head);
        if (size == null) {
            throw new MediaException(file, "WebP header is damaged or truncated");
        }
        MediaFiles.requirePixelLimit(file, "image", size[0], size[1]);
        return readWithFfmpeg(file);
    }

    private static RgbImage readWithImageIo(Path file, Consumer<String> warnings) {
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (input == null || !readers.hasNext()) {
                return readWithFfmpeg(file);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                ImageReadParam param = reader.getDefaultReadParam();
                long pixels = width * height;
                if (pixels > MediaFiles.MAX_PIXELS) {
                    int step = (int) Math.ceil(Math.sqrt((double) pixels / MediaFiles.MAX_PIXELS));
                    param.setSourceSubsampling(step, step, 0, 0);
                    warnings.accept(file + ": image of " + width + "x" + height + " pixels decoded at 1/" + step
                            + " size to bound memory (the model sees 256x256 anyway)");
                }
                BufferedImage image = reader.read(0, param);
                RgbImage rgb = toRgb(image);
                return rgb != null ? rgb : readWithFfmpeg(file);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Unsupported Image Type")) {
                return readWithFfmpeg(file);
            }
            throw new MediaException(file, "cannot decode image: " + reason(e), e);
        } catch (RuntimeException e) {
            if (e instanceof MediaException media) {
                throw media;
            }
            // ImageIO's decoders index past their buffers on some damaged data; their messages mean nothing here.
            throw new MediaException(file, "cannot decode image: the image data is damaged", e);
        }
    }

    /** The decoder's messages down the cause chain ("Error reading PNG image data: invalid distance too far back"). */
    private static String reason(IOException e) {
        StringBuilder reason = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t instanceof java.io.EOFException && message == null) {
                message = "the file ends before the image does";
            }
            if (message != null && !message.isBlank() && reason.indexOf(message) < 0) {
                String clause = message.strip().replace('\n', ' ').replaceAll("[!.]+$", "");
                reason.append(reason.length() == 0 ? "" : ": ").append(clause);
            }
        }
        return reason.length() == 0 ? "the image data is damaged" : reason.toString();
    }

    /** RGB bytes from the raster's samples (ColorModel conversions would gamma-correct grey); null if not RGB/grey. */
    private static RgbImage toRgb(BufferedImage image) {
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int width = image.getWidth();
        int height = image.getHeight();
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        boolean indexed = image.getColorModel() instanceof IndexColorModel;
        int colourSpace = image.getColorModel().getColorSpace().getType();
        if (!indexed && bands >= 3 && colourSpace != java.awt.color.ColorSpace.TYPE_RGB) {
            return null;
        }
        IndexColorModel palette = indexed ? (IndexColorModel) image.getColorModel() : null;
        byte[] out = new byte[width * height * 3];
        int[] row = new int[width * bands];
        int o = 0;
        for (int y = 0; y < height; y++) {
            raster.getPixels(0, y, width, 1, row);
            for (int x = 0, s = 0; x < width; x++, s += bands) {
                if (palette != null) {
                    int entry = row[s];
                    out[o++] = (byte) palette.getRed(entry);
                    out[o++] = (byte) palette.getGreen(entry);
                    out[o++] = (byte) palette.getBlue(entry);
                } else if (bands >= 3) {
                    out[o++] = (byte) (row[s] >> shift);
                    out[o++] = (byte) (row[s + 1] >> shift);
                    out[o++] = (byte) (row[s + 2] >> shift);
                } else {
                    byte grey = (byte) (row[s] >> shift);
                    out[o++] = grey;
                    out[o++] = grey;
                    out[o++] = grey;
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage readWithFfmpeg(Path file) {
        try (VideoDecoder decoder = new VideoDecoder(VideoContainer.open(file), 1);
                RgbConverter converter = new RgbConverter(file, 0)) {
            var parameters = decoder.container().stream().codecpar();
            MediaFiles.requirePixelLimit(file, "image", parameters.width(), parameters.height());
            AVFrame frame = decoder.next();
            if (frame == null) {
                throw new MediaException(file, "the image could not be decoded");
            }
            return converter.convert(frame);
        }
    }
}

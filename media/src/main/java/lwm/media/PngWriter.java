package lwm.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes PNGs with text metadata (e.g. prompt and seed of a generated image): Latin-1 values as {@code tEXt}
 * chunks, others as UTF-8 {@code iTXt} chunks, as the PNG specification requires. The file appears atomically.
 */
public final class PngWriter {

    private static final String PNG_FORMAT = "javax_imageio_png_1.0";
    private static final int MAX_KEYWORD_LENGTH = 79;

    private PngWriter() {}

    public static void write(RgbImage image, Path file, Map<String, String> text) {
        var buffered = RgbBufferedImages.wrap(image);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (ImageOutputStream output = ImageIO.createImageOutputStream(partial.toFile())) {
            writer.setOutput(output);
            var param = writer.getDefaultWriteParam();
            IIOMetadata metadata =
                    writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(buffered), param);
            metadata.mergeTree(PNG_FORMAT, textChunks(file, text));
            writer.write(null, new IIOImage(buffered, null, metadata), param);
        } catch (IOException e) {
            throw new MediaException(file, "cannot write PNG: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        try {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MediaException(file, "cannot write PNG: " + e.getMessage(), e);
        }
    }

    private static IIOMetadataNode textChunks(Path file, Map<String, String> text) {
        IIOMetadataNode root = new IIOMetadataNode(PNG_FORMAT);
        IIOMetadataNode latin = new IIOMetadataNode("tEXt");
        IIOMetadataNode international = new IIOMetadataNode("iTXt");
        for (Map.Entry<String, String> entry : text.entrySet()) {
            String keyword = entry.getKey();
            if (keyword.isEmpty() || keyword.length() > MAX_KEYWORD_LENGTH || !isLatin1(keyword)) {
                throw new MediaException(file, "PNG text keyword must be 1-79 Latin-1 characters: '" + keyword + "'");
            }
            if (isLatin1(entry.getValue())) {
                IIOMetadataNode node = new IIOMetadataNode("tEXtEntry");
                node.setAttribute("keyword", keyword);
                node.setAttribute("value", entry.getValue());
                latin.appendChild(node);
            } else {
                IIOMetadataNode node = new IIOMetadataNode("iTXtEntry");
                node.setAttribute("keyword", keyword);
                node.setAttribute("compressionFlag", "FALSE");
                node.setAttribute("compressionMethod", "0");
                node.setAttribute("languageTag", "");
                node.setAttribute("translatedKeyword", "");
                node.setAttribute("text", entry.getValue());
                international.appendChild(node);
            }
        }
        if (latin.hasChildNodes()) {
            root.appendChild(latin);
        }
        if (international.hasChildNodes()) {
            root.appendChild(international);
        }
        return root;
    }

    private static boolean isLatin1(String value) {
        return StandardCharsets.ISO_8859_1.newEncoder().canEncode(value);
    }
}

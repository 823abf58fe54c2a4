package lwm.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageFilesTest {

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws Exception {
        dir = TestMedia.scratch("images");
    }

    private static RgbImage read(Path file) {
        return ImageFiles.read(file, warning -> {
            throw new AssertionError("unexpected warning " + warning);
        });
    }

    private static BufferedImage bgr(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        out.getGraphics().drawImage(RgbBufferedImages.wrap(image), 0, 0, null);
        return out;
    }

    private static double meanAbsoluteError(RgbImage a, RgbImage b) {
        long sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF));
        }
        return (double) sum / a.pixels().length;
    }

    @Test
    void pngAndBmpAreExact() throws Exception {
        RgbImage source = TestMedia.photoLike(123, 77, 3);
        Path png = dir.resolve("photo.png");
        PngWriter.write(source, png, java.util.Map.of());
        assertArrayEquals(source.pixels(), read(png).pixels());
        Path bmp = dir.resolve("photo.bmp");
        ImageIO.write(bgr(source), "bmp", bmp.toFile());
        assertArrayEquals(source.pixels(), read(bmp).pixels());
    }

    @Test
    void alphaIsDroppedAndGreyIsNotGammaCorrected() throws Exception {
        BufferedImage argb = new BufferedImage(4, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10_20_40_80);
        argb.setRGB(1, 0, 0xFF_C8_64_32);
        Path rgba = dir.resolve("alpha.png");
        ImageIO.write(argb, "png", rgba.toFile());
        RgbImage withoutAlpha = read(rgba);
        assertEquals(0x20, withoutAlpha.sample(0, 0, 0));
        assertEquals(0x80, withoutAlpha.sample(0, 0, 2));
        assertEquals(0x64, withoutAlpha.sample(1, 0, 1));
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        grey.getRaster().setSample(1, 0, 0, 200);
        Path greyPng = dir.resolve("grey.png");
        ImageIO.write(grey, "png", greyPng.toFile());
        RgbImage rgb = read(greyPng);
        assertEquals(100, rgb.sample(0, 0, 0));
        assertEquals(100, rgb.sample(0, 0, 2));
        assertEquals(200, rgb.sample(1, 0, 1));
    }

    @Test
    void gifGivesItsFirstFrame() throws Exception {
        Path gif = dir.resolve("two-frames.gif");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(gif.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int code : new int[] {5, 9}) {
                BufferedImage indexed = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_INDEXED);
                indexed.getGraphics().drawImage(bgr(TestMedia.codedFrame(64, 64, code)), 0, 0, null);
                writer.writeToSequence(new IIOImage(indexed, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        assertEquals(5, TestMedia.readCode(read(gif)));
    }

    private static byte[] jpeg(RgbImage image) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.write(null, new IIOImage(bgr(image), null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    @Test
    void jpegDecodesCloseToTheSource() throws Exception {
        RgbImage source = TestMedia.codedFrame(200, 150, 4321);
        Path file = Files.write(dir.resolve("coded.jpg"), jpeg(source));
        RgbImage decoded = read(file);
        assertEquals(4321, TestMedia.readCode(decoded));
        assertTrue(meanAbsoluteError(source, decoded) < 2, "MAE " + meanAbsoluteError(source, decoded));
    }

    @Test
    void exifOrientationTurnsTheImageUpright() throws Exception {
        // Stored landscape with orientation 6: the camera was turned, the picture is shown rotated clockwise.
        byte[] plain = jpeg(TestMedia.codedFrame(160, 96, 0));
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
        ByteArrayOutputStream withExif = new ByteArrayOutputStream();
        withExif.write(plain, 0, 2);
        withExif.write(new byte[] {(byte) 0xFF, (byte) 0xE1, 0, (byte) (2 + 6 + tiff.length)});
        withExif.write("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        withExif.write(tiff);
        withExif.write(plain, 2, plain.length - 2);
        Path file = Files.write(dir.resolve("orientation-6.jpg"), withExif.toByteArray());
        RgbImage upright = read(file);
        assertEquals(96, upright.width());
        assertEquals(160, upright.height());
        assertTrue(upright.sample(1, 1, 0) < 60 && upright.sample(1, 1, 1) > 180, "top-left was bottom-left");
    }

    @Test
    void damagedExifLengthsAndOffsetsReadAsUpright() {
        // A PNG chunk length of 0x7FFFFFF8 once wrapped the next chunk's offset negative; an IFD offset near 2^32
        // once wrapped below the TIFF header. Either way the file is read as stored, never as an index error.
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF8,
            't', 'E', 'X', 't', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertEquals(1, ExifOrientation.read(png));
        byte[] riff = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', (byte) 0xF7, (byte) 0xFF,
            (byte) 0xFF, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertEquals(1, ExifOrientation.read(riff));
        byte[] tiff = {'M', 'M', 0, 42, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, 0, 1, 0x01, 0x12, 0, 3};
        byte[] jpeg = new byte[4 + 6 + 2 + tiff.length];
        jpeg[0] = (byte) 0xFF;
        jpeg[1] = (byte) 0xD8;
        jpeg[2] = (byte) 0xFF;
        jpeg[3] = (byte) 0xE1;
        System.arraycopy("\0\0Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, jpeg, 4, 8);
        System.arraycopy(tiff, 0, jpeg, 12, tiff.length);
        assertEquals(1, ExifOrientation.read(jpeg));
    }

    @Test
    void webpThroughFfmpeg() throws Exception {
        Path webp = dir.resolve("frame.webp");
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(webp.toFile(), 96, 64, 0)) {
            recorder.setFormat("webp");
            recorder.setVideoCodecName("libwebp");
            recorder.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
            recorder.setVideoQuality(95);
            recorder.start();
            Frame frame = new Frame(96, 64, Frame.DEPTH_UBYTE, 3);
            TestMedia.fill(frame, TestMedia.codedFrame(96, 64, 1234));
            recorder.record(frame, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24);
        }
        RgbImage image = read(webp);
        assertEquals(96, image.width());
        assertEquals(64, image.height());
        assertEquals(1234, TestMedia.readCode(image));
    }

    @Test
    void hugeImageIsDecodedSubsampledWithinBoundedMemory() throws Exception {
        Path huge = writeGreyPng(dir.resolve("16000x16000.png"), 16000, 16000);
        List<String> warnings = new ArrayList<>();
        RgbImage image = ImageFiles.read(huge, warnings::add);
        assertEquals(5334, image.width());
        assertTrue(warnings.get(0).startsWith(huge + ": image of 16000x16000 pixels decoded at 1/3 size"),
                warnings.toString());
        // Rows are shaded by y: the subsampled picture keeps that.
        assertTrue(image.sample(10, 5000, 0) > image.sample(10, 100, 0));
        try (FrameStream frames = FrameSampler.lwm().open(huge, SamplingPolicy.lwm(1))) {
            assertEquals(256, frames.toList().get(0).image().width());
            assertEquals(1, frames.warnings().size());
        }
    }

    /** A grey PNG written row by row through a streaming deflater, so the test itself needs little memory. */
    private static Path writeGreyPng(Path file, int width, int height) throws Exception {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream header = new DataOutputStream(ihdr);
            header.writeInt(width);
            header.writeInt(height);
            header.write(new byte[] {8, 0, 0, 0, 0});
            chunk(out, "IHDR", ihdr.toByteArray());
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            try (OutputStream deflate = new DeflaterOutputStream(compressed, new Deflater(Deflater.BEST_SPEED))) {
                byte[] row = new byte[width + 1];
                for (int y = 0; y < height; y++) {
                    java.util.Arrays.fill(row, 1, row.length, (byte) (y * 255 / height));
                    deflate.write(row);
                }
            }
            chunk(out, "IDAT", compressed.toByteArray());
            chunk(out, "IEND", new byte[0]);
        }
        return file;
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws Exception {
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}

package lwm.media;

/**
 * Finds the EXIF orientation tag (0x0112) in the first bytes of a JPEG (APP1), PNG (eXIf) or WebP (EXIF chunk)
 * file, and applies it.
 */
final class ExifOrientation {

    private static final int ORIENTATION_TAG = 0x0112;

    private ExifOrientation() {}

    /** Orientation 1..8 (1 = as stored) from the file's first bytes. */
    static int read(byte[] head) {
        int tiff = findTiff(head);
        return tiff < 0 ? 1 : readTiff(head, tiff);
    }

    /** The image as it should be displayed given its EXIF orientation. */
    static RgbImage apply(RgbImage image, int orientation) {
        return switch (orientation) {
            case 2 -> Rotation.mirrored(image);
            case 3 -> Rotation.clockwise(image, 180);
            case 4 -> Rotation.clockwise(Rotation.mirrored(image), 180);
            case 5 -> Rotation.clockwise(Rotation.mirrored(image), 270);
            case 6 -> Rotation.clockwise(image, 90);
            case 7 -> Rotation.clockwise(Rotation.mirrored(image), 90);
            case 8 -> Rotation.clockwise(image, 270);
            default -> image;
        };
    }

    private static int findTiff(byte[] b) {
        if (b.length > 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8) {
            return findInJpeg(b);
        }
        if (b.length > 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P') {
            return findInChunks(b, 8, "eXIf", false);
        }
        if (b.length > 12 && b[0] == 'R' && b[8] == 'W') {
            return findInChunks(b, 12, "EXIF", true);
        }
        return -1;
    }

    private static int findInJpeg(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length && (b[i] & 0xFF) == 0xFF) {
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xDA) {
                return -1;
            }
            int length = Bytes.u16(b, i + 2, false);
            if (marker == 0xE1 && Bytes.startsWith(b, i + 4, "Exif\0\0")) {
                return i + 10;
            }
            i += 2 + length;
        }
        return -1;
    }

    /** PNG chunks (big-endian length first, CRC after) or RIFF chunks (little-endian length after, even padding). */
    private static int findInChunks(byte[] b, int start, String type, boolean riff) {
        int i = start;
        while (i + 8 <= b.length) {
            int length = riff ? Bytes.u32(b, i + 4, true) : Bytes.u32(b, i, false);
            int typeAt = riff ? i : i + 4;
            int data = i + 8;
            if (Bytes.startsWith(b, typeAt, type)) {
                return Bytes.startsWith(b, data, "Exif\0\0") ? data + 6 : data;
            }
            if (length < 0) {
                return -1;
            }
            i = data + length + (riff ? (length & 1) : 4);
        }
        return -1;
    }

    private static int readTiff(byte[] b, int tiff) {
        if (tiff + 8 > b.length) {
            return 1;
        }
        boolean little = b[tiff] == 'I';
        int ifd = tiff + Bytes.u32(b, tiff + 4, little);
        if (ifd < tiff || ifd + 2 > b.length) {
            return 1;
        }
        int entries = Bytes.u16(b, ifd, little);
        for (int e = 0; e < entries; e++) {
            int entry = ifd + 2 + e * 12;
            if (entry + 12 > b.length) {
                break;
            }
            if (Bytes.u16(b, entry, little) == ORIENTATION_TAG) {
                int value = Bytes.u16(b, entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }
}

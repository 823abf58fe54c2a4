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
        while (Bytes.fits(b, i, 4) && (b[i] & 0xFF) == 0xFF) {
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

    /**
     * PNG chunks (big-endian length first, CRC after) or RIFF chunks (little-endian length after, even padding).
     * Lengths are unsigned 32-bit and summed as longs: a damaged length ends the search, it never wraps around.
     */
    private static int findInChunks(byte[] b, int start, String type, boolean riff) {
        long i = start;
        while (Bytes.fits(b, i, 8)) {
            int at = (int) i;
            long length = riff ? Bytes.u32(b, at + 4, true) : Bytes.u32(b, at, false);
            int typeAt = riff ? at : at + 4;
            int data = at + 8;
            if (Bytes.startsWith(b, typeAt, type)) {
                return Bytes.startsWith(b, data, "Exif\0\0") ? data + 6 : data;
            }
            i = data + length + (riff ? (length & 1) : 4);
        }
        return -1;
    }

    /** The orientation entry of the first IFD; 1 when the TIFF header, the IFD or the entry lies outside the bytes. */
    private static int readTiff(byte[] b, int tiff) {
        if (!Bytes.fits(b, tiff, 8)) {
            return 1;
        }
        boolean little = b[tiff] == 'I';
        long ifd = tiff + Bytes.u32(b, tiff + 4, little);
        if (!Bytes.fits(b, ifd, 2)) {
            return 1;
        }
        int entries = Bytes.u16(b, (int) ifd, little);
        for (int e = 0; e < entries; e++) {
            long entry = ifd + 2 + e * 12L;
            if (!Bytes.fits(b, entry, 12)) {
                break;
            }
            if (Bytes.u16(b, (int) entry, little) == ORIENTATION_TAG) {
                int value = Bytes.u16(b, (int) entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }
}

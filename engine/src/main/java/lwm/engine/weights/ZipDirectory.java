package lwm.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip archive whose entries are STORED (uncompressed), including zip64 archives.
 *
 * <p>Why not {@link java.util.zip.ZipFile}: torch.save writes every entry uncompressed, so each storage is a plain byte
 * range of the file that can be memory-mapped like a safetensors tensor (zero-copy, no heap or direct-buffer copy of a
 * 10 GB shard). ZipFile only offers InputStreams. Parsing the directory ourselves also lets every size be checked
 * against the file before use.
 */
final class ZipDirectory {
    /** A real torch checkpoint has a few hundred entries; this bounds what a corrupt directory can make us read. */
    static final long MAX_CENTRAL_DIRECTORY_BYTES = 256L << 20;

    private static final int EOCD_SIGNATURE = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;
    private static final int LOCAL_SIGNATURE = 0x04034b50;
    private static final int EOCD_BYTES = 22;
    private static final int ZIP64_LOCATOR_BYTES = 20;
    private static final int ZIP64_EOCD_BYTES = 56;
    private static final int CENTRAL_BYTES = 46;
    private static final int LOCAL_BYTES = 30;
    private static final int MAX_COMMENT = 0xffff;
    private static final long U16_MAX = 0xffff;
    private static final long U32_MAX = 0xffff_ffffL;
    private static final int ZIP64_EXTRA_ID = 0x0001;

    /** An uncompressed entry: {@code size} bytes at absolute {@code offset}. */
    record StoredEntry(String name, long offset, long size) {
    }

    private final Map<String, StoredEntry> entries;

    private ZipDirectory(Map<String, StoredEntry> entries) {
        this.entries = entries;
    }

    /** The entry, or null. */
    StoredEntry entry(String name) {
        return entries.get(name);
    }

    Collection<StoredEntry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    static ZipDirectory read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        long tailStart = Math.max(0, size - EOCD_BYTES - MAX_COMMENT);
        ByteBuffer tail = FileReads.read(file, channel, tailStart, (int) (size - tailStart));
        int eocd = findEndOfCentralDirectory(tail);
        if (eocd < 0) {
            throw CheckpointException.in(file, "not a zip archive (no end-of-central-directory record); only the zip"
                    + " format of torch.save (PyTorch 1.6 and later) is supported");
        }
        long eocdOffset = tailStart + eocd;
        long diskNumbers = tail.getShort(eocd + 4) | tail.getShort(eocd + 6);
        long entryCount = Short.toUnsignedLong(tail.getShort(eocd + 10));
        long directorySize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
        long directoryOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
        long directoryLimit = eocdOffset;
        long locatorOffset = eocdOffset - ZIP64_LOCATOR_BYTES;
        boolean hasLocator = locatorOffset >= 0
                && FileReads.read(file, channel, locatorOffset, 4).getInt() == ZIP64_LOCATOR_SIGNATURE;
        if (hasLocator || entryCount == U16_MAX || directorySize == U32_MAX || directoryOffset == U32_MAX) {
            if (!hasLocator) {
                throw CheckpointException.in(file, "zip64 archive without a zip64 end-of-central-directory locator");
            }
            ByteBuffer locator = FileReads.read(file, channel, locatorOffset, ZIP64_LOCATOR_BYTES);
            long zip64Offset = locator.getLong(8);
            if (zip64Offset < 0 || zip64Offset > locatorOffset - ZIP64_EOCD_BYTES) {
                throw CheckpointException.in(file, "zip64 end-of-central-directory offset " + zip64Offset
                        + " is outside the file");
            }
            ByteBuffer zip64 = FileReads.read(file, channel, zip64Offset, ZIP64_EOCD_BYTES);
            if (zip64.getInt(0) != ZIP64_EOCD_SIGNATURE) {
                throw CheckpointException.in(file, "no zip64 end-of-central-directory record at offset " + zip64Offset);
            }
            diskNumbers = zip64.getInt(16) | zip64.getInt(20);
            entryCount = zip64.getLong(32);
            directorySize = zip64.getLong(40);
            directoryOffset = zip64.getLong(48);
            directoryLimit = zip64Offset;
        }
        if (diskNumbers != 0) {
            throw CheckpointException.in(file, "multi-volume zip archives are not supported");
        }
        if (directorySize < 0 || directoryOffset < 0 || directorySize > MAX_CENTRAL_DIRECTORY_BYTES
                || directoryOffset > directoryLimit - directorySize) {
            throw CheckpointException.in(file, "central directory of " + directorySize + " bytes at offset "
                    + directoryOffset + " does not fit in the file (truncated?)");
        }
        if (entryCount < 0 || entryCount > directorySize / CENTRAL_BYTES) {
            throw CheckpointException.in(file, "central directory claims " + entryCount + " entries in "
                    + directorySize + " bytes");
        }
        ByteBuffer directory = FileReads.read(file, channel, directoryOffset, (int) directorySize);
        Map<String, StoredEntry> entries = new LinkedHashMap<>();
        for (long i = 0; i < entryCount; i++) {
            StoredEntry entry = readEntry(file, channel, directory, directoryOffset);
            if (entries.put(entry.name(), entry) != null) {
                throw CheckpointException.in(file, "zip entry '" + entry.name() + "' appears twice");
            }
        }
        return new ZipDirectory(entries);
    }

    /** Position of the last end-of-central-directory signature whose comment fits in the tail, or -1. */
    private static int findEndOfCentralDirectory(ByteBuffer tail) {
        for (int i = tail.limit() - EOCD_BYTES; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIGNATURE
                    && i + EOCD_BYTES + Short.toUnsignedInt(tail.getShort(i + 20)) <= tail.limit()) {
                return i;
            }
        }
        return -1;
    }

    /** Reads the central directory record at the buffer's position and resolves its data through the local header. */
    private static StoredEntry readEntry(Path file, FileChannel channel, ByteBuffer directory, long directoryOffset)
            throws IOException {
        int at = directory.position();
        if (directory.remaining() < CENTRAL_BYTES || directory.getInt(at) != CENTRAL_SIGNATURE) {
            throw CheckpointException.in(file, "corrupt central directory record at offset " + (directoryOffset + at));
        }
        int flags = Short.toUnsignedInt(directory.getShort(at + 8));
        int method = Short.toUnsignedInt(directory.getShort(at + 10));
        long compressedSize = Integer.toUnsignedLong(directory.getInt(at + 20));
        long size = Integer.toUnsignedLong(directory.getInt(at + 24));
        int nameLength = Short.toUnsignedInt(directory.getShort(at + 28));
        int extraLength = Short.toUnsignedInt(directory.getShort(at + 30));
        int commentLength = Short.toUnsignedInt(directory.getShort(at + 32));
        long localOffset = Integer.toUnsignedLong(directory.getInt(at + 42));
        int recordLength = CENTRAL_BYTES + nameLength + extraLength + commentLength;
        if (directory.remaining() < recordLength) {
            throw CheckpointException.in(file, "central directory record at offset " + (directoryOffset + at)
                    + " runs past the directory");
        }
        byte[] nameBytes = new byte[nameLength];
        directory.get(at + CENTRAL_BYTES, nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        // zip64 extra: the 8-byte values replace, in this order, those header fields that are saturated.
        ByteBuffer extra = directory.slice(at + CENTRAL_BYTES + nameLength, extraLength).order(directory.order());
        ByteBuffer zip64 = findExtra(extra, ZIP64_EXTRA_ID);
        if (size == U32_MAX) {
            size = zip64Value(file, name, zip64);
        }
        if (compressedSize == U32_MAX) {
            compressedSize = zip64Value(file, name, zip64);
        }
        if (localOffset == U32_MAX) {
            localOffset = zip64Value(file, name, zip64);
        }
        directory.position(at + recordLength);
        if ((flags & 1) != 0) {
            throw CheckpointException.in(file, "zip entry '" + name + "' is encrypted");
        }
        if (method != 0 || compressedSize != size) {
            throw CheckpointException.in(file, "zip entry '" + name + "' is compressed (method " + method
                    + "); torch.save stores entries uncompressed, re-save the checkpoint with torch.save");
        }
        if (localOffset < 0 || localOffset > directoryOffset - LOCAL_BYTES) {
            throw CheckpointException.in(file, "zip entry '" + name + "' has its local header outside the archive");
        }
        ByteBuffer local = FileReads.read(file, channel, localOffset, LOCAL_BYTES);
        if (local.getInt(0) != LOCAL_SIGNATURE) {
            throw CheckpointException.in(file, "zip entry '" + name + "' has no local header at offset "
                    + localOffset);
        }
        long dataOffset = localOffset + LOCAL_BYTES + Short.toUnsignedInt(local.getShort(26))
                + Short.toUnsignedInt(local.getShort(28));
        if (size < 0 || dataOffset > directoryOffset || size > directoryOffset - dataOffset) {
            throw CheckpointException.in(file, "zip entry '" + name + "' (" + size + " bytes at offset " + dataOffset
                    + ") extends past the entry data (truncated?)");
        }
        return new StoredEntry(name, dataOffset, size);
    }

    /** The payload of the extra field with this id, or null. */
    private static ByteBuffer findExtra(ByteBuffer extra, int id) {
        int at = 0;
        while (at + 4 <= extra.limit()) {
            int fieldId = Short.toUnsignedInt(extra.getShort(at));
            int length = Short.toUnsignedInt(extra.getShort(at + 2));
            if (at + 4 + length > extra.limit()) {
                return null;
            }
            if (fieldId == id) {
                return extra.slice(at + 4, length).order(extra.order());
            }
            at += 4 + length;
        }
        return null;
    }

    /** Consumes the next 8-byte value of a zip64 extra field. */
    private static long zip64Value(Path file, String name, ByteBuffer zip64) throws CheckpointException {
        if (zip64 == null || zip64.remaining() < 8) {
            throw CheckpointException.in(file, "zip entry '" + name + "' lacks its zip64 size/offset field");
        }
        long value = zip64.getLong();
        if (value < 0) {
            throw CheckpointException.in(file, "zip entry '" + name + "' has a zip64 value beyond 2^63");
        }
        return value;
    }
}

package lwm.app.ingest;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * VQGAN codes on disk, keyed by the source's content hash, the sampling policy and the VQGAN weights, so that a
 * video is encoded once and reused across questions and restarts.
 *
 * <p>Safe without locks: an entry is written to a private temporary file and renamed into place atomically, so
 * readers see either nothing or a complete entry (last writer wins when two write the same key); entries carry a
 * checksum, and anything that fails to parse is deleted and treated as a miss. The directory is kept under a byte
 * budget by evicting the least recently used entries (a hit refreshes the entry's modification time).
 */
public final class CodeCache {
    private static final Logger LOG = Logger.getLogger(CodeCache.class.getName());
    private static final String SUFFIX = ".codes";
    private static final String TEMP_PREFIX = ".tmp-";
    /** Temporary files older than this belong to a writer that crashed. */
    private static final Duration ABANDONED = Duration.ofHours(1);

    private final Path dir;
    private final long maxBytes;

    /** What makes two encodings interchangeable. */
    public record Key(String contentSha256, String samplingPolicy, String vqganId) {
        String fileName() {
            return ContentHash.sha256(contentSha256 + '\n' + samplingPolicy + '\n' + vqganId) + SUFFIX;
        }
    }

    public CodeCache(Path dir, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache budget must be positive: " + maxBytes);
        }
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
        removeAbandonedTemporaries();
    }

    public Optional<CachedCodes> get(Key key) throws IOException {
        Path file = dir.resolve(key.fileName());
        try {
            if (Files.size(file) > CodesFile.MAX_BYTES) {
                throw new IOException(Files.size(file) + " bytes, larger than any entry");
            }
            CachedCodes codes = CodesFile.decode(Files.readAllBytes(file));
            touch(file);
            return Optional.of(codes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "discarding unusable cache entry {0}: {1}", new Object[] {file, e.getMessage()});
            Files.deleteIfExists(file);
            return Optional.empty();
        }
    }

    public void put(Key key, CachedCodes codes) throws IOException {
        Path temp = Files.createTempFile(dir, TEMP_PREFIX, SUFFIX);
        try {
            Files.write(temp, CodesFile.encode(codes));
            moveIntoPlace(temp, dir.resolve(key.fileName()));
        } finally {
            Files.deleteIfExists(temp);
        }
        evictToBudget();
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(target.getParent() + ": the cache directory does not support atomic renames", e);
        }
    }

    /** Deletes least recently used entries until the directory fits the budget. */
    private void evictToBudget() throws IOException {
        record Entry(Path file, long size, FileTime used) {}
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                if (file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    continue;
                }
                try {
                    Entry entry = new Entry(file, Files.size(file), Files.getLastModifiedTime(file));
                    entries.add(entry);
                    total += entry.size;
                } catch (NoSuchFileException e) {
                    // evicted by another process meanwhile
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::used));
        for (Entry entry : entries) {
            if (total <= maxBytes) {
                break;
            }
            Files.deleteIfExists(entry.file);
            total -= entry.size;
        }
    }

    private void removeAbandonedTemporaries() throws IOException {
        Instant cutoff = Instant.now().minus(ABANDONED);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // evicted meanwhile: the entry was still read intact
        }
    }
}

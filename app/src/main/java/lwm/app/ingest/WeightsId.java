package lwm.app.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cheap identity for a weights file (canonical path, size, modification time): replacing or editing the file
 * changes it, without hashing hundreds of megabytes on every start.
 */
public final class WeightsId {
    private WeightsId() {}

    public static String of(Path file) throws IOException {
        Path real = file.toRealPath();
        return ContentHash.sha256(real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis());
    }
}

package lwm.app.ingest;

import java.nio.file.Path;
import java.time.Duration;

/** What an ingestion reports: its plan first, then progress per stage, warnings, and a cache hit when there is one. */
public sealed interface IngestionEvent {
    /** Frames the policy selected and the vision tokens they become (257 per frame), before decoding starts. */
    record Planned(Path file, int frames, int tokens) implements IngestionEvent {}

    record CacheHit(Path file, int frames) implements IngestionEvent {}

    /** Frames decoded and preprocessed, and frames encoded to codes, out of {@code total}. */
    record Progress(Path file, int decoded, int encoded, int total, Duration eta) implements IngestionEvent {}

    record Warning(String message) implements IngestionEvent {}
}

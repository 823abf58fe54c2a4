package lwm.app.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import lwm.engine.generate.CancellationToken;
import lwm.engine.tokenizer.VisionTokens;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.RgbImage;
import lwm.media.SampledFrame;
import lwm.media.SamplingPolicy;

/**
 * Turns one image or video into VQGAN codes: hash → cache lookup → plan → decode and preprocess (media's bounded
 * background pipeline) → encode in batches, overlapping with decoding → codes, stored in the cache. Cancellable
 * between frames; reports the plan before any decoding and progress after every batch.
 */
public final class IngestionJob {
    private final FrameEncoder encoder;
    private final String vqganId;
    private final CodeCache cache;

    /**
     * @param vqganId identifies the VQGAN weights the encoder uses (part of the cache key)
     * @param cache null to encode every time
     */
    public IngestionJob(FrameEncoder encoder, String vqganId, CodeCache cache) {
        this.encoder = encoder;
        this.vqganId = vqganId;
        this.cache = cache;
    }

    /** Frames the policy takes from {@code file}, without decoding: for routing before any heavy work. */
    public static int plannedFrames(Path file, SamplingPolicy policy) throws IOException {
        try (FrameStream frames = FrameSampler.lwm().open(file, policy)) {
            return frames.plannedFrames();
        }
    }

    public CachedCodes run(Path file, SamplingPolicy policy, Consumer<IngestionEvent> listener,
            CancellationToken cancel) throws IOException {
        CodeCache.Key key = cache == null ? null
                : new CodeCache.Key(ContentHash.sha256(file), policy.toString(), vqganId);
        Optional<CachedCodes> cached = key == null ? Optional.empty() : cache.get(key);
        if (cached.isPresent()) {
            listener.accept(new IngestionEvent.CacheHit(file, cached.get().frames()));
            return cached.get();
        }
        CachedCodes codes;
        try (FrameStream frames = FrameSampler.lwm().open(file, policy)) {
            int total = frames.plannedFrames();
            listener.accept(new IngestionEvent.Planned(file, total, total * VisionTokens.TOKENS_PER_FRAME));
            codes = encodeAll(file, frames, total, listener, cancel);
            frames.warnings().forEach(w -> listener.accept(new IngestionEvent.Warning(w)));
        }
        if (key != null) {
            cache.put(key, codes);
        }
        return codes;
    }

    private CachedCodes encodeAll(Path file, FrameStream frames, int total, Consumer<IngestionEvent> listener,
            CancellationToken cancel) throws IOException {
        List<int[]> codes = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        List<Double> timestamps = new ArrayList<>();
        List<RgbImage> pending = new ArrayList<>();
        long start = System.nanoTime();
        for (SampledFrame frame : frames) {
            if (cancel.isCancelled()) {
                throw new CancellationException(file + ": ingestion cancelled");
            }
            pending.add(frame.modelFrame());
            indices.add((long) frame.index());
            timestamps.add(frame.timestampSeconds());
            if (pending.size() >= encoder.batchFrames()) {
                codes.addAll(Arrays.asList(encoder.encode(pending)));
                pending.clear();
                listener.accept(progress(file, indices.size(), codes.size(), total, start));
            }
        }
        if (!pending.isEmpty()) {
            codes.addAll(Arrays.asList(encoder.encode(pending)));
            listener.accept(progress(file, indices.size(), codes.size(), total, start));
        }
        return new CachedCodes(indices.stream().mapToLong(Long::longValue).toArray(),
                timestamps.stream().mapToDouble(Double::doubleValue).toArray(), codes.toArray(new int[0][]));
    }

    private static IngestionEvent.Progress progress(Path file, int decoded, int encoded, int total, long start) {
        long elapsed = System.nanoTime() - start;
        long eta = encoded == 0 ? 0 : (long) ((double) elapsed / encoded * Math.max(0, total - encoded));
        return new IngestionEvent.Progress(file, decoded, encoded, total, Duration.ofNanos(eta));
    }
}

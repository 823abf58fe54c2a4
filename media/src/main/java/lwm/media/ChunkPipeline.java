package lwm.media;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Decodes chunks of a video on a few worker threads, each with its own decoder, and hands frames to the consumer in
 * order. Only {@code 2 * workers} chunks are in flight and each has a bounded queue, so a worker that runs ahead
 * blocks (back-pressure) and memory stays bounded on hour-long files. A queue holds a whole chunk when it can (up to
 * {@code maxQueue} frames), so that a worker decoding a later chunk rarely waits for the consumer to reach it.
 */
final class ChunkPipeline implements FrameSource {

    private static final Object END_OF_CHUNK = new Object();
    private static final Object STREAM_CLOSED = new Object();
    private static final int SHUTDOWN_WAIT_SECONDS = 30;
    private static final int MAX_LISTED_LOSSES = 20;

    private record Failure(RuntimeException error) {}

    private final Path file;
    private final FrameTimeline timeline;
    private final List<int[]> chunks;
    private final int maxQueue;
    private final int workers;
    private final ExecutorService executor;
    private final BlockingQueue<ChunkDecoder> idleDecoders = new LinkedBlockingQueue<>();
    private final List<ChunkDecoder> allDecoders = new ArrayList<>();
    private final List<BlockingQueue<Object>> outputs = new ArrayList<>();
    private final ConcurrentLinkedQueue<Integer> lostFrames = new ConcurrentLinkedQueue<>();
    private final AtomicLong decodedFrames = new AtomicLong();
    private final AtomicLong seeks = new AtomicLong();
    private int current;
    private int emitted;
    private boolean closed;

    ChunkPipeline(Path file, FrameTimeline timeline, List<int[]> chunks, boolean canSeek, int workers,
            int maxQueue, UnaryOperator<RgbImage> transform) {
        this.file = file;
        this.timeline = timeline;
        this.chunks = chunks;
        this.maxQueue = maxQueue;
        this.workers = Math.max(1, Math.min(workers, chunks.size()));
        // With several workers, two frame threads per decoder keep decoding while the worker converts and resizes
        // (FFmpeg otherwise decodes on the caller's thread); a single worker lets FFmpeg choose (0 = automatic).
        int decoderThreads = this.workers == 1 ? 0 : 2;
        try {
            for (int i = 0; i < this.workers; i++) {
                VideoDecoder decoder = new VideoDecoder(VideoContainer.open(file), decoderThreads);
                ChunkDecoder chunkDecoder =
                        new ChunkDecoder(decoder, timeline, canSeek, transform, decodedFrames, seeks);
                allDecoders.add(chunkDecoder);
                idleDecoders.add(chunkDecoder);
            }
        } catch (RuntimeException e) {
            allDecoders.forEach(ChunkDecoder::close);
            throw e;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        executor = Executors.newFixedThreadPool(this.workers, task -> {
            Thread thread = new Thread(task, "lwm-media-decoder-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public SampledFrame next() {
        while (current < chunks.size()) {
            BlockingQueue<Object> output = submitUpTo(current + 2 * workers);
            if (output == null) {
                return null;
            }
            Object item;
            try {
                item = output.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new MediaException(file, "interrupted while decoding");
            }
            if (item == STREAM_CLOSED) {
                return null;
            } else if (item == END_OF_CHUNK) {
                current++;
            } else if (item instanceof Failure failure) {
                close();
                throw failure.error();
            } else {
                emitted++;
                return (SampledFrame) item;
            }
        }
        close();
        if (emitted == 0 && !chunks.isEmpty()) {
            throw new MediaException(file, "no frame could be decoded (" + rejectedPackets()
                    + " packets rejected by the decoder); the video data is corrupt");
        }
        return null;
    }

    /** Starts the chunks up to {@code limit} and returns the current chunk's queue; null once closed. */
    private synchronized BlockingQueue<Object> submitUpTo(int limit) {
        if (closed) {
            return null;
        }
        while (outputs.size() < Math.min(limit, chunks.size())) {
            int[] frames = chunks.get(outputs.size());
            // One slot more than the frames, for the end marker.
            BlockingQueue<Object> output = new ArrayBlockingQueue<>(Math.min(frames.length + 1, maxQueue));
            outputs.add(output);
            executor.execute(() -> decodeChunk(frames, output));
        }
        // Consumed queues are dropped so their frames can be collected.
        if (current > 0) {
            outputs.set(current - 1, null);
        }
        return outputs.get(current);
    }

    private void decodeChunk(int[] frames, BlockingQueue<Object> output) {
        ChunkDecoder decoder = null;
        try {
            // Never waits: there are as many decoders as worker threads.
            decoder = idleDecoders.take();
            try {
                decoder.decode(frames, output::put, lostFrames::add);
            } catch (RuntimeException | Error e) {
                // Whatever stops a worker, running out of memory included, must reach the consumer, who would
                // otherwise wait for this chunk forever.
                output.put(new Failure(e instanceof MediaException media ? media
                        : new MediaException(file, "decoding failed: " + e, e)));
                return;
            }
            output.put(END_OF_CHUNK);
        } catch (InterruptedException e) {
            // Closed by the consumer: stop quietly.
        } finally {
            if (decoder != null) {
                idleDecoders.add(decoder);
            }
        }
    }

    private int rejectedPackets() {
        return allDecoders.stream().mapToInt(ChunkDecoder::rejectedPackets).sum();
    }

    @Override
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        List<Integer> lost = lostFrames.stream().sorted().toList();
        if (!lost.isEmpty()) {
            String times = lost.stream()
                    .limit(MAX_LISTED_LOSSES)
                    .map(i -> String.format(Locale.ROOT, "%.3f s", timeline.seconds(i)))
                    .collect(Collectors.joining(", "));
            String more = lost.size() > MAX_LISTED_LOSSES ? " and " + (lost.size() - MAX_LISTED_LOSSES) + " more" : "";
            warnings.add(file + ": " + lost.size() + " sampled frame(s) could not be decoded (corrupt or missing data)"
                    + " at " + times + more);
        }
        int rejected = rejectedPackets();
        if (rejected > 0) {
            warnings.add(file + ": skipped " + rejected + " corrupt packet(s)");
        }
        return warnings;
    }

    @Override
    public DecodeStats stats() {
        return new DecodeStats(decodedFrames.get(), seeks.get(), chunks.size(), workers);
    }

    /** Stops the workers and frees the decoders; a consumer blocked in {@link #next()} (another thread) wakes up. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        executor.shutdownNow();
        boolean stopped;
        try {
            stopped = executor.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = false;
        }
        synchronized (this) {
            for (BlockingQueue<Object> output : outputs) {
                if (output != null) {
                    output.clear();
                    output.offer(STREAM_CLOSED);
                }
            }
        }
        if (stopped) {
            // Only when no worker is inside FFmpeg any more: freeing a decoder under one would crash the JVM.
            allDecoders.forEach(ChunkDecoder::close);
        }
    }
}

package lwm.media;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Sampled frames in order, decoded ahead through a bounded pipeline: at most a fixed number of frames is buffered,
 * however long the video. Iterate once; close to stop decoding early and free native memory.
 */
public final class FrameStream implements Iterable<SampledFrame>, AutoCloseable {

    private final FrameSource source;
    private final int plannedFrames;
    private final List<String> warnings;
    private boolean iterated;

    FrameStream(FrameSource source, int plannedFrames, List<String> warnings) {
        this.source = source;
        this.plannedFrames = plannedFrames;
        this.warnings = new ArrayList<>(warnings);
    }

    /** How many frames the policy selected: known before any frame is decoded (the plan a user sees first). */
    public int plannedFrames() {
        return plannedFrames;
    }

    @Override
    public Iterator<SampledFrame> iterator() {
        if (iterated) {
            throw new IllegalStateException("a frame stream can be iterated once");
        }
        iterated = true;
        return new Iterator<>() {
            private SampledFrame next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next == null && !ended) {
                    next = source.next();
                    ended = next == null;
                }
                return next != null;
            }

            @Override
            public SampledFrame next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SampledFrame frame = next;
                next = null;
                return frame;
            }
        };
    }

    /** All frames of the stream in a list; for short videos and tests, since it holds every frame. */
    public List<SampledFrame> toList() {
        List<SampledFrame> frames = new ArrayList<>();
        forEach(frames::add);
        return frames;
    }

    /** Warnings so far (complete once the stream has been read to its end). */
    public List<String> warnings() {
        List<String> all = new ArrayList<>(warnings);
        all.addAll(source.warnings());
        return all;
    }

    public DecodeStats stats() {
        return source.stats();
    }

    @Override
    public void close() {
        source.close();
    }
}

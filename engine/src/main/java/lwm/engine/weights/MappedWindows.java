package lwm.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the tensors of a file with as few mappings as possible. A single mapping (a ByteBuffer) cannot exceed
 * {@link Integer#MAX_VALUE} bytes, so files over 2 GiB are covered by several windows; windows are cut between tensors,
 * never through one, so every tensor is one zero-copy slice of one window.
 */
final class MappedWindows {
    /** Largest window, and so the largest tensor that can be handed out as one buffer. */
    static final long MAX_WINDOW = Integer.MAX_VALUE;

    private MappedWindows() {
    }

    /**
     * Read-only little-endian slices by tensor name. Tensors larger than {@link #MAX_WINDOW} get none: the caller
     * reports them when they are asked for. The mappings stay valid after the channel is closed.
     */
    static Map<String, ByteBuffer> map(FileChannel channel, Collection<TensorLocation> locations, long windowSize)
            throws IOException {
        if (windowSize < 1 || windowSize > MAX_WINDOW) {
            throw new IllegalArgumentException("window size " + windowSize + " not in [1, " + MAX_WINDOW + "]");
        }
        List<TensorLocation> sorted = new ArrayList<>();
        for (TensorLocation loc : locations) {
            if (loc.length() <= MAX_WINDOW) {
                sorted.add(loc);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorLocation::offset));
        Map<String, ByteBuffer> slices = new HashMap<>();
        int first = 0;
        while (first < sorted.size()) {
            long start = sorted.get(first).offset();
            long end = sorted.get(first).end();
            int next = first + 1;
            // A tensor larger than the window still gets a window of its own; shared storages may overlap.
            while (next < sorted.size() && Math.max(end, sorted.get(next).end()) - start <= windowSize) {
                end = Math.max(end, sorted.get(next).end());
                next++;
            }
            MappedByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, start, end - start);
            for (TensorLocation loc : sorted.subList(first, next)) {
                ByteBuffer slice = window.slice((int) (loc.offset() - start), (int) loc.length());
                slices.put(loc.name(), slice.order(ByteOrder.LITTLE_ENDIAN));
            }
            first = next;
        }
        return slices;
    }
}

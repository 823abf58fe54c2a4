package lwm.app.gallery;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.Consumer;
import lwm.engine.tokenizer.VisionTokens;
import lwm.engine.vqgan.Vqgan;
import lwm.engine.vqgan.VqganConfig;
import lwm.media.RgbImage;

/**
 * Decodes frames with the VQGAN on its own thread while sampling goes on: complete frames are queued and all
 * decoded, in order; of the partial frames only the newest waiting one is kept (a stale preview is dropped, as image
 * apps do under load). A partial frame's missing rows repeat its last sampled row, a cheap guess that keeps the
 * decoder's input in the codebook.
 */
final class FramePreviews implements AutoCloseable {
    static final int GRID = 16;
    /** Code rows between partial previews. */
    static final int ROWS_PER_PREVIEW = 4;

    private record Job(int frame, int rows, int[] codes) {}

    private final Vqgan vqgan;
    private final Consumer<ImagineEvent.Preview> listener;
    private final Deque<Job> complete = new ArrayDeque<>();
    private final Thread thread;
    private Job partial;
    private boolean closed;
    private RuntimeException failure;

    FramePreviews(Vqgan vqgan, Consumer<ImagineEvent.Preview> listener) {
        this.vqgan = vqgan;
        this.listener = listener;
        this.thread = new Thread(this::loop, "lwm-frame-previews");
        thread.setDaemon(true);
        thread.start();
    }

    /** The codes of frame {@code frame} so far ({@code count} of 256); previews every few rows and at the end. */
    synchronized void codes(int frame, int[] codes, int count) {
        if (count == VisionTokens.CODES_PER_FRAME) {
            complete.add(new Job(frame, GRID, codes.clone()));
            partial = null;
        } else if (count % (GRID * ROWS_PER_PREVIEW) == 0 && count > 0) {
            partial = new Job(frame, count / GRID, filled(codes, count / GRID));
        } else {
            return;
        }
        notifyAll();
    }

    static int[] filled(int[] codes, int rows) {
        int[] out = Arrays.copyOf(codes, VisionTokens.CODES_PER_FRAME);
        for (int r = rows; r < GRID; r++) {
            System.arraycopy(codes, (rows - 1) * GRID, out, r * GRID, GRID);
        }
        return out;
    }

    private void loop() {
        while (true) {
            Job job;
            synchronized (this) {
                while (complete.isEmpty() && partial == null && !closed) {
                    waitQuietly();
                }
                if (complete.isEmpty() && (partial == null || closed)) {
                    notifyAll();
                    return;
                }
                job = complete.isEmpty() ? partial : complete.poll();
                if (job == partial) {
                    partial = null;
                }
            }
            try {
                listener.accept(new ImagineEvent.Preview(job.frame(), job.rows(), decode(vqgan, job.codes())));
            } catch (RuntimeException e) {
                synchronized (this) {
                    failure = e;
                    complete.clear();
                    closed = true;
                    notifyAll();
                }
                return;
            }
        }
    }

    static RgbImage decode(Vqgan vqgan, int[] codes) {
        int size = VqganConfig.RESOLUTION;
        return new RgbImage(size, size, Vqgan.toUint8(vqgan.decode(new int[][] {codes})));
    }

    private void waitQuietly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Waits until every complete frame is decoded; rethrows a decoding failure. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }
}

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
    /** Frames decoded complete, by index; read by the caller after {@link #close}. */
    private final java.util.Map<Integer, RgbImage> finished = new java.util.HashMap<>();

    FramePreviews(Vqgan vqgan, Consumer<ImagineEvent.Preview> listener) {
        this.vqgan = vqgan;
        this.listener = listener;
        this.thread = new Thread(this::loop, "lwm-frame-previews");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The codes of frame {@code frame} so far ({@code count} of 256); previews every few rows and at the end.
     *
     * @throws RuntimeException when decoding a complete frame failed, so that sampling stops at once
     */
    synchronized void codes(int frame, int[] codes, int count) {
        if (failure != null) {
            throw failure;
        }
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
            RgbImage image;
            try {
                image = decode(vqgan, job.codes());
            } catch (RuntimeException | Error e) {
                if (job.rows() < GRID) {
                    continue; // a preview that cannot be drawn is skipped; the complete frame decides
                }
                synchronized (this) {
                    failure = e instanceof RuntimeException r ? r
                            : new IllegalStateException("decoding frame " + job.frame() + " failed: " + e, e);
                    complete.clear();
                    closed = true;
                    notifyAll();
                }
                return;
            }
            if (job.rows() == GRID) {
                synchronized (this) {
                    finished.put(job.frame(), image);
                }
            }
            listener.accept(new ImagineEvent.Preview(job.frame(), job.rows(), image));
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
            closed = true; // the decoder thread is being shut down; queued complete frames are still decoded
        }
    }

    /** Waits until every complete frame is decoded (an interrupt does not cut it short); rethrows a failure. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The first {@code count} frames as decoded; call after {@link #close}. */
    synchronized java.util.List<RgbImage> frames(int count) {
        java.util.List<RgbImage> out = new java.util.ArrayList<>();
        for (int f = 0; f < count; f++) {
            RgbImage image = finished.get(f);
            if (image == null) {
                throw new IllegalStateException("frame " + f + " was sampled but not decoded");
            }
            out.add(image);
        }
        return out;
    }
}

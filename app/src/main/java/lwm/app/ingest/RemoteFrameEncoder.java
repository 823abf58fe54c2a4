package lwm.app.ingest;

import java.util.ArrayList;
import java.util.List;
import lwm.engine.remote.RemoteException;
import lwm.engine.remote.RemoteVqgan;
import lwm.media.RgbImage;

/** The backend's VQGAN: frames are uploaded as RGB bytes and encoded on its accelerators. */
public final class RemoteFrameEncoder implements FrameEncoder {
    private final RemoteVqgan vqgan;
    private final String backend;

    public RemoteFrameEncoder(RemoteVqgan vqgan, String backend) {
        this.vqgan = vqgan;
        this.backend = backend;
    }

    @Override
    public int batchFrames() {
        return RemoteVqgan.MAX_FRAMES_PER_CALL;
    }

    @Override
    public int[][] encode(List<RgbImage> frames) throws RemoteException {
        List<byte[]> rgb = new ArrayList<>(frames.size());
        frames.forEach(frame -> rgb.add(frame.pixels()));
        return vqgan.encode(rgb);
    }

    @Override
    public String name() {
        return "backend VQGAN at " + backend;
    }
}

package lwm.app.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import lwm.app.engine.Engines;
import lwm.engine.generate.CancellationToken;
import lwm.engine.remote.RemoteEngine;
import lwm.engine.remote.RemoteVqgan;
import lwm.engine.route.Route;
import lwm.engine.vqgan.Vqgan;
import lwm.media.SamplingPolicy;

/**
 * VQGAN codes of a model's attachments: from the content-addressed cache, else encoded here, or, when the request
 * runs on a backend holding the same VQGAN weights, on whichever of the two measures faster. The VQGAN is loaded
 * on first use and kept, and its file hashed once, so follow-up questions cost a cache lookup.
 */
public final class AttachmentEncoder implements AutoCloseable {
    /** Default size bound of the code cache. */
    public static final long CACHE_BYTES = 2L << 30;

    private final Engines engines;
    private final CodeCache cache;
    private Path vqganFile;
    private String vqganSha256;
    private Vqgan vqgan;

    public AttachmentEncoder(Engines engines, Path cacheDir) throws IOException {
        this.engines = engines;
        this.cache = new CodeCache(cacheDir, CACHE_BYTES);
    }

    /** Where codes are cached unless told otherwise: {@code ~/.cache/lwm-desktop/codes}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "lwm-desktop", "codes");
    }

    /** The codes of {@code file} under {@code policy}, reporting the plan and progress to {@code listener}. */
    public synchronized CachedCodes encode(Path file, SamplingPolicy policy, Route route,
            Consumer<IngestionEvent> listener, CancellationToken cancel) throws IOException {
        Vqgan loaded = vqgan();
        FrameEncoder encoder = new LocalFrameEncoder(loaded);
        RemoteEngine remote = engines.remote();
        RemoteVqgan remoteVqgan = route == Route.REMOTE && remote != null ? remote.vqgan() : null;
        if (remoteVqgan != null && remoteVqgan.weightsSha256().equals(vqganSha256())) {
            encoder = new FastestFrameEncoder(encoder, new RemoteFrameEncoder(remoteVqgan,
                    remote.config().baseUrl().toString()), message -> listener.accept(new IngestionEvent.Warning(message)));
        }
        return new IngestionJob(encoder, WeightsId.of(vqganFile), cache).run(file, policy, listener, cancel);
    }

    private Vqgan vqgan() throws IOException {
        if (vqgan == null) {
            vqganFile = VqganFiles.find(engines.modelDir());
            vqgan = VqganFiles.load(vqganFile, engines.precision(), VqganFiles.Use.READ);
        }
        return vqgan;
    }

    private String vqganSha256() throws IOException {
        if (vqganSha256 == null) {
            vqganSha256 = ContentHash.sha256(vqganFile);
        }
        return vqganSha256;
    }

    @Override
    public synchronized void close() {
        if (vqgan != null) {
            vqgan.close();
            vqgan = null;
        }
    }
}

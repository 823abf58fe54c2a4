package lwm.engine.vqgan;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import lwm.engine.model.Precision;
import lwm.engine.weights.Checkpoint;
import lwm.engine.weights.CheckpointException;
import lwm.engine.weights.PickledParamsFile;
import lwm.engine.weights.SafetensorsFile;

/**
 * A VQGAN's parameters as encoder and decoder layers, owned by one NDManager. Loads LWM's {@code vqgan} file (a
 * pickled Flax parameter tree of numpy arrays, read without executing anything) or the same tree as safetensors with
 * '/'-joined names; the format is recognised from the first bytes, the configuration from the parameter shapes.
 * Conv weights are stored in the precision's type, GroupNorm parameters and the codebook in F32.
 */
public final class VqganWeights implements AutoCloseable {
    private static final int PICKLE_PROTO = 0x80;
    private static final int SAFETENSORS_HEADER_START = 8;

    private final NDManager manager;
    private final VqganConfig config;
    private final Precision precision;
    private final Sequence encoder;
    private final Sequence decoder;
    private final Quantizer quantizer;

    private VqganWeights(NDManager manager, VqganConfig config, Precision precision, Sequence encoder,
            Sequence decoder, Quantizer quantizer) {
        this.manager = manager;
        this.config = config;
        this.precision = precision;
        this.encoder = encoder;
        this.decoder = decoder;
        this.quantizer = quantizer;
    }

    public static VqganWeights load(Path file, Precision precision) throws IOException {
        try (Checkpoint checkpoint = open(file)) {
            return load(checkpoint, file, precision);
        }
    }

    /** From an open checkpoint whose names are the '/'-joined Flax paths; {@code file} names it in errors. */
    public static VqganWeights load(Checkpoint checkpoint, Path file, Precision precision)
            throws CheckpointException {
        NDManager manager = NDManager.newBaseManager();
        try {
            ParameterSource params = new ParameterSource(checkpoint, file, manager, precision.dataType());
            VqganConfig config = Topology.config(params);
            Sequence encoder = Topology.encoder(params, config);
            Sequence decoder = Topology.decoder(params, config);
            Quantizer quantizer = Quantizer.of(params.codebook(config.numEmbeddings(), config.embedDim()));
            params.checkAllUsed(config);
            return new VqganWeights(manager, config, precision, encoder, decoder, quantizer);
        } catch (CheckpointException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A pickle starts with PROTO (0x80); safetensors with a header length, then its JSON header's '{'. */
    private static Checkpoint open(Path file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(SAFETENSORS_HEADER_START + 1);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int read;
            do {
                read = channel.read(head);
            } while (read >= 0 && head.hasRemaining());
        }
        if (head.position() > 0 && Byte.toUnsignedInt(head.get(0)) == PICKLE_PROTO) {
            return PickledParamsFile.open(file);
        }
        if (!head.hasRemaining() && head.get(SAFETENSORS_HEADER_START) == '{') {
            return SafetensorsFile.open(file);
        }
        throw CheckpointException.in(file, "neither a pickle (LWM's vqgan file, protocol 2 or later) nor a"
                + " safetensors file");
    }

    public VqganConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    NDManager manager() {
        return manager;
    }

    Sequence encoder() {
        return encoder;
    }

    Sequence decoder() {
        return decoder;
    }

    Quantizer quantizer() {
        return quantizer;
    }

    @Override
    public void close() {
        manager.close();
    }
}

package lwm.engine.weights;

import java.nio.file.Path;
import java.util.Set;

/** Random access by name to the tensors of one checkpoint (one file, or the shards of a model directory). */
public interface Checkpoint extends AutoCloseable {

    /** All tensor names, in file order where the format has one. */
    Set<String> names();

    /**
     * The tensor's bytes, zero-copy where the format allows.
     *
     * @throws CheckpointException if the name is unknown or the tensor is 2 GiB or larger (one ByteBuffer's limit)
     */
    RawTensor tensor(String name) throws CheckpointException;

    /** The file holding the tensor, for messages; null if the name is unknown. */
    Path file(String name);

    /** Releases file handles. Tensors already returned stay readable (mappings live until garbage-collected). */
    @Override
    void close();
}

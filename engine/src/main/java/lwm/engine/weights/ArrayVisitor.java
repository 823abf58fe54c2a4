package lwm.engine.weights;

import java.io.IOException;
import java.util.List;

/** Receives the arrays of a streaming params file one at a time, in file order. */
@FunctionalInterface
public interface ArrayVisitor {

    /**
     * @param keyPath the flattened Flax path, e.g. [transformer, h, scan_decoder, attention, wq, kernel]
     * @param dtype   element type as stored
     * @param shape   dimensions, outermost first
     * @param data    the elements; only valid during this call
     */
    void onArray(List<String> keyPath, DType dtype, long[] shape, ArrayStream data) throws IOException;
}

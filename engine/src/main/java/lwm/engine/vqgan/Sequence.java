package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.List;

/**
 * Layers run one after another, each inside its own {@link NDScope} so that its temporaries are freed as soon as it
 * returns, and each intermediate result closed once the next layer has consumed it: peak memory stays at a few
 * activations of the widest level instead of every activation of the whole network.
 */
record Sequence(List<Layer> layers) implements Layer {

    Sequence {
        layers = List.copyOf(layers);
    }

    @Override
    public NDArray apply(NDArray input) {
        NDArray x = input;
        for (Layer layer : layers) {
            NDArray next;
            try (NDScope scope = new NDScope()) {
                next = layer.apply(x);
                NDScope.unregister(next);
            }
            if (x != input) {
                x.close();
            }
            x = next;
        }
        return x;
    }
}

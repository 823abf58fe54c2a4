package lwm.engine.vqgan;

import ai.djl.ndarray.NDArray;

/** One step of the encoder or decoder on (N, C, H, W) activations in the compute type; never modifies its input. */
interface Layer {
    NDArray apply(NDArray x);
}

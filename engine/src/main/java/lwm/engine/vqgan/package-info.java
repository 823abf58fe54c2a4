/**
 * LWM's VQGAN on DJL (reference/lwm.md §3): {@link lwm.engine.vqgan.Vqgan} turns 256 × 256 frames into 16 × 16 codes
 * and codes back into pixels; {@link lwm.engine.vqgan.VqganWeights} loads LWM's pickled {@code vqgan} file or the
 * same parameters as safetensors.
 *
 * <p>Activations are torch (N, C, H, W) tensors with channels-last strides, NHWC in memory like LWM's Flax arrays:
 * oneDNN's convs run fastest that way, and frames and pixels cross the JNI boundary without a transpose copy. Conv
 * weights are Flax's HWIO kernels rearranged at load to the matching (out, in, kh, kw) channels-last layout. GroupNorm
 * (32 groups, eps 1e-6) and SiLU run in F32 in every precision; in F16 the convs, residual sums and resampling run in
 * F16. Every layer runs in its own NDScope, so activations are freed as soon as the next layer has used them.
 */
package lwm.engine.vqgan;

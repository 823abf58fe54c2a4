/**
 * Checkpoint readers: everything between a weights file on disk and little-endian tensor bytes in memory.
 *
 * <ul>
 *   <li>{@link lwm.engine.weights.SafetensorsFile}, {@link lwm.engine.weights.TorchBinFile} and
 *       {@link lwm.engine.weights.ShardedCheckpoint}: Hugging Face layouts, random access by name, tensors as
 *       zero-copy slices of memory-mapped files.</li>
 *   <li>{@link lwm.engine.weights.StreamingParamsReader}: LWM's Jax {@code params} (streaming msgpack), read
 *       sequentially because single records exceed 2 GiB.</li>
 *   <li>{@link lwm.engine.weights.TensorConversions}: BF16/F16/F32 into direct native-order buffers for DJL, which
 *       must never see BF16.</li>
 * </ul>
 *
 * <p>All input is untrusted: sizes are checked against the file before anything is allocated, pickles are
 * interpreted without executing code, and every defect surfaces as a {@link lwm.engine.weights.CheckpointException}
 * naming the file and, where known, the tensor or record.
 */
package lwm.engine.weights;

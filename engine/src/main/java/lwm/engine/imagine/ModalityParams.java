package lwm.engine.imagine;

/**
 * LWM's per-modality sampling knobs (reference/lwm.md §4.3): {@code temperature_image/video},
 * {@code top_k_image/video}, {@code cfg_scale_image/video}.
 *
 * @param topK 0 keeps every id
 * @param cfgScale classifier-free guidance: logits = uncond + cfgScale · (cond − uncond); 1 is the conditional row
 *     alone
 */
public record ModalityParams(float temperature, int topK, float cfgScale) {
    /** {@code run_sample_image.sh}: temperature 1, top-k 8192, guidance 5. */
    public static final ModalityParams IMAGE = new ModalityParams(1f, 8192, 5f);
    /** {@code run_sample_video.sh} and the README example: temperature 1, top-k 1000, guidance 1. */
    public static final ModalityParams VIDEO = new ModalityParams(1f, 1000, 1f);

    public ModalityParams {
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!Float.isFinite(cfgScale) || cfgScale < 0) {
            throw new IllegalArgumentException("guidance scale must be a finite number >= 0, got " + cfgScale);
        }
    }

    public ModalityParams withCfgScale(float scale) {
        return new ModalityParams(temperature, topK, scale);
    }
}

package lwm.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What LWM's Jax parameter files do not record: heads, RoPE theta, max_sequence_length and eps.
 * Taken from {@code lwm_config.json} beside the file when present, otherwise from the released model's name
 * (reference/lwm.md §1.2: the README's theta per text model, 50M in every vision script).
 *
 * @param numHeads 0 when unknown: the 7b layout's head dimension of 128 then decides
 * @param releasedModel the released model the directory name matched (e.g. {@code LWM-Chat-32K}); null when the
 *     settings come from {@code lwm_config.json}
 */
record JaxSettings(int numHeads, double ropeTheta, int maxSequenceLength, float rmsNormEps, String releasedModel) {
    static final String CONFIG_FILE = "lwm_config.json";
    static final float LWM_EPS = 1e-6f;
    static final int LWM_HEAD_DIM = 128;

    private static final Pattern RELEASED = Pattern.compile("LWM-(Text-Chat|Text|Chat)-(32K|128K|256K|512K|1M)",
            Pattern.CASE_INSENSITIVE);

    /** @param weights the checkpoint file in {@code modelDir}, named in errors */
    JaxSettings {
        LlamaConfig.checkHeads(numHeads, 0);
        LlamaConfig.checkRopeTheta(ropeTheta);
        LlamaConfig.checkSequenceLength(maxSequenceLength);
        LlamaConfig.checkRmsNormEps(rmsNormEps);
    }

    static JaxSettings resolve(Path modelDir, Path weights) throws IOException {
        Path file = modelDir.resolve(CONFIG_FILE);
        if (Files.exists(file)) {
            return fromFile(file);
        }
        Path name = modelDir.toAbsolutePath().normalize().getFileName();
        Matcher m = RELEASED.matcher(name == null ? "" : name.toString());
        if (m.find()) {
            return fromReleasedName(m.group(1), m.group(2).toUpperCase(Locale.ROOT), modelDir);
        }
        throw new InvalidModelException(weights + ": the Jax checkpoint does not record rope_theta "
                + "and max_sequence_length; name the directory after the released model (e.g. LWM-Text-Chat-1M) or add "
                + CONFIG_FILE + " with rope_theta and max_sequence_length");
    }

    /**
     * The configuration of a Jax tree with these sizes (read from {@code weights}' arrays) under these settings;
     * an error naming {@code weights} when they are implausible.
     */
    LlamaConfig config(Path weights, int hidden, int intermediate, int layers, int vocab, int visionVocab)
            throws InvalidModelException {
        try {
            return new LlamaConfig(hidden, intermediate, layers, headsFor(hidden, weights), vocab, visionVocab,
                    ropeTheta, rmsNormEps, maxSequenceLength);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(weights + ": " + e.getMessage());
        }
    }

    /**
     * The heads {@code lwm_config.json} gives, else as many as LWM's 128-wide heads fit (its 7b layout); either way
     * heads of even size (RoPE rotates pairs) that tile {@code hiddenSize}, or an error naming the file at fault.
     */
    int headsFor(int hiddenSize, Path weights) throws InvalidModelException {
        if (numHeads > 0) {
            if (hiddenSize % numHeads != 0 || hiddenSize / numHeads % 2 != 0) {
                throw new InvalidModelException(weights.resolveSibling(CONFIG_FILE) + ": num_attention_heads "
                        + numHeads + " does not split hidden size " + hiddenSize + " of " + weights.getFileName()
                        + " into heads of even size");
            }
            return numHeads;
        }
        if (hiddenSize < LWM_HEAD_DIM || hiddenSize % LWM_HEAD_DIM != 0) {
            throw new InvalidModelException(weights + ": hidden size " + hiddenSize + " is not a multiple of LWM's "
                    + "head dimension " + LWM_HEAD_DIM + "; give num_attention_heads in " + CONFIG_FILE);
        }
        return hiddenSize / LWM_HEAD_DIM;
    }

    /**
     * Settings taken from a released name are only right for that family: a vision tree (LWM-Chat, theta 50M) in a
     * directory named like a text model would silently get the text model's theta, and vice versa.
     */
    void checkFamily(boolean vision, Path weights) throws InvalidModelException {
        if (releasedModel != null && isVisionName(releasedModel) != vision) {
            throw new InvalidModelException(weights + ": the directory name says " + releasedModel + ", a "
                    + (vision ? "text" : "vision") + " model, but the checkpoint " + (vision ? "has" : "lacks")
                    + " the vision embedding and head; rename the directory or add " + CONFIG_FILE);
        }
    }

    private static boolean isVisionName(String model) {
        return model.regionMatches(true, 0, "LWM-Chat-", 0, "LWM-Chat-".length());
    }

    private static JaxSettings fromFile(Path file) throws IOException {
        JsonNode json = HfConfigReader.readJson(file);
        int heads = json.has("num_attention_heads") ? HfConfigReader.requiredInt(json, "num_attention_heads", file) : 0;
        double theta = HfConfigReader.requiredNumber(json, "rope_theta", file);
        int length = HfConfigReader.requiredInt(json, "max_sequence_length", file);
        float eps = json.has("rms_norm_eps") ? (float) HfConfigReader.requiredNumber(json, "rms_norm_eps", file) : LWM_EPS;
        try {
            return new JaxSettings(heads, theta, length, eps, null);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(file + ": " + e.getMessage());
        }
    }

    private static JaxSettings fromReleasedName(String family, String context, Path dir) throws InvalidModelException {
        String model = "LWM-" + family + "-" + context;
        boolean vision = isVisionName(model);
        int length;
        switch (context) {
            case "32K": length = 32768; break;
            case "128K": length = 131072; break;
            case "256K": length = 262144; break;
            case "512K": length = 524288; break;
            default: length = 1048576; break;
        }
        double theta;
        if (vision) {
            theta = 50_000_000;
        } else if (length <= 262144) {
            theta = 10_000_000;
        } else if (length == 524288) {
            theta = 25_000_000;
        } else {
            theta = 50_000_000;
        }
        if (!vision && length == 32768) {
            throw new InvalidModelException(dir + ": there is no released LWM-Text 32K model; add " + CONFIG_FILE);
        }
        return new JaxSettings(0, theta, length, LWM_EPS, model);
    }
}

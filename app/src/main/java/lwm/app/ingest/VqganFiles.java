package lwm.app.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.VisionTokens;
import lwm.engine.vqgan.Vqgan;

/** Where a vision model keeps its VQGAN: LWM's {@code vqgan} pickle, or the same tree as safetensors. */
public final class VqganFiles {
    private VqganFiles() {}

    /** What the VQGAN is loaded for: reading attachments into codes, or drawing generated codes. */
    public enum Use {
        /** Every code it produces must be one of the vision vocabulary's 8192 code ids. */
        READ,
        /** Every one of the 8192 code ids the model can sample must be a row of its codebook. */
        DRAW
    }

    /**
     * Loads {@code file}, refused naming it when its codebook does not fit LWM's vision vocabulary for {@code use}:
     * a larger codebook yields codes the model cannot be given, a smaller one cannot draw every code it samples.
     */
    public static Vqgan load(Path file, Precision precision, Use use) throws IOException {
        Vqgan vqgan = Vqgan.load(file, precision);
        int rows = vqgan.config().numEmbeddings();
        int codes = VisionTokens.CODEBOOK_SIZE;
        if (rows > codes || use == Use.DRAW && rows < codes) {
            vqgan.close();
            throw new IllegalArgumentException(file + ": the VQGAN's codebook has " + rows + " rows but LWM's vision "
                    + "vocabulary has " + codes + " codes, so " + (rows > codes
                            ? "codes from " + codes + " up could not be given to the model"
                            : "codes from " + rows + " up could not be drawn"));
        }
        return vqgan;
    }

    public static Path find(Path modelDir) {
        for (String name : new String[] {"vqgan", "vqgan.safetensors"}) {
            Path file = modelDir.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new IllegalArgumentException(modelDir.resolve("vqgan")
                + ": not found; images and videos need LWM's VQGAN beside the model (vqgan or vqgan.safetensors)");
    }
}

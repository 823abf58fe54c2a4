package lwm.engine.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings of released Jax models by directory name (reference/lwm.md §1.2), and the family cross-check. */
class JaxSettingsTest {
    @TempDir
    Path temp;

    private JaxSettings resolve(String dirName) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(dirName));
        return JaxSettings.resolve(dir, dir.resolve("params"));
    }

    @Test
    void visionModelsUseTheta50MAndTheirContextLength() throws IOException {
        JaxSettings chat32k = resolve("LWM-Chat-32K-Jax");
        assertEquals(50_000_000, chat32k.ropeTheta());
        assertEquals(32768, chat32k.maxSequenceLength());
        assertEquals(1e-6f, chat32k.rmsNormEps());
        assertEquals(131072, resolve("LWM-Chat-128K-Jax").maxSequenceLength());
        JaxSettings chat1m = resolve("lwm-chat-1m-jax");
        assertEquals(50_000_000, chat1m.ropeTheta());
        assertEquals(1048576, chat1m.maxSequenceLength());
    }

    @Test
    void textModelsUseTheReadmeTheta() throws IOException {
        assertEquals(10_000_000, resolve("LWM-Text-Chat-128K-Jax").ropeTheta());
        assertEquals(25_000_000, resolve("LWM-Text-512K-Jax").ropeTheta());
        assertEquals(50_000_000, resolve("LWM-Text-1M-Jax").ropeTheta());
    }

    @Test
    void aTreeOfTheOtherFamilyThanTheNameIsRejected() throws IOException {
        JaxSettings vision = resolve("LWM-Chat-32K-Jax");
        assertDoesNotThrow(() -> vision.checkFamily(true, temp.resolve("params")));
        InvalidModelException textTree = assertThrows(InvalidModelException.class,
                () -> vision.checkFamily(false, temp.resolve("params")));
        assertTrue(textTree.getMessage().contains("LWM-Chat-32K") && textTree.getMessage().contains("lacks"),
                textTree.getMessage());
        JaxSettings text = resolve("LWM-Text-Chat-1M-Jax");
        assertDoesNotThrow(() -> text.checkFamily(false, temp.resolve("params")));
        assertThrows(InvalidModelException.class, () -> text.checkFamily(true, temp.resolve("params")));
    }

    @Test
    void lwmConfigJsonWinsAndAllowsEitherFamily() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("LWM-Text-128K-converted"));
        Files.writeString(dir.resolve(JaxSettings.CONFIG_FILE),
                "{\"rope_theta\": 50000000, \"max_sequence_length\": 4096, \"num_attention_heads\": 4}");
        JaxSettings settings = JaxSettings.resolve(dir, dir.resolve("params.safetensors"));
        assertEquals(50_000_000, settings.ropeTheta());
        assertEquals(4, settings.headsFor(64, dir.resolve("params.safetensors")));
        assertNull(settings.releasedModel());
        assertDoesNotThrow(() -> settings.checkFamily(true, dir));
    }

    @Test
    void anUnnamedDirectoryWithoutConfigNamesTheCheckpoint() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("my-model"));
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> JaxSettings.resolve(dir, dir.resolve("params.safetensors")));
        assertTrue(e.getMessage().startsWith(dir.resolve("params.safetensors").toString()), e.getMessage());
    }
}

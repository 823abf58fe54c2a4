package lwm.test.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lwm.engine.weights.Checkpoint;
import lwm.engine.weights.PickledParamsFile;
import lwm.engine.weights.RawTensor;
import lwm.engine.weights.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Python's pickles (every protocol written) hold exactly the tensors of the safetensors file, byte for byte. */
class VqganFormatsTest {

    static Stream<Arguments> pickles() {
        List<Arguments> out = new ArrayList<>();
        for (String name : VqganFixtures.CONFIGS) {
            for (String file : VqganFixtures.config(name).weightFiles()) {
                if (!file.endsWith(".safetensors")) {
                    out.add(Arguments.of(name, file));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pickles")
    void pickleHoldsTheSafetensorsTensors(String name, String file) throws IOException {
        VqganFixtures.Config config = VqganFixtures.config(name);
        try (Checkpoint pickle = PickledParamsFile.open(config.weights(file));
                Checkpoint safetensors = SafetensorsFile.open(config.weights("vqgan.safetensors"))) {
            assertEquals(safetensors.names(), pickle.names());
            for (String tensor : safetensors.names()) {
                RawTensor expected = safetensors.tensor(tensor);
                RawTensor actual = pickle.tensor(tensor);
                assertEquals(expected.dtype(), actual.dtype(), tensor);
                assertArrayEquals(expected.shape(), actual.shape(), tensor);
                assertEquals(expected.data(), actual.data(), tensor + ": data differs");
            }
        }
    }
}

package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import lwm.engine.model.LlamaConfig;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelFootprint;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The router's memory estimate, read without loading weights, agrees across formats and with the loaded model. */
class FootprintTest {
    @ParameterizedTest
    @ValueSource(strings = {"s2x64", "s4x256", "long"})
    void everyFormatGivesTheLoadedModelsSizes(String shape) throws Exception {
        LlamaConfig config;
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, "hf-f32"), Precision.F32)) {
            config = loaded.model().config();
        }
        for (String format : Fixtures.EXACT_FORMATS) {
            ModelFootprint footprint = ModelLoader.footprint(Fixtures.model(shape, format));
            String where = shape + "/" + format;
            assertEquals(config.parameterCount(), footprint.parameters(), where);
            assertEquals(config.kvBytesPerToken(), footprint.kvBytesPerToken(), where);
            assertEquals(config.maxSequenceLength(), footprint.maxSequenceLength(), where);
        }
    }
}

package lwm.engine.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The layers whose exact semantics LWM fixes (lwm.md §3.3, §3.4), on inputs small enough to check by hand. */
class LayersTest {
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    /** A one-channel 3×3 conv that copies the input pixel at kernel position (row, column). */
    private Conv picker(int row, int column, int stride, int padding) {
        float[] kernel = new float[9];
        kernel[row * 3 + column] = 1f;
        return new Conv(manager.create(kernel, new Shape(1, 1, 3, 3)), manager.zeros(new Shape(1)), stride, padding);
    }

    private NDArray ramp4x4() {
        return manager.arange(0f, 16f).reshape(1, 1, 4, 4);
    }

    @Test
    void downsamplePadsOnlyBottomAndRight() {
        // Output (i, j) sees padded rows/columns 2i..2i+2: the centre tap reads x[2i+1][2j+1].
        NDArray centre = new Downsample(picker(1, 1, 2, 0)).apply(ramp4x4());
        assertArrayEquals(new float[] {5, 7, 13, 15}, centre.toFloatArray());
        // The bottom-right tap of the last output reads the zero padding.
        NDArray corner = new Downsample(picker(2, 2, 2, 0)).apply(ramp4x4());
        assertArrayEquals(new float[] {10, 0, 0, 0}, corner.toFloatArray());
        // The top-left tap never touches padding: no row or column is added at the top or left.
        NDArray origin = new Downsample(picker(0, 0, 2, 0)).apply(ramp4x4());
        assertArrayEquals(new float[] {0, 2, 8, 10}, origin.toFloatArray());
    }

    @Test
    void upsampleRepeatsEachPixelTwiceEachWay() {
        NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
        NDArray up = new Upsample(picker(1, 1, 1, 1)).apply(x);
        assertEquals(new Shape(1, 1, 4, 4), up.getShape());
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, up.toFloatArray());
    }

    @Test
    void sameConvPadsOnePixelEverySide() {
        NDArray out = picker(0, 0, 1, Conv.samePadding(3)).apply(ramp4x4());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 1, 2, 0, 4, 5, 6, 0, 8, 9, 10}, out.toFloatArray());
    }

    /** Two frames, channels-last as the model runs them, against the definition in double precision. */
    @Test
    void groupNormSiluMatchesTheDefinition() {
        int frames = 2;
        int channels = 64;
        int side = 3;
        int pixels = side * side;
        Random random = new Random(5);
        float[] nhwc = new float[frames * pixels * channels];
        float[] scale = new float[channels];
        float[] bias = new float[channels];
        for (int i = 0; i < nhwc.length; i++) {
            nhwc[i] = (float) (random.nextGaussian() * 3 + 1);
        }
        for (int c = 0; c < channels; c++) {
            scale[c] = 0.5f + random.nextFloat();
            bias[c] = (float) random.nextGaussian();
        }
        GroupNormSilu norm = new GroupNormSilu(manager.create(scale), manager.create(bias), DataType.FLOAT32);
        NDArray input = manager.create(nhwc, new Shape(frames, side, side, channels)).transpose(0, 3, 1, 2);
        float[] actual = norm.apply(input).transpose(0, 2, 3, 1).toFloatArray();

        int perGroup = channels / VqganConfig.GROUPS;
        for (int f = 0; f < frames; f++) {
            for (int g = 0; g < VqganConfig.GROUPS; g++) {
                double sum = 0;
                double squares = 0;
                for (int p = 0; p < pixels; p++) {
                    for (int k = 0; k < perGroup; k++) {
                        sum += nhwc[(f * pixels + p) * channels + g * perGroup + k];
                    }
                }
                double mean = sum / (pixels * perGroup);
                for (int p = 0; p < pixels; p++) {
                    for (int k = 0; k < perGroup; k++) {
                        squares += Math.pow(nhwc[(f * pixels + p) * channels + g * perGroup + k] - mean, 2);
                    }
                }
                double inverse = 1 / Math.sqrt(squares / (pixels * perGroup) + GroupNormSilu.EPS);
                for (int p = 0; p < pixels; p++) {
                    for (int k = 0; k < perGroup; k++) {
                        int c = g * perGroup + k;
                        int i = (f * pixels + p) * channels + c;
                        double y = (nhwc[i] - mean) * inverse * scale[c] + bias[c];
                        assertEquals(y / (1 + Math.exp(-y)), actual[i], 1e-5, "frame " + f + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void quantizerPicksTheNearestRowAndTheLowestIndexOnTies() {
        float[] rows = {
            0, 0, //
            3, 4, //
            1, 1, //
            3, 4, // same as row 1
            -2, 0,
        };
        Quantizer quantizer = Quantizer.of(manager.create(rows, new Shape(5, 2)));
        NDArray latents = manager.create(new float[] {0.1f, 0.2f, 2.9f, 4.2f, 0.6f, 0.6f, -5, 0}, new Shape(4, 2));
        assertArrayEquals(new long[] {0, 1, 2, 4}, quantizer.codes(latents));
        assertArrayEquals(new float[] {3, 4, -2, 0}, quantizer.lookup(manager, new long[] {3, 4}).toFloatArray());
    }
}

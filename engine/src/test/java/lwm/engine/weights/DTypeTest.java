package lwm.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DTypeTest {
    @Test
    void looksUpEveryFormatsNames() throws CheckpointException {
        assertEquals(DType.BF16, DType.fromSafetensors("BF16"));
        assertEquals(DType.F16, DType.fromSafetensors("F16"));
        assertEquals(DType.BOOL, DType.fromSafetensors("BOOL"));
        assertEquals(DType.F32, DType.fromTorchStorage("FloatStorage"));
        assertEquals(DType.F16, DType.fromTorchStorage("HalfStorage"));
        assertEquals(DType.BF16, DType.fromTorchStorage("BFloat16Storage"));
        assertEquals(DType.I8, DType.fromTorchStorage("CharStorage"));
        assertEquals(DType.U8, DType.fromTorchStorage("ByteStorage"));
        assertEquals(DType.BF16, DType.fromNumpy("bfloat16"));
        assertEquals(DType.F64, DType.fromNumpy("float64"));
        assertEquals(DType.I64, DType.fromNumpy("int64"));
        assertEquals(8, DType.F64.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(1, DType.BOOL.byteSize());
    }

    @Test
    void rejectsUnknownNames() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> DType.fromSafetensors("F8_E5M2"));
        assertTrue(e.getMessage().contains("unknown safetensors dtype 'F8_E5M2'"), e.getMessage());
        assertThrows(CheckpointException.class, () -> DType.fromTorchStorage("ComplexFloatStorage"));
        assertThrows(CheckpointException.class, () -> DType.fromNumpy("complex64"));
        assertThrows(CheckpointException.class, () -> DType.fromNumpy("F32"), "names are per format");
    }
}

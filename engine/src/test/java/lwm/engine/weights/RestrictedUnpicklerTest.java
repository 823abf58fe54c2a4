package lwm.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import lwm.engine.weights.RestrictedUnpickler.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RestrictedUnpicklerTest {
    private static final Path FILE = Path.of("test.bin");

    private static Object load(PickleWriter p) throws CheckpointException {
        return RestrictedUnpickler.load(FILE, "data.pkl", p.op('.').toByteArray());
    }

    @Test
    void decodesScalarsAndContainers() throws CheckpointException {
        PickleWriter p = new PickleWriter().proto(2).op(']').put().op('(')
                .integer(7).integer(300).integer(70000).integer(-70000).integer(1L << 40).integer(Long.MIN_VALUE)
                .op(0x8a).op(2).op(0x00).op(0x80) // LONG1 0x8000 in two bytes: -32768
                .op(0x8a).op(0) // LONG1 of no bytes: 0
                .binFloat(-2.5).op('N').op(0x88).op(0x89).str("h\u00e9").shortStr("s").str8("long")
                .intTuple(1, 2).intTuple(1, 2, 3, 4)
                .op('e').get(0).op('a');
        List<?> list = assertInstanceOf(List.class, load(p));
        assertEquals(Arrays.asList(7L, 300L, 70000L, -70000L, 1L << 40, Long.MIN_VALUE, -32768L, 0L, -2.5, null,
                true, false, "h\u00e9", "s", "long", new Tuple(List.of(1L, 2L)), new Tuple(List.of(1L, 2L, 3L, 4L))),
                list.subList(0, list.size() - 1));
        assertSame(list, list.get(list.size() - 1), "BINGET returns the memoized object itself");
    }

    @Test
    void buildsDictsWithSetitemAndSetitems() throws CheckpointException {
        PickleWriter p = new PickleWriter().proto(2).global("collections", "OrderedDict").op(')').op('R')
                .str("a").integer(1).op('s').op('(').str("b").integer(2).str("c").integer(3).op('u')
                .op('}').str("_metadata").op('}').op('s').op('b');
        assertEquals(Map.of("a", 1L, "b", 2L, "c", 3L), load(p));
    }
}

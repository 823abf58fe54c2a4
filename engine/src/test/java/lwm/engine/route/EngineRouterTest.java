package lwm.engine.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lwm.engine.model.LlamaConfig;
import lwm.engine.model.ModelFootprint;
import lwm.engine.model.Precision;
import lwm.engine.remote.BackendConfig;
import lwm.engine.remote.RemoteEngine;
import org.junit.jupiter.api.Test;

/** Routing decisions for LWM-7B's shape (reference/lwm.md §1.1) against budgets a desktop might have. */
class EngineRouterTest {
    private static final long GIB = 1L << 30;
    /** LWM-Text-1M: 32 layers × 4096, vocab 32000, max_sequence_length 2^20. */
    private static final ModelFootprint LWM_7B = footprint(new LlamaConfig(4096, 11008, 32, 32, 32000, 0, 5e7, 1e-6f,
            1 << 20));

    private static ModelFootprint footprint(LlamaConfig c) {
        return ModelFootprint.of(c, c.parameterCount());
    }

    @Test
    void aShortPromptRunsLocallyAndSaysWhy() {
        EngineRouter router = new EngineRouter(LWM_7B, Precision.F16, 24 * GIB, null);
        RoutingDecision decision = router.decide(2000, 512, EngineRouter.Mode.AUTO);
        assertEquals(Route.LOCAL, decision.route());
        assertTrue(decision.reason().startsWith("local: 2512 tokens need"), decision.reason());
        assertTrue(decision.localBytes() < 24 * GIB);
    }

    @Test
    void anHourOfVideoDoesNotFitADesktopAndTheErrorSaysHowToMakeItFit() {
        EngineRouter router = new EngineRouter(LWM_7B, Precision.F32, 24 * GIB, null);
        DoesNotFitException error = assertThrows(DoesNotFitException.class,
                () -> router.decide(925_200, 512, EngineRouter.Mode.AUTO));
        String message = error.getMessage();
        assertTrue(message.contains("over the 24.00 GiB local budget"), message);
        assertTrue(message.contains("no backend is configured"), message);
        assertTrue(message.contains("--precision f16") && message.contains("--backend URL"), message);
        // 24 GiB minus 25 GiB of f32 weights leaves nothing for the cache.
        assertEquals(0, error.maxLocalTokens());
        DoesNotFitException f16 = assertThrows(DoesNotFitException.class,
                () -> new EngineRouter(LWM_7B, Precision.F16, 24 * GIB, null).decide(925_200, 512, EngineRouter.Mode.AUTO));
        assertTrue(f16.maxLocalTokens() > 5000 && f16.maxLocalTokens() < 20000, "f16 leaves room for "
                + f16.maxLocalTokens() + " tokens at 0.5 MiB per token");
    }

    @Test
    void aPromptPastTheModelsContextIsRefusedEvenWithMemoryToSpare() {
        EngineRouter router = new EngineRouter(LWM_7B, Precision.F16, 1L << 50, null);
        DoesNotFitException error = assertThrows(DoesNotFitException.class,
                () -> router.decide(1 << 20, 16, EngineRouter.Mode.AUTO));
        assertTrue(error.getMessage().contains("max_sequence_length of 1048576"), error.getMessage());
    }

    @Test
    void anUnhealthyBackendIsNamedAsTheReason() {
        RemoteEngine unreachable = new RemoteEngine(BackendConfig.of("http://127.0.0.1:9", "secret-token"));
        EngineRouter router = new EngineRouter(LWM_7B, Precision.F16, 24 * GIB, unreachable);
        DoesNotFitException error = assertThrows(DoesNotFitException.class,
                () -> router.decide(925_200, 512, EngineRouter.Mode.AUTO));
        assertTrue(error.getMessage().contains("the backend http://127.0.0.1:9 is not healthy"), error.getMessage());
        assertTrue(!error.getMessage().contains("secret-token"));
        assertThrows(DoesNotFitException.class, () -> router.decide(10, 1, EngineRouter.Mode.REMOTE));
    }

    @Test
    void routeLocalRefusesWhatDoesNotFitInsteadOfSendingItAway() {
        EngineRouter router = new EngineRouter(LWM_7B, Precision.F16, 24 * GIB, null);
        DoesNotFitException error = assertThrows(DoesNotFitException.class,
                () -> router.decide(200_000, 16, EngineRouter.Mode.LOCAL));
        assertTrue(error.getMessage().contains("--route local was given"), error.getMessage());
    }
}

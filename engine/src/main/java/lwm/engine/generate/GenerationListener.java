package lwm.engine.generate;

/** Receives {@link GenerationEvent}s on the generating thread; keep it quick. */
@FunctionalInterface
public interface GenerationListener {
    GenerationListener NONE = event -> {};

    void onEvent(GenerationEvent event);
}

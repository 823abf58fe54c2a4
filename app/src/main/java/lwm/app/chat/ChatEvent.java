package lwm.app.chat;

import lwm.app.ingest.IngestionEvent;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.route.RoutingDecision;

/** What a turn reports while it runs, in order: the route, each attachment's ingestion, then the generation. */
public sealed interface ChatEvent {
    /** Where the turn runs and why, decided before any decoding. */
    record Routed(RoutingDecision decision) implements ChatEvent {}

    record Ingestion(IngestionEvent event) implements ChatEvent {}

    record Generation(GenerationEvent event) implements ChatEvent {}
}

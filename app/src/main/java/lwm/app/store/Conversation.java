package lwm.app.store;

import java.time.Instant;

/** A conversation of the sidebar. */
public record Conversation(long id, String title, Instant created, Instant updated) {}

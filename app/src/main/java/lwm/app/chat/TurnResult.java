package lwm.app.chat;

import lwm.app.store.Message;

/** How a turn ended: the stored answer's id, its text and status, and its figures (null when it failed early). */
public record TurnResult(long answerId, String text, Message.Status status, TurnStats stats) {}

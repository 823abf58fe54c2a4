package lwm.app.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lwm.app.store.Message.Role;
import lwm.app.store.Message.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationStoreTest {
    @TempDir
    Path dir;

    private static final Attachment CLIP = new Attachment("/data/clip.mp4", 1234, "ab".repeat(32), "video",
            "{\"frames\":30}");

    @Test
    void keepsConversationsMessagesAndAttachmentsAcrossReopening() {
        Path file = dir.resolve("sub/store.db");
        long id;
        try (ConversationStore store = ConversationStore.open(file)) {
            Conversation c = store.createConversation("Shapes");
            id = c.id();
            store.addQuestion(id, "What color is the square?", List.of(CLIP));
            long answer = store.startAnswer(id);
            store.updateAnswer(answer, "Re");
            store.finishAnswer(answer, "Red.", Status.COMPLETE, "{\"route\":\"local\"}");
        }
        try (ConversationStore store = ConversationStore.open(file)) {
            assertEquals(0, store.interruptedOnOpen());
            List<Message> messages = store.messages(id);
            assertEquals(2, messages.size());
            Message q = messages.get(0);
            assertEquals(Role.USER, q.role());
            assertEquals("What color is the square?", q.text());
            assertEquals(List.of(CLIP), q.attachments());
            Message a = messages.get(1);
            assertEquals(Role.ASSISTANT, a.role());
            assertEquals("Red.", a.text());
            assertEquals(Status.COMPLETE, a.status());
            assertEquals("{\"route\":\"local\"}", a.stats());
            assertEquals(1, a.seq());
        }
    }

    @Test
    void anAnswerLeftStreamingIsMarkedInterruptedWithItsText() {
        Path file = dir.resolve("store.db");
        long id;
        try (ConversationStore store = ConversationStore.open(file)) {
            id = store.createConversation("c").id();
            store.addQuestion(id, "q", List.of());
            store.updateAnswer(store.startAnswer(id), "half an ans");
        }
        try (ConversationStore store = ConversationStore.open(file)) {
            assertEquals(1, store.interruptedOnOpen());
            Message a = store.messages(id).get(1);
            assertEquals(Status.INTERRUPTED, a.status());
            assertEquals("half an ans", a.text());
        }
    }

    @Test
    void listsTheMostRecentlyActiveFirstAndSearchesTitlesAndMessages() {
        try (ConversationStore store = ConversationStore.open(dir.resolve("store.db"))) {
            Conversation a = store.createConversation("Holiday video");
            Conversation b = store.createConversation("Needles");
            Conversation c = store.createConversation("100% literal_match");
            store.addQuestion(a.id(), "Which way does the CAR move?", List.of());
            assertEquals(List.of(a.id(), c.id(), b.id()), ids(store.conversations()));
            assertEquals(List.of(a.id()), ids(store.search("car")));
            assertEquals(List.of(b.id()), ids(store.search("needle")));
            assertEquals(List.of(c.id()), ids(store.search("0% l")), "% is literal");
            assertEquals(List.of(c.id()), ids(store.search("l_m")), "_ is literal");
            assertEquals(List.of(), ids(store.search("lxm")));
        }
    }

    @Test
    void renamesDeletesAndTruncates() {
        try (ConversationStore store = ConversationStore.open(dir.resolve("store.db"))) {
            Conversation a = store.createConversation("old");
            Conversation b = store.createConversation("other");
            store.addQuestion(a.id(), "one", List.of(CLIP));
            store.finishAnswer(store.startAnswer(a.id()), "two", Status.STOPPED, null);
            store.addQuestion(a.id(), "three", List.of());
            store.rename(a.id(), "new");
            assertEquals("new", store.conversations().get(0).title());

            store.truncate(a.id(), 1);
            List<Message> left = store.messages(a.id());
            assertEquals(1, left.size());
            assertEquals("one", left.get(0).text());
            store.addQuestion(a.id(), "again", List.of());
            assertEquals(1, store.messages(a.id()).get(1).seq(), "positions continue after a truncation");

            store.delete(a.id());
            assertEquals(List.of(b.id()), ids(store.conversations()));
            assertEquals(List.of(), store.messages(a.id()));
        }
    }

    @Test
    void migratesAfterABackupAndRefusesANewerSchema() throws Exception {
        Path file = dir.resolve("store.db");
        long id;
        try (ConversationStore store = ConversationStore.open(file)) {
            id = store.createConversation("kept").id();
            assertNull(store.backup(), "a new store needs no backup");
        }
        List<String> next = new ArrayList<>(Schema.MIGRATIONS);
        next.add("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0");
        try (ConversationStore store = ConversationStore.open(file, next)) {
            assertNotNull(store.backup());
            assertEquals(file.resolveSibling("store.db.v" + Schema.MIGRATIONS.size() + ".bak"), store.backup());
            assertEquals("kept", store.conversations().get(0).title());
        }
        try (ConversationStore backup = ConversationStore.open(file.resolveSibling("store.db.v" + Schema.MIGRATIONS.size() + ".bak"))) {
            assertEquals(id, backup.conversations().get(0).id());
        }
        byte[] before = Files.readAllBytes(file);
        StoreException newer = assertThrows(StoreException.class, () -> ConversationStore.open(file));
        assertTrue(newer.getMessage().contains(file.toString()) && newer.getMessage().contains("newer"),
                newer.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "a newer store is left untouched");
    }

    @Test
    void aFailedMigrationRollsBackAndNamesTheBackup() {
        Path file = dir.resolve("store.db");
        try (ConversationStore store = ConversationStore.open(file)) {
            store.createConversation("kept");
        }
        List<String> broken = new ArrayList<>(Schema.MIGRATIONS);
        broken.add("ALTER TABLE conversations ADD COLUMN pinned INTEGER; ALTER TABLE nowhere ADD COLUMN x INTEGER");
        StoreException e = assertThrows(StoreException.class, () -> ConversationStore.open(file, broken));
        assertTrue(e.getMessage().contains("store.db.v" + Schema.MIGRATIONS.size() + ".bak"), e.getMessage());
        try (ConversationStore store = ConversationStore.open(file)) {
            assertEquals("kept", store.conversations().get(0).title(), "still at the current version, data intact");
        }
    }

    @Test
    void aStoreOfTheFirstReleaseGainsTheGalleryAndNeedleTablesAndKeepsItsConversations() throws Exception {
        Path file = dir.resolve("store.db");
        // The file as the first release left it: its one migration, one conversation.
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                java.sql.Statement s = db.createStatement()) {
            for (String statement : Schema.MIGRATIONS.get(0).split(";")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
            s.execute("INSERT INTO conversations (title, created_at, updated_at) VALUES ('from the first release', 1, 1)");
            s.execute("PRAGMA user_version = 1");
        }
        try (ConversationStore store = ConversationStore.open(file)) {
            assertEquals(file.resolveSibling("store.db.v1.bak"), store.backup());
            assertEquals("from the first release", store.conversations().get(0).title());
            assertTrue(store.gallery().items().isEmpty());
            assertTrue(store.needles().runs().isEmpty());
        }
    }

    @Test
    void aFileThatIsNotADatabaseIsNamed() throws Exception {
        Path file = dir.resolve("garbage.db");
        Files.write(file, "this is not SQLite, just text that goes on for a while...........".repeat(20).getBytes());
        StoreException e = assertThrows(StoreException.class, () -> ConversationStore.open(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private static List<Long> ids(List<Conversation> conversations) {
        return conversations.stream().map(Conversation::id).toList();
    }

    @Test
    void aSecondOpenerLeavesTheFirstOnesRunningAnswerAlone() throws Exception {
        Path file = dir.resolve("shared.db");
        try (ConversationStore first = ConversationStore.open(file)) {
            Conversation c = first.createConversation("streaming");
            first.addQuestion(c.id(), "q", List.of());
            long answer = first.startAnswer(c.id());
            try (ConversationStore second = ConversationStore.open(file)) {
                assertEquals(0, second.interruptedOnOpen(), "the first opener is still writing it");
                assertEquals(Status.STREAMING, second.messages(c.id()).get(1).status());
            }
            first.finishAnswer(answer, "done", Status.COMPLETE, null);
        }
    }
}

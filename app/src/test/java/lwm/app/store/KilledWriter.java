package lwm.app.store;

import java.nio.file.Path;
import java.util.List;

/**
 * The process {@link KilledWriterTest} kills: a conversation whose answer grows by one word at a time, each
 * {@link ConversationStore#updateAnswer} followed by the count of words saved on stdout, until it is killed.
 */
public final class KilledWriter {
    private KilledWriter() {}

    static String words(int n) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            text.append("word").append(i).append(' ');
        }
        return text.toString();
    }

    public static void main(String[] args) throws Exception {
        ConversationStore store = ConversationStore.open(Path.of(args[0]));
        long conversation = store.createConversation(args[1]).id();
        store.addQuestion(conversation, "Tell me everything.", List.of());
        long answer = store.startAnswer(conversation);
        for (int n = 1; n < 1_000_000; n++) {
            store.updateAnswer(answer, words(n));
            System.out.println(n);
            System.out.flush();
            Thread.sleep(1);
        }
    }
}

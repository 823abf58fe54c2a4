package lwm.app.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import lwm.app.chat.ChatOptions;
import lwm.app.engine.Engines;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.SamplingParams;
import lwm.engine.tokenizer.ChatPrompt;
import lwm.engine.tokenizer.LlamaTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lwm chat}: a terminal conversation in LWM's text chat layout, answers streamed as they are generated. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with the model in the terminal. /reset forgets the conversation, /exit (or end of input) quits.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    LwmCommand parent;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    BackendOptions backendOptions = new BackendOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SamplingParams params = sampling.resolve(ChatOptions.lwmDefaults().sampling());
        try (Engines engines = new Engines(backendOptions.settings(modelOptions))) {
            LlamaTokenizer tokenizer = engines.requireTokenizer("chat");
            BufferedReader in = new BufferedReader(new InputStreamReader(parent.in, StandardCharsets.UTF_8));
            List<ChatPrompt.Turn> history = new ArrayList<>();
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    history.clear();
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                int[] prompt = ChatPrompt.textChat(tokenizer, history, line);
                Engines.Chosen chosen = engines.choose(prompt.length, maxNewTokens);
                GenerationResult result = chosen.generate(GenerationRequest.of(prompt, maxNewTokens, params),
                        Terminal.notices(err, Terminal.streamTo(out)), new CancellationToken());
                out.println();
                err.println(Summary.of(result.stats()));
                history.add(new ChatPrompt.Turn(line, result.text().strip(), withoutEos(result.generatedIds())));
            }
        }
    }

    /** The answer's ids for the next turn's prompt, which closes the answer with its own EOS. */
    private static int[] withoutEos(int[] ids) {
        int n = ids.length;
        return n > 0 && ids[n - 1] == GenerationRequest.LLAMA_EOS ? Arrays.copyOf(ids, n - 1) : ids;
    }
}

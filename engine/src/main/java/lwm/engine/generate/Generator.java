package lwm.engine.generate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import lwm.engine.model.Head;
import lwm.engine.model.KvCache;
import lwm.engine.model.LlamaModel;

/**
 * Prefill in chunks, then decode one token at a time against the KV cache, reporting every step as an event.
 * Cancellation is honoured between chunks and between tokens. Prompts may mix text and vision tokens (the request's
 * vision mask travels with each chunk); new tokens are generated in the request's sample mode.
 */
public final class Generator implements TextEngine {
    private final LlamaModel model;
    private final Supplier<TokenDecoder> decoders;

    /** @param decoders makes a detokenizer per generation; null when there is no tokenizer (no text output) */
    public Generator(LlamaModel model, Supplier<TokenDecoder> decoders) {
        this.model = model;
        this.decoders = decoders;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        try {
            GenerationResult result = run(request, listener, cancel);
            listener.onEvent(new GenerationEvent.Finished(result));
            return result;
        } catch (RuntimeException e) {
            listener.onEvent(new GenerationEvent.Failed(e));
            throw e;
        }
    }

    private GenerationResult run(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        int[] prompt = request.promptIds();
        int maxLength = model.config().maxSequenceLength();
        if (prompt.length >= maxLength) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model's "
                    + "max_sequence_length is " + maxLength + " (leave room for at least one new token)");
        }
        int capacity = (int) Math.min(maxLength, (long) prompt.length + Math.max(1, request.maxNewTokens()));
        long start = System.nanoTime();
        try (KvCache cache = model.newCache(capacity)) {
            float[] logits = prefill(cache, request, listener, cancel, start);
            long prefillEnd = System.nanoTime();
            Sampler sampler = new Sampler(request.sampling());
            boolean textOutput = decoders != null && request.sampleMode() == Head.TEXT; // vision ids are not text
            TokenDecoder decoder = textOutput ? decoders.get() : null;
            StringBuilder text = decoder == null ? null : new StringBuilder();
            List<TopLogits> steps = new ArrayList<>();
            int[] generated = new int[capacity - prompt.length];
            int count = 0;
            long firstToken = 0;
            StopReason reason = logits == null ? StopReason.CANCELLED : StopReason.MAX_TOKENS;
            while (logits != null && count < Math.min(request.maxNewTokens(), generated.length)) {
                if (request.topLogits() > 0) {
                    steps.add(TopLogits.of(logits, request.topLogits()));
                }
                int id = sampler.sample(logits);
                generated[count++] = id;
                if (firstToken == 0) {
                    firstToken = System.nanoTime();
                }
                boolean end = id == request.eosId();
                String delta = decoder == null || end ? "" : decoder.push(id);
                if (text != null) {
                    text.append(delta);
                }
                listener.onEvent(new GenerationEvent.TokenGenerated(count - 1, id, delta));
                if (end) {
                    reason = StopReason.END_OF_SEQUENCE;
                    break;
                }
                if (cancel.isCancelled()) {
                    reason = StopReason.CANCELLED;
                    break;
                }
                if (count < request.maxNewTokens() && cache.length() < capacity) {
                    logits = model.decode(cache, id, request.sampleMode());
                } else {
                    break;
                }
            }
            if (text != null) {
                text.append(decoder.flush());
            }
            GenerationStats stats = GenerationStats.of(prompt.length, count, start, prefillEnd, firstToken, System.nanoTime());
            return new GenerationResult(prompt.clone(), Arrays.copyOf(generated, count),
                    text == null ? null : text.toString(), reason, stats, List.copyOf(steps));
        }
    }

    /**
     * Runs the prompt in chunks; returns the sample mode's logits after its last token, or null when cancelled.
     */
    private float[] prefill(KvCache cache, GenerationRequest request, GenerationListener listener,
            CancellationToken cancel, long start) {
        int[] prompt = request.promptIds();
        boolean[] mask = request.visionMask();
        int chunk = request.prefillChunk();
        float[] last = null;
        for (int from = 0; from < prompt.length; from += chunk) {
            if (cancel.isCancelled()) {
                return null;
            }
            int to = Math.min(prompt.length, from + chunk);
            int[] ids = Arrays.copyOfRange(prompt, from, to);
            boolean[] chunkMask = mask == null ? null : Arrays.copyOfRange(mask, from, to);
            boolean isLast = to == prompt.length;
            float[][] out = model.forward(cache, ids, chunkMask, isLast ? new int[] {ids.length - 1} : new int[0],
                    request.sampleMode());
            if (isLast) {
                last = out[0];
            }
            long elapsed = System.nanoTime() - start;
            long eta = (long) ((double) elapsed / to * (prompt.length - to));
            listener.onEvent(new GenerationEvent.PrefillProgress(to, prompt.length, Duration.ofNanos(elapsed),
                    Duration.ofNanos(eta)));
        }
        return last;
    }
}

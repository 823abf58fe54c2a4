package lwm.engine.imagine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.Sampler;
import lwm.engine.generate.SamplingParams;
import lwm.engine.generate.StopReason;
import lwm.engine.model.LlamaModel;
import lwm.engine.tokenizer.GenerationPrompt;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionTokens;

/**
 * LWM's text-to-image and text-to-video sampling (reference/lwm.md §4): the first frame from the image prompt with
 * the image parameters, later frames from the video prompt and the first frame with the video parameters;
 * classifier-free guidance on every step; every 257th token is the frame delimiter 8192, whatever was sampled.
 *
 * <p>Two deliberate departures from LWM's code (§4.4, §4.6): a code position samples among the 8192 codebook ids only
 * (LWM leaves the 256 structural ids in, and a frame holding one cannot be decoded), and no step is drawn at a
 * delimiter position; sampling the text EOS id 2 as a code does not end the generation. Seeds drive one
 * {@link java.util.Random} across all steps, so a seed gives the same frames every time.
 */
public final class VisionGenerator {
    private final LlamaModel model;
    private final LlamaTokenizer tokenizer;

    public VisionGenerator(LlamaModel model, LlamaTokenizer tokenizer) {
        if (!model.config().isVision()) {
            throw new IllegalArgumentException("generating images needs a vision model (LWM-Chat, with the vision "
                    + "embedding and head); this model is text-only");
        }
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Positions the longest row of a request occupies: the video prompt (≤ 128 tokens) and every frame. */
    public static long positions(int frames) {
        return GenerationPrompt.MAX_TOKENS + (long) frames * VisionTokens.TOKENS_PER_FRAME;
    }

    public ImagineResult generate(ImagineRequest request, ImagineListener listener, CancellationToken cancel) {
        long maxFrames = (model.config().maxSequenceLength() - GenerationPrompt.MAX_TOKENS) / VisionTokens.TOKENS_PER_FRAME;
        if (request.frames() > maxFrames) {
            throw new IllegalArgumentException(request.frames() + " frames need " + positions(request.frames())
                    + " positions; this model's max_sequence_length of " + model.config().maxSequenceLength()
                    + " holds at most " + maxFrames + " frames");
        }
        long start = System.nanoTime();
        Run run = new Run(request.frames(), new Random(request.seed()), listener, cancel);
        int[] uncond = GenerationPrompt.unconditional(tokenizer);
        boolean done = run.phase(GenerationPrompt.image(tokenizer, request.prompt()), uncond, VisionTokens.TOKENS_PER_FRAME,
                request.image());
        if (done && request.frames() > 1) {
            done = run.phase(GenerationPrompt.video(tokenizer, request.prompt()), uncond,
                    run.ids.length - VisionTokens.TOKENS_PER_FRAME, request.video());
        }
        return new ImagineResult(List.copyOf(run.frames), Arrays.copyOf(run.ids, run.count),
                done ? StopReason.MAX_TOKENS : StopReason.CANCELLED, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The tokens and frames of one request as they are sampled. */
    private final class Run {
        final int[] ids;
        int count;
        final List<int[]> frames = new ArrayList<>();
        final int[] codes = new int[VisionTokens.CODES_PER_FRAME];
        final Random random;
        final ImagineListener listener;
        final CancellationToken cancel;

        Run(int frameCount, Random random, ImagineListener listener, CancellationToken cancel) {
            this.ids = new int[frameCount * VisionTokens.TOKENS_PER_FRAME];
            this.random = random;
            this.listener = listener;
            this.cancel = cancel;
        }

        /** Samples {@code steps} tokens after the prompts and the tokens so far; false when cancelled. */
        boolean phase(int[] condPrompt, int[] uncondPrompt, int steps, ModalityParams params) {
            Sampler sampler = new Sampler(SamplingParams.sampling(params.temperature(), params.topK(), 1f, 0), random);
            int[] context = Arrays.copyOf(ids, count);
            try (GuidedRows rows = new GuidedRows(model, condPrompt, uncondPrompt, context, params.cfgScale(), steps)) {
                for (int i = 0; i < steps; i++) {
                    if (cancel.isCancelled()) {
                        return false;
                    }
                    int id = next(rows.guided(), sampler);
                    if (i < steps - 1) {
                        rows.feed(id);
                    }
                }
            }
            return true;
        }

        private int next(float[] guided, Sampler sampler) {
            int inFrame = count % VisionTokens.TOKENS_PER_FRAME;
            boolean delimiter = inFrame == VisionTokens.CODES_PER_FRAME;
            int id = delimiter ? VisionTokens.END_OF_FRAME
                    : sampler.sample(Arrays.copyOf(guided, VisionTokens.CODEBOOK_SIZE));
            ids[count++] = id;
            listener.onToken(count - 1, ids.length, guided, id);
            if (delimiter) {
                frames.add(codes.clone());
                listener.onFrame(frames.size() - 1, codes.clone());
            } else {
                codes[inFrame] = id;
            }
            return id;
        }
    }
}

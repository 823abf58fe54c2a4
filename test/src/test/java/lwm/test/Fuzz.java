package lwm.test;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Random mutations of a real file, fed to a parser for a bounded time. Every outcome must be a success or a refusal
 * of one of the expected exception types whose message is one line naming the file; anything else (an
 * {@code IndexOutOfBoundsException}, an allocation from a size nobody checked, a hang) fails the test, and the file
 * that did it is kept under {@code target/fuzz-failures} with the seed that made it.
 */
final class Fuzz {

    /** A parser under test: reads {@code file} (the mutated copy) the way the product does. */
    @FunctionalInterface
    interface Parser {
        void parse(Path file) throws Exception;
    }

    /** What a JVM message looks like when it reaches the user instead of a refusal. */
    private static final List<String> BARE_MESSAGES = List.of("out of bounds", "Index ", "NullPointer",
            "NegativeArraySize", "Cannot invoke", "java.lang.", "BufferUnderflow", "BufferOverflow");
    private static final int[] BOUNDARY_INTS = {0, 1, -1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0x7FFFFFF8, 0xFFFF,
        0x10000, 0x3FFFFFFF};
    private static final long PER_FILE_SECONDS = 20;

    private final Random random;
    private final long seed;

    Fuzz(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** How many mutated files were parsed, how many of those were refused, and the first refusal's message. */
    record Outcome(int runs, int refused, String firstRefusal) {
        @Override
        public String toString() {
            return runs + " runs, " + refused + " refused, first: " + firstRefusal;
        }
    }

    /**
     * Mutates {@code original} repeatedly for {@code seconds} (at least {@code minRuns} times) into {@code work} and
     * parses each.
     */
    Outcome run(Path original, Path work, double seconds, int minRuns, Parser parser,
            List<Class<? extends Throwable>> refusals) throws IOException {
        byte[] source = Files.readAllBytes(original);
        Files.createDirectories(work.getParent());
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "fuzz");
            thread.setDaemon(true);
            return thread;
        });
        int runs = 0;
        int refused = 0;
        String firstRefusal = null;
        try {
            while (runs < minRuns || System.nanoTime() < deadline) {
                String how = mutate(source, work);
                Throwable outcome = parse(pool, parser, work, how);
                check(work, how, outcome, refusals);
                runs++;
                if (outcome != null && refused++ == 0) {
                    firstRefusal = outcome.getMessage();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(runs, refused, firstRefusal);
    }

    private Throwable parse(ExecutorService pool, Parser parser, Path file, String how) {
        Future<?> job = pool.submit(() -> {
            parser.parse(file);
            return null;
        });
        try {
            job.get(PER_FILE_SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (TimeoutException e) {
            job.cancel(true);
            keep(file, how);
            return fail(file + " (" + how + "): the parser did not finish within " + PER_FILE_SECONDS + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void check(Path file, String how, Throwable outcome, List<Class<? extends Throwable>> refusals) {
        if (outcome == null) {
            return;
        }
        String message = String.valueOf(outcome.getMessage());
        boolean expected = refusals.stream().anyMatch(type -> type.isInstance(outcome));
        boolean named = message.contains(file.getFileName().toString());
        boolean oneLine = !message.contains("\n");
        boolean bare = BARE_MESSAGES.stream().anyMatch(message::contains);
        if (!expected || !named || !oneLine || bare) {
            Path kept = keep(file, how);
            AssertionError error = new AssertionError("mutation '" + how + "' (kept as " + kept + ") gave "
                    + outcome.getClass().getName() + ": " + message);
            error.initCause(outcome);
            throw error;
        }
    }

    private Path keep(Path file, String how) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
            Path kept = dir.resolve(seed + "-" + Math.abs(how.hashCode()) + "-" + file.getFileName());
            Files.copy(file, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return kept.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a mutated copy of {@code source} to {@code target}; returns what was done, to reproduce it. */
    private String mutate(byte[] source, Path target) throws IOException {
        byte[] b = source.clone();
        StringBuilder how = new StringBuilder();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && b.length > 0; e++) {
            b = edit(b, how);
        }
        Files.write(target, b);
        return how.toString().trim();
    }

    /** One edit, aimed at the head of the file half the time (where the sizes and offsets live). */
    private byte[] edit(byte[] b, StringBuilder how) {
        int span = random.nextBoolean() ? Math.min(b.length, 4096) : b.length;
        int at = random.nextInt(span);
        switch (random.nextInt(6)) {
            case 0 -> {
                int bits = 1 << random.nextInt(8);
                b[at] ^= (byte) bits;
                how.append(" flip ").append(at).append('^').append(bits);
            }
            case 1 -> {
                int value = BOUNDARY_INTS[random.nextInt(BOUNDARY_INTS.length)];
                ByteOrder order = random.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
                int start = Math.max(0, Math.min(at, b.length - 4));
                byte[] word = ByteBuffer.allocate(4).order(order).putInt(value).array();
                System.arraycopy(word, 0, b, start, Math.min(4, b.length - start));
                how.append(" int ").append(start).append('=').append(Integer.toHexString(value)).append(order);
            }
            case 2 -> {
                how.append(" truncate ").append(at);
                return Arrays.copyOf(b, at);
            }
            case 3 -> {
                int length = 1 + random.nextInt(Math.min(64, b.length - at));
                how.append(" delete ").append(at).append('+').append(length);
                byte[] out = new byte[b.length - length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + length, out, at, b.length - at - length);
                return out;
            }
            case 4 -> {
                byte[] noise = new byte[1 + random.nextInt(32)];
                random.nextBytes(noise);
                how.append(" insert ").append(at).append('+').append(noise.length);
                byte[] out = new byte[b.length + noise.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(noise, 0, out, at, noise.length);
                System.arraycopy(b, at, out, at + noise.length, b.length - at);
                return out;
            }
            default -> {
                int value = random.nextInt(256);
                b[at] = (byte) value;
                how.append(" byte ").append(at).append('=').append(value);
            }
        }
        return b;
    }
}

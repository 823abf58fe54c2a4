package lwm.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece's BPE encoding (normalizer.cc + bpe_model.cc + byte fallback in sentencepiece_processor.cc) for the
 * configuration {@link Vocabulary} accepts. The text becomes "▁" + text with spaces as "▁"; it is split into code
 * points; then, repeatedly, the adjacent pair whose concatenation is the best-scoring vocabulary piece is merged
 * (ties: leftmost); symbols missing from the vocabulary become their UTF-8 bytes as {@code <0xNN>} pieces.
 *
 * <p>Stateless apart from the vocabulary, so concurrent calls are safe.
 */
final class BpeEncoder {
    private static final char REPLACEMENT = '\uFFFD';

    private final Vocabulary vocabulary;

    BpeEncoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        return new Segmentation(normalize(text)).ids();
    }

    /**
     * Identity normalization with escaped spaces. A lone surrogate cannot be UTF-8 encoded; SentencePiece turns
     * malformed input into U+FFFD, so it does the same.
     */
    private String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 1);
        if (vocabulary.addDummyPrefix()) {
            out.append(Vocabulary.SPACE);
        }
        text.codePoints().forEach(c -> {
            if (c == ' ') {
                out.append(Vocabulary.SPACE);
            } else if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                out.append(REPLACEMENT);
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /**
     * One text's symbols as a doubly linked list over code points. A symbol starts at {@code start[i]} and ends where
     * the next live symbol starts; merging a pair keeps the left symbol and unlinks the right one.
     */
    private final class Segmentation {
        private final String text;
        private final int[] start;
        private final int[] prev;
        private final int[] next;
        private final boolean[] merged;

        Segmentation(String text) {
            this.text = text;
            int count = text.codePointCount(0, text.length());
            start = new int[count];
            prev = new int[count];
            next = new int[count];
            merged = new boolean[count];
            for (int i = 0, offset = 0; i < count; i++) {
                start[i] = offset;
                prev[i] = i - 1;
                next[i] = i + 1 < count ? i + 1 : -1;
                offset += Character.charCount(text.codePointAt(offset));
            }
        }

        int[] ids() {
            MergeQueue queue = new MergeQueue(vocabulary, start.length);
            for (int i = 1; i < start.length; i++) {
                offer(queue, i - 1, i);
            }
            while (!queue.isEmpty()) {
                int left = queue.topLeft();
                int piece = queue.topPiece();
                queue.pop();
                // A candidate is stale once either symbol changed: merged away, or grown (the pair got longer).
                int right = merged[left] ? -1 : next[left];
                if (right < 0 || end(right) - start[left] != vocabulary.piece(piece).length()) {
                    continue;
                }
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                merged[right] = true;
                offer(queue, prev[left], left);
                offer(queue, left, next[left]);
            }
            return toIds();
        }

        private void offer(MergeQueue queue, int left, int right) {
            if (left < 0 || right < 0) {
                return;
            }
            int piece = vocabulary.mergeableId(text.substring(start[left], end(right)));
            if (piece >= 0) {
                queue.push(left, piece);
            }
        }

        private int end(int symbol) {
            return next[symbol] < 0 ? text.length() : start[next[symbol]];
        }

        private int[] toIds() {
            IntList ids = new IntList(start.length);
            for (int i = 0; i >= 0; i = next[i]) {
                String symbol = text.substring(start[i], end(i));
                int id = vocabulary.idOrUnknown(symbol);
                if (id != vocabulary.unk()) {
                    ids.add(id);
                    continue;
                }
                for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                    ids.add(vocabulary.byteId(b & 0xFF));
                }
            }
            return ids.toArray();
        }
    }
}

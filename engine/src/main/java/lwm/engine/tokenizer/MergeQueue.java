package lwm.engine.tokenizer;

import java.util.Arrays;

/**
 * The candidate merges of one encode call as a binary heap over primitive arrays (long prompts make millions of
 * candidates). Order is SentencePiece's agenda order (bpe_model.cc): higher piece score first, then the leftmost
 * pair. Scores compare as {@link Float#compare} does, -0.0 below 0.0, as in Python sentencepiece 0.2.2 (the 0.2.0
 * native library bundled with DJL lets them tie; trained BPE models score pieces -0, -1, -2, … so both never meet).
 */
final class MergeQueue {
    private final Vocabulary vocabulary;
    private int[] lefts;
    private int[] pieces;
    private int size;

    MergeQueue(Vocabulary vocabulary, int expected) {
        this.vocabulary = vocabulary;
        int capacity = Math.max(16, expected);
        lefts = new int[capacity];
        pieces = new int[capacity];
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds the candidate "merge the symbol at {@code left} with its right neighbour into {@code piece}". */
    void push(int left, int piece) {
        if (size == lefts.length) {
            lefts = Arrays.copyOf(lefts, size * 2);
            pieces = Arrays.copyOf(pieces, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!before(left, piece, lefts[parent], pieces[parent])) {
                break;
            }
            lefts[i] = lefts[parent];
            pieces[i] = pieces[parent];
            i = parent;
        }
        lefts[i] = left;
        pieces[i] = piece;
    }

    int topLeft() {
        return lefts[0];
    }

    int topPiece() {
        return pieces[0];
    }

    void pop() {
        int left = lefts[--size];
        int piece = pieces[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(lefts[child + 1], pieces[child + 1], lefts[child], pieces[child])) {
                child++;
            }
            if (!before(lefts[child], pieces[child], left, piece)) {
                break;
            }
            lefts[i] = lefts[child];
            pieces[i] = pieces[child];
            i = child;
        }
        lefts[i] = left;
        pieces[i] = piece;
    }

    private boolean before(int leftA, int pieceA, int leftB, int pieceB) {
        int byScore = Float.compare(vocabulary.score(pieceA), vocabulary.score(pieceB));
        return byScore > 0 || (byScore == 0 && leftA < leftB);
    }
}

package lwm.engine.tokenizer;

/** {@code ModelProto.SentencePiece.Type}: how a vocabulary entry takes part in encoding and decoding. */
enum PieceType {
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int protoNumber;

    PieceType(int protoNumber) {
        this.protoNumber = protoNumber;
    }

    int protoNumber() {
        return protoNumber;
    }

    /** The type with this enum number in the protobuf, or null for a number SentencePiece does not define. */
    static PieceType ofProtoNumber(long number) {
        for (PieceType type : values()) {
            if (type.protoNumber == number) {
                return type;
            }
        }
        return null;
    }
}

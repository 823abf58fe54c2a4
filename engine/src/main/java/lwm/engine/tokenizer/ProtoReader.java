package lwm.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over protobuf wire format, enough for SentencePiece's {@code ModelProto}. Every length and varint is
 * bounds-checked so that truncated or random bytes fail with a position instead of being read past.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private static final int MAX_FIELD_NUMBER = (1 << 29) - 1;
    private static final int MAX_VARINT_BYTES = 10;

    private final byte[] data;
    private final int end;
    private int position;
    private int fieldNumber;
    private int wireType;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int from, int to) {
        this.data = data;
        this.position = from;
        this.end = to;
    }

    /** Reads the next field's tag; returns false at the end of this message. */
    boolean nextField() throws ProtoFormatException {
        if (position >= end) {
            return false;
        }
        int at = position;
        long tag = readVarint();
        long number = tag >>> 3;
        int type = (int) (tag & 7);
        if (number == 0 || number > MAX_FIELD_NUMBER) {
            throw new ProtoFormatException("invalid field number " + number + " at byte " + at);
        }
        if (type != VARINT && type != FIXED64 && type != LENGTH_DELIMITED && type != FIXED32) {
            throw new ProtoFormatException("unsupported wire type " + type + " at byte " + at);
        }
        fieldNumber = (int) number;
        wireType = type;
        return true;
    }

    int fieldNumber() {
        return fieldNumber;
    }

    /** Fails unless the current field has the wire type its schema declares. */
    void expectWireType(int expected, String field) throws ProtoFormatException {
        if (wireType != expected) {
            throw new ProtoFormatException(field + " has wire type " + wireType + " instead of " + expected
                    + " (before byte " + position + ")");
        }
    }

    long readVarint() throws ProtoFormatException {
        long value = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            require(1);
            byte b = data[position++];
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new ProtoFormatException("varint longer than " + MAX_VARINT_BYTES + " bytes before byte " + position);
    }

    boolean readBool() throws ProtoFormatException {
        return readVarint() != 0;
    }

    float readFloat() throws ProtoFormatException {
        return ByteBuffer.wrap(take(Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN).getFloat();
    }

    byte[] readBytes() throws ProtoFormatException {
        return take(readLength());
    }

    String readString(String field) throws ProtoFormatException {
        byte[] bytes = readBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtoFormatException(field + " is not valid UTF-8 (before byte " + position + ")");
        }
    }

    /** A reader over the embedded message of the current length-delimited field. */
    ProtoReader readMessage() throws ProtoFormatException {
        int length = readLength();
        int from = position;
        skip(length);
        return new ProtoReader(data, from, from + length);
    }

    /** Skips the current field's value (a field this reader's caller does not need). */
    void skipField() throws ProtoFormatException {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> skip(Long.BYTES);
            case LENGTH_DELIMITED -> skip(readLength());
            default -> skip(Integer.BYTES);
        }
    }

    private int readLength() throws ProtoFormatException {
        int at = position;
        long length = readVarint();
        if (length < 0 || length > end - position) {
            throw new ProtoFormatException("length " + length + " at byte " + at + " runs past the end of the data ("
                    + (end - position) + " bytes left): truncated or not protobuf");
        }
        return (int) length;
    }

    private byte[] take(int count) throws ProtoFormatException {
        require(count);
        byte[] out = Arrays.copyOfRange(data, position, position + count);
        position += count;
        return out;
    }

    private void skip(int count) throws ProtoFormatException {
        require(count);
        position += count;
    }

    private void require(int count) throws ProtoFormatException {
        if (count > end - position) {
            throw new ProtoFormatException("truncated: needs " + count + " more bytes at byte " + position
                    + ", only " + (end - position) + " left");
        }
    }
}

package lwm.engine.tokenizer;

/** Bytes that do not follow the protobuf wire format; the message says where and how. */
final class ProtoFormatException extends Exception {
    ProtoFormatException(String message) {
        super(message);
    }
}

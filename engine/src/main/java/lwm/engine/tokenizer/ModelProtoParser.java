package lwm.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a serialized {@code ModelProto}. Fields that do not affect encoding or decoding are skipped; a message field
 * that occurs twice is merged, as protobuf does.
 */
final class ModelProtoParser {
    private ModelProtoParser() {}

    static ModelProto parse(byte[] data) throws ProtoFormatException {
        ProtoReader in = new ProtoReader(data);
        List<ModelProto.Piece> pieces = new ArrayList<>();
        ModelProto.TrainerSpec trainer = null;
        ModelProto.NormalizerSpec normalizer = null;
        boolean denormalizerRules = false;
        while (in.nextField()) {
            switch (in.fieldNumber()) {
                case 1 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "ModelProto.pieces");
                    pieces.add(piece(in.readMessage(), pieces.size()));
                }
                case 2 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "ModelProto.trainer_spec");
                    trainer = trainer(in.readMessage(), trainer == null ? ModelProto.TrainerSpec.DEFAULTS : trainer);
                }
                case 3 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "ModelProto.normalizer_spec");
                    normalizer = normalizer(in.readMessage(),
                            normalizer == null ? ModelProto.NormalizerSpec.DEFAULTS : normalizer);
                }
                case 5 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "ModelProto.denormalizer_spec");
                    denormalizerRules |= normalizer(in.readMessage(), ModelProto.NormalizerSpec.DEFAULTS).hasRules();
                }
                default -> in.skipField();
            }
        }
        return new ModelProto(List.copyOf(pieces), trainer, normalizer, denormalizerRules);
    }

    private static ModelProto.Piece piece(ProtoReader in, int id) throws ProtoFormatException {
        String text = "";
        float score = 0;
        PieceType type = PieceType.NORMAL;
        while (in.nextField()) {
            switch (in.fieldNumber()) {
                case 1 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "piece " + id + " text");
                    text = in.readString("piece " + id + " text");
                }
                case 2 -> {
                    in.expectWireType(ProtoReader.FIXED32, "piece " + id + " score");
                    score = in.readFloat();
                }
                case 3 -> {
                    in.expectWireType(ProtoReader.VARINT, "piece " + id + " type");
                    long number = in.readVarint();
                    type = PieceType.ofProtoNumber(number);
                    if (type == null) {
                        throw new ProtoFormatException("piece " + id + " has unknown type " + number);
                    }
                }
                default -> in.skipField();
            }
        }
        return new ModelProto.Piece(text, score, type);
    }

    private static ModelProto.TrainerSpec trainer(ProtoReader in, ModelProto.TrainerSpec base)
            throws ProtoFormatException {
        long modelType = base.modelType();
        boolean byteFallback = base.byteFallback();
        boolean whitespaceAsSuffix = base.treatWhitespaceAsSuffix();
        String unkSurface = base.unkSurface();
        String bosPiece = base.bosPiece();
        String eosPiece = base.eosPiece();
        while (in.nextField()) {
            switch (in.fieldNumber()) {
                case 3 -> {
                    in.expectWireType(ProtoReader.VARINT, "trainer_spec.model_type");
                    modelType = in.readVarint();
                }
                case 24 -> {
                    in.expectWireType(ProtoReader.VARINT, "trainer_spec.treat_whitespace_as_suffix");
                    whitespaceAsSuffix = in.readBool();
                }
                case 35 -> {
                    in.expectWireType(ProtoReader.VARINT, "trainer_spec.byte_fallback");
                    byteFallback = in.readBool();
                }
                case 44 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "trainer_spec.unk_surface");
                    unkSurface = in.readString("trainer_spec.unk_surface");
                }
                case 46 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "trainer_spec.bos_piece");
                    bosPiece = in.readString("trainer_spec.bos_piece");
                }
                case 47 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "trainer_spec.eos_piece");
                    eosPiece = in.readString("trainer_spec.eos_piece");
                }
                default -> in.skipField();
            }
        }
        return new ModelProto.TrainerSpec(modelType, byteFallback, whitespaceAsSuffix, unkSurface, bosPiece, eosPiece);
    }

    private static ModelProto.NormalizerSpec normalizer(ProtoReader in, ModelProto.NormalizerSpec base)
            throws ProtoFormatException {
        String name = base.name();
        boolean hasRules = base.hasRules();
        boolean dummyPrefix = base.addDummyPrefix();
        boolean removeExtraWhitespaces = base.removeExtraWhitespaces();
        boolean escapeWhitespaces = base.escapeWhitespaces();
        while (in.nextField()) {
            switch (in.fieldNumber()) {
                case 1 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "normalizer_spec.name");
                    name = in.readString("normalizer_spec.name");
                }
                case 2 -> {
                    in.expectWireType(ProtoReader.LENGTH_DELIMITED, "normalizer_spec.precompiled_charsmap");
                    hasRules = in.readBytes().length > 0;
                }
                case 3 -> {
                    in.expectWireType(ProtoReader.VARINT, "normalizer_spec.add_dummy_prefix");
                    dummyPrefix = in.readBool();
                }
                case 4 -> {
                    in.expectWireType(ProtoReader.VARINT, "normalizer_spec.remove_extra_whitespaces");
                    removeExtraWhitespaces = in.readBool();
                }
                case 5 -> {
                    in.expectWireType(ProtoReader.VARINT, "normalizer_spec.escape_whitespaces");
                    escapeWhitespaces = in.readBool();
                }
                default -> in.skipField();
            }
        }
        return new ModelProto.NormalizerSpec(name, hasRules, dummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }
}

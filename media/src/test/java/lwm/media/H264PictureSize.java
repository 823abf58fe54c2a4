package lwm.media;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Rewrites the picture size that the sequence parameter sets of an Annex B H.264 stream (Baseline profile, as
 * openh264 writes them) declare, leaving the picture data as it is: a few hundred bytes that announce any size.
 */
final class H264PictureSize {

    private static final int SPS = 7;

    private H264PictureSize() {}

    /** The stream with each SPS declaring {@code width x height} (multiples of 16). */
    static byte[] declare(byte[] stream, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int copied = 0;
        int start = nalHeader(stream, SPS, 0);
        if (start < 0) {
            throw new IllegalArgumentException("no sequence parameter set");
        }
        while (start >= 0) {
            int end = nalEnd(stream, start);
            out.write(stream, copied, start + 1 - copied);
            byte[] sps = unescape(Arrays.copyOfRange(stream, start + 1, end));
            out.writeBytes(escape(resized(sps, width / 16 - 1, height / 16 - 1)));
            copied = end;
            start = nalHeader(stream, SPS, end);
        }
        out.write(stream, copied, stream.length - copied);
        return out.toByteArray();
    }

    /** Index of the header byte of the next NAL unit of {@code type} from {@code from}, or -1. */
    private static int nalHeader(byte[] stream, int type, int from) {
        for (int i = from; i + 3 < stream.length; i++) {
            if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 && (stream[i + 3] & 0x1F) == type) {
                return i + 3;
            }
        }
        return -1;
    }

    /** Where the NAL unit whose header is at {@code header} ends: the next start code, or the end of the stream. */
    private static int nalEnd(byte[] stream, int header) {
        for (int i = header + 1; i + 2 < stream.length; i++) {
            if (stream[i] == 0 && stream[i + 1] == 0 && (stream[i + 2] & 0xFF) <= 1) {
                return i;
            }
        }
        return stream.length;
    }

    /** Copies the SPS fields up to the picture size (H.264 7.3.2.1.1), replaces it, then copies the rest. */
    private static byte[] resized(byte[] sps, int widthInMbsMinus1, int heightInMapUnitsMinus1) {
        Bits in = new Bits(sps);
        Bits out = new Bits(new byte[sps.length + 8]);
        out.put(in.get(24), 24); // profile_idc, constraint flags, level_idc
        if (sps[0] != 66) {
            throw new IllegalArgumentException("not Baseline profile: " + sps[0]);
        }
        out.ue(in.ue()); // seq_parameter_set_id
        out.ue(in.ue()); // log2_max_frame_num_minus4
        int pictureOrderCountType = in.ue();
        out.ue(pictureOrderCountType);
        if (pictureOrderCountType == 0) {
            out.ue(in.ue()); // log2_max_pic_order_cnt_lsb_minus4
        } else if (pictureOrderCountType == 1) {
            throw new IllegalArgumentException("picture order count type 1 is not supported");
        }
        out.ue(in.ue()); // max_num_ref_frames
        out.put(in.get(1), 1); // gaps_in_frame_num_value_allowed_flag
        in.ue();
        in.ue();
        out.ue(widthInMbsMinus1);
        out.ue(heightInMapUnitsMinus1);
        int stopBit = in.lastOne();
        while (in.position <= stopBit) {
            out.put(in.get(1), 1);
        }
        return Arrays.copyOf(out.data, (out.position + 7) / 8);
    }

    private static byte[] unescape(byte[] nal) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < nal.length; i++) {
            out.write(nal[i]);
            if (i + 2 < nal.length && nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] == 3) {
                out.write(0);
                i += 2;
            }
        }
        return out.toByteArray();
    }

    private static byte[] escape(byte[] rbsp) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int zeros = 0;
        for (byte b : rbsp) {
            if (zeros == 2 && (b & 0xFF) <= 3) {
                out.write(3);
                zeros = 0;
            }
            out.write(b);
            zeros = b == 0 ? zeros + 1 : 0;
        }
        return out.toByteArray();
    }

    /** A bit cursor, most significant bit first, with Exp-Golomb codes. */
    private static final class Bits {
        final byte[] data;
        int position;

        Bits(byte[] data) {
            this.data = data;
        }

        int get(int count) {
            int value = 0;
            for (int i = 0; i < count; i++, position++) {
                value = value << 1 | (data[position >> 3] >> (7 - (position & 7))) & 1;
            }
            return value;
        }

        void put(int value, int count) {
            for (int i = count - 1; i >= 0; i--, position++) {
                if ((value >> i & 1) != 0) {
                    data[position >> 3] |= (byte) (0x80 >> (position & 7));
                }
            }
        }

        int ue() {
            int zeros = 0;
            while (get(1) == 0) {
                zeros++;
            }
            return (1 << zeros) - 1 + get(zeros);
        }

        void ue(int value) {
            int length = 32 - Integer.numberOfLeadingZeros(value + 1);
            put(0, length - 1);
            put(value + 1, length);
        }

        int lastOne() {
            for (int p = data.length * 8 - 1; p >= 0; p--) {
                if ((data[p >> 3] >> (7 - (p & 7)) & 1) != 0) {
                    return p;
                }
            }
            throw new IllegalArgumentException("no stop bit");
        }
    }
}

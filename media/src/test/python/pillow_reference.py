"""LWM's image preprocessing with Pillow, as the parity reference for lwm.media.LwmPreprocessor.

usage: pillow_reference.py OUT_DIR IMAGE...

For each IMAGE writes OUT_DIR/<file name>.f32: 256*256*3 little-endian float32, HWC, in [-1, 1]. The steps are
LWM's (vision_chat.py _read_process_vision / _process_frame): PIL open, convert('RGB'), shorter side to 256 with
the longer side int(256 * long / short), resize with Pillow's default filter (BICUBIC), crop the float centre box,
then float32 / 127.5 - 1.
"""
import os
import sys

import numpy as np
from PIL import Image

SIZE = 256


def process_frame(image, size=SIZE):
    width, height = image.size
    if width < height:
        new_width = size
        new_height = int(size * height / width)
    else:
        new_height = size
        new_width = int(size * width / height)
    image = image.resize((new_width, new_height))
    left = (new_width - size) / 2
    top = (new_height - size) / 2
    right = (new_width + size) / 2
    bottom = (new_height + size) / 2
    return image.crop((left, top, right, bottom))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    out_dir = argv[1]
    for path in argv[2:]:
        image = Image.open(path).convert('RGB')
        pixels = np.array(process_frame(image)).astype(np.float32) / 127.5 - 1
        pixels.astype('<f4').tofile(os.path.join(out_dir, os.path.basename(path) + '.f32'))


if __name__ == '__main__':
    main(sys.argv)

package lwm.engine.weights;

/** Where a validated tensor lies in its file: {@code length} bytes from absolute {@code offset}. */
record TensorLocation(String name, DType dtype, long[] shape, long offset, long length) {

    long end() {
        return offset + length;
    }
}

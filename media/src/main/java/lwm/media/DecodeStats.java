package lwm.media;

/**
 * What decoding a sample cost: how many frames were decoded and how many seeks were made. Tells whether the sampler
 * walked the file once (long keyframe intervals) or jumped from sample to sample (short ones).
 */
public record DecodeStats(long framesDecoded, long seeks, int chunks, int workers) {}

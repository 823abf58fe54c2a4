package lwm.engine.weights;

import static lwm.engine.weights.TestData.assertBad;
import static lwm.engine.weights.TestData.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lwm.engine.weights.SafetensorsWriter.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class ShardedCheckpointTest {
    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private void writeShards() throws IOException {
        SafetensorsWriter.write(dir.resolve(SHARD1), List.of(
                new Entry("model.embed_tokens.weight", "F16", new long[] {2, 2}, TestData.f16(1, 2, 3, 4)),
                new Entry("model.layers.0.input_layernorm.weight", "BF16", new long[] {2}, TestData.bf16(5, 6))));
        SafetensorsWriter.write(dir.resolve(SHARD2), List.of(
                new Entry("lm_head.weight", "F32", new long[] {2}, TestData.f32(7, 8))));
    }

    private void writeIndex(String name, Map<String, String> weightMap) throws IOException {
        StringBuilder json = new StringBuilder("{\"metadata\": {\"total_size\": 24}, \"weight_map\": {");
        String separator = "";
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(separator).append('"').append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
            separator = ", ";
        }
        Files.writeString(dir.resolve(name), json.append("}}").toString());
    }

    private static final Map<String, String> WEIGHT_MAP = Map.of(
            "model.embed_tokens.weight", SHARD1,
            "model.layers.0.input_layernorm.weight", SHARD1,
            "lm_head.weight", SHARD2);

    @Test
    void mergesSafetensorsShardsThroughTheIndex() throws IOException {
        writeShards();
        writeIndex("model.safetensors.index.json", WEIGHT_MAP);
        try (Checkpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertEquals(WEIGHT_MAP.keySet(), ckpt.names());
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(ckpt.tensor("model.embed_tokens.weight")));
            assertArrayEquals(new float[] {5, 6}, floats(ckpt.tensor("model.layers.0.input_layernorm.weight")));
            assertArrayEquals(new float[] {7, 8}, floats(ckpt.tensor("lm_head.weight")));
            assertEquals(dir.resolve(SHARD2), ckpt.file("lm_head.weight"));
            assertNull(ckpt.file("nope"));
            assertBad(dir, () -> ckpt.tensor("nope"), "no tensor 'nope'");
        }
    }

    @Test
    void mergesShardsWithoutAnIndex() throws IOException {
        writeShards();
        try (Checkpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertEquals(WEIGHT_MAP.keySet(), ckpt.names());
        }
    }

    @Test
    void mergesPytorchBinShardsThroughTheIndex() throws IOException {
        for (int shard = 1; shard <= 2; shard++) {
            String name = "w" + shard;
            byte[] pickle = TorchWriter.stateDictPickle(List.of(TorchWriter.contiguous(name, "HalfStorage", "0", 2)));
            Files.write(dir.resolve("pytorch_model-0000" + shard + "-of-00002.bin"), TorchWriter.zip(List.of(
                    Map.entry("archive/data.pkl", pickle),
                    TorchWriter.storage("archive", "0", TestData.f16(shard, -shard))), false));
        }
        writeIndex("pytorch_model.bin.index.json", Map.of("w1", "pytorch_model-00001-of-00002.bin",
                "w2", "pytorch_model-00002-of-00002.bin"));
        try (Checkpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertEquals(Set.of("w1", "w2"), ckpt.names());
            assertArrayEquals(new float[] {2, -2}, floats(ckpt.tensor("w2")));
        }
    }

    @Test
    void prefersSafetensorsOverBin() throws IOException {
        writeShards();
        Files.write(dir.resolve("pytorch_model.bin"), "not even a zip".getBytes());
        try (Checkpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertEquals(3, ckpt.names().size());
        }
    }

    @Test
    void reportsAShardMissingFromTheIndex() throws IOException {
        writeShards();
        Files.delete(dir.resolve(SHARD2));
        writeIndex("model.safetensors.index.json", WEIGHT_MAP);
        assertBad(dir.resolve("model.safetensors.index.json"), () -> ShardedCheckpoint.open(dir),
                "shard '" + SHARD2 + "' listed in weight_map is missing");
    }

    @Test
    void reportsATensorInTwoShards() throws IOException {
        writeShards();
        SafetensorsWriter.write(dir.resolve(SHARD2), List.of(
                new Entry("model.embed_tokens.weight", "F32", new long[] {1}, TestData.f32(9))));
        assertBad(dir, () -> ShardedCheckpoint.open(dir), "tensor 'model.embed_tokens.weight' appears in two shards",
                SHARD1, SHARD2);
    }

    @Test
    void reportsATensorListedTwiceInTheIndex() throws IOException {
        writeShards();
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"lm_head.weight\": \""
                + SHARD1 + "\", \"lm_head.weight\": \"" + SHARD2 + "\"}}");
        assertBad(dir.resolve("model.safetensors.index.json"), () -> ShardedCheckpoint.open(dir),
                "Duplicate field 'lm_head.weight'");
    }

    @Test
    void reportsAnIndexThatDisagreesWithTheShards() throws IOException {
        writeShards();
        writeIndex("model.safetensors.index.json", Map.of("lm_head.weight", SHARD1,
                "model.embed_tokens.weight", SHARD2));
        assertBad(dir.resolve("model.safetensors.index.json"), () -> ShardedCheckpoint.open(dir),
                "weight_map puts tensor '", ", but it is in ");
        writeIndex("model.safetensors.index.json", Map.of("ghost", SHARD1));
        assertBad(dir.resolve("model.safetensors.index.json"), () -> ShardedCheckpoint.open(dir),
                "'ghost'", "no shard has it");
    }

    @Test
    void rejectsShardNamesOutsideTheDirectory() throws IOException {
        writeIndex("model.safetensors.index.json", Map.of("x", "../../etc/passwd"));
        assertBad(dir.resolve("model.safetensors.index.json"), () -> ShardedCheckpoint.open(dir),
                "not a shard file name in the same directory");
    }

    @Test
    void reportsADirectoryWithoutACheckpoint() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertBad(dir, () -> ShardedCheckpoint.open(dir), "no checkpoint found");
        assertBad(dir.resolve("config.json"), () -> ShardedCheckpoint.open(dir.resolve("config.json")),
                "not a directory");
    }
}

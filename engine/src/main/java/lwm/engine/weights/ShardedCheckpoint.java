package lwm.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Hugging Face model directory as one name space: {@code model.safetensors.index.json} + shards, or
 * {@code model*.safetensors}, else the same for {@code pytorch_model*.bin}. Safetensors wins when both are present
 * (no pickle to interpret). Every tensor must live in exactly one shard, and where an index exists its
 * {@code weight_map} must agree with the shards.
 */
public final class ShardedCheckpoint implements Checkpoint {
    /** HF indexes are tens of kB. */
    static final int MAX_INDEX_BYTES = 64 << 20;

    /** How one format of a model directory is named and opened. */
    private enum Layout {
        SAFETENSORS("model.safetensors.index.json", "model", ".safetensors"),
        TORCH("pytorch_model.bin.index.json", "pytorch_model", ".bin");

        final String index;
        final String prefix;
        final String suffix;

        Layout(String index, String prefix, String suffix) {
            this.index = index;
            this.prefix = prefix;
            this.suffix = suffix;
        }

        Checkpoint open(Path shard) throws IOException {
            return this == SAFETENSORS ? SafetensorsFile.open(shard) : TorchBinFile.open(shard);
        }
    }

    private final Path directory;
    private final List<Checkpoint> shards;
    private final Map<String, Checkpoint> owners;

    private ShardedCheckpoint(Path directory, List<Checkpoint> shards, Map<String, Checkpoint> owners) {
        this.directory = directory;
        this.shards = shards;
        this.owners = owners;
    }

    public static Checkpoint open(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw CheckpointException.in(modelDir, "not a directory");
        }
        for (Layout layout : Layout.values()) {
            Path index = modelDir.resolve(layout.index);
            if (Files.isRegularFile(index)) {
                Map<String, String> weightMap = readWeightMap(index);
                return open(modelDir, layout, new TreeSet<>(weightMap.values()), weightMap, index);
            }
            Set<String> files = listShards(modelDir, layout);
            if (!files.isEmpty()) {
                return open(modelDir, layout, files, Map.of(), null);
            }
        }
        throw CheckpointException.in(modelDir, "no checkpoint found: expected model.safetensors.index.json,"
                + " model*.safetensors, pytorch_model.bin.index.json or pytorch_model*.bin");
    }

    private static Set<String> listShards(Path modelDir, Layout layout) throws IOException {
        try (Stream<Path> entries = Files.list(modelDir)) {
            return entries.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(layout.prefix) && name.endsWith(layout.suffix))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** tensor → shard file name, from the index's weight_map. */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) {
            throw CheckpointException.in(index, "index is " + size + " bytes, over the limit of " + MAX_INDEX_BYTES);
        }
        JsonNode weightMap = Json.readObject(index, "index", Files.readAllBytes(index)).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw CheckpointException.in(index, "no weight_map object");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String shard = e.getValue().isTextual() ? e.getValue().textValue() : "";
            // Shards must sit beside the index: a name with a path would let an index point anywhere.
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".")
                    || shard.equals("..")) {
                throw CheckpointException.in(index, "weight_map entry '" + e.getKey() + "' names "
                        + e.getValue() + ", not a shard file name in the same directory");
            }
            result.put(e.getKey(), shard);
        }
        return result;
    }

    private static Checkpoint open(Path modelDir, Layout layout, Set<String> shardNames,
            Map<String, String> weightMap, Path index) throws IOException {
        List<Checkpoint> shards = new ArrayList<>();
        try {
            Map<String, Checkpoint> owners = new LinkedHashMap<>();
            for (String shardName : shardNames) {
                Path shardFile = modelDir.resolve(shardName);
                if (!Files.isRegularFile(shardFile)) {
                    throw CheckpointException.in(index, "shard '" + shardName + "' listed in weight_map is missing");
                }
                Checkpoint shard = layout.open(shardFile);
                shards.add(shard);
                for (String name : shard.names()) {
                    Checkpoint previous = owners.putIfAbsent(name, shard);
                    if (previous != null) {
                        throw CheckpointException.in(modelDir, "tensor '" + name + "' appears in two shards, "
                                + previous.file(name).getFileName() + " and " + shardName);
                    }
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                Checkpoint owner = owners.get(e.getKey());
                if (owner == null || !owner.file(e.getKey()).getFileName().toString().equals(e.getValue())) {
                    throw CheckpointException.in(index, "weight_map puts tensor '" + e.getKey() + "' in "
                            + e.getValue() + (owner == null ? ", but no shard has it"
                                    : ", but it is in " + owner.file(e.getKey()).getFileName()));
                }
            }
            return new ShardedCheckpoint(modelDir, shards, owners);
        } catch (IOException | RuntimeException e) {
            shards.forEach(Checkpoint::close);
            throw e;
        }
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(owners.keySet());
    }

    @Override
    public RawTensor tensor(String name) throws CheckpointException {
        Checkpoint owner = owners.get(name);
        if (owner == null) {
            throw CheckpointException.in(directory, "no tensor '" + name + "' in any shard");
        }
        return owner.tensor(name);
    }

    @Override
    public Path file(String name) {
        Checkpoint owner = owners.get(name);
        return owner == null ? null : owner.file(name);
    }

    @Override
    public void close() {
        shards.forEach(Checkpoint::close);
    }
}

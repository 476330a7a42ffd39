package org.cardinal.backbone;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.core.train.Temporaries;

/**
 * A chain of blocks whose children are named {@code 0}, {@code 1}, ... like the entries of torch's
 * {@code nn.Sequential}, so parameter paths read {@code layer1.0.conv1.weight} and {@code
 * downsample.1.running_mean} as in torchvision. (DJL's {@code SequentialBlock} names children after
 * their class, which would not match torchvision's state_dict keys.)
 */
public class IndexedSequential extends AbstractBlock {

    private final List<Block> blocks = new ArrayList<>();

    /** An empty chain; {@link #add(Block)} appends. */
    public IndexedSequential() {}

    /** Appends {@code block} under the next index and returns this chain. */
    public IndexedSequential add(Block block) {
        blocks.add(addChildBlock(Integer.toString(blocks.size()), block));
        return this;
    }

    /** The {@code i}-th block (0-based). */
    public Block get(int i) {
        return blocks.get(i);
    }

    /** Number of blocks in the chain. */
    public int size() {
        return blocks.size();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        for (Block b : blocks) {
            // Each block's input is freed once used (Temporaries); the chain's own input is the caller's.
            x = Temporaries.release(x, b.forward(ps, x, training, params), inputs);
        }
        return x;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block b : blocks) {
            b.initialize(manager, dataType, shapes);
            shapes = b.getOutputShapes(shapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block b : blocks) {
            shapes = b.getOutputShapes(shapes);
        }
        return shapes;
    }
}

package org.cardinal.detector;

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

/**
 * A container whose children are named "0", "1", ... like torch's {@code nn.ModuleList} or the
 * {@code nn.Sequential} inside torchvision's {@code Conv2dNormActivation}. It exists so that
 * parameter paths equal torchvision's ({@code fpn.inner_blocks.0.0.weight}). A sequential list
 * chains its children (a one-element list around a conv behaves as the conv); a parallel list
 * applies child i to input i (one block per pyramid level).
 */
final class ModuleList extends AbstractBlock {

    private final List<Block> items = new ArrayList<>();
    private final boolean parallel;

    private ModuleList(boolean parallel) {
        this.parallel = parallel;
    }

    /**
     * @param blocks children applied one after the other
     * @return the list
     */
    static ModuleList sequential(Block... blocks) {
        ModuleList l = new ModuleList(false);
        for (Block b : blocks) {
            l.add(b);
        }
        return l;
    }

    /** @return an empty list whose child i is applied to input i */
    static ModuleList parallel() {
        return new ModuleList(true);
    }

    /**
     * @param block the next child, named by its index
     * @return this list
     */
    ModuleList add(Block block) {
        addChildBlock(Integer.toString(items.size()), block);
        items.add(block);
        return this;
    }

    Block get(int i) {
        return items.get(i);
    }

    int size() {
        return items.size();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (parallel) {
            NDList out = new NDList(items.size());
            for (int i = 0; i < items.size(); i++) {
                out.addAll(items.get(i).forward(ps, new NDList(inputs.get(i)), training, params));
            }
            return out;
        }
        NDList x = inputs;
        for (Block b : items) {
            x = b.forward(ps, x, training, params);
        }
        return x;
    }

    /**
     * Sequential: each child is initialized with the output shapes of the previous one. Parallel:
     * child i with input shape i.
     */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        if (parallel) {
            for (int i = 0; i < items.size(); i++) {
                items.get(i).initialize(manager, dataType, shapes[i]);
            }
            return;
        }
        Shape[] s = shapes;
        for (Block b : items) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(s);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (parallel) {
            Shape[] out = new Shape[items.size()];
            for (int i = 0; i < items.size(); i++) {
                out[i] = items.get(i).getOutputShapes(new Shape[] {inputShapes[i]})[0];
            }
            return out;
        }
        Shape[] s = inputShapes;
        for (Block b : items) {
            s = b.getOutputShapes(s);
        }
        return s;
    }
}

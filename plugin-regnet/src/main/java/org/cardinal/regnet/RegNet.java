package org.cardinal.regnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.StageView;

/**
 * The network of a {@link RegNetConfig}, with torchvision's {@code RegNet} layout and parameter
 * names: {@code stem} (3x3 stride-2 conv, norm, ReLU: {@code stem.0}, {@code stem.1}), {@code
 * trunk_output.block1} .. {@code block4} (blocks {@code block<i>-<j>}, see {@link
 * Blocks.Bottleneck}) and, with the top, global average pooling and {@code fc}. A torchvision
 * RegNet state dict loads into it by name.
 *
 * <p>Input (B, 3, H, W) normalized; outputs C2..C5 (the four stages) at strides 4, 8, 16, 32, then
 * the logits (B, numClasses) with the top. Frozen stages: 1 freezes the stem, k the stem and
 * block1..block(k-1).
 */
public final class RegNet extends AbstractBlock implements FeatureExtractor {

    private final RegNetConfig config;
    private final int frozenStages;
    private final Blocks.ConvNorm stem;
    private final List<Blocks.Chain> stages = new ArrayList<>();
    private final List<Block> views = new ArrayList<>();
    private final Linear fc;

    RegNet(RegNetConfig config, BuildOptions options) {
        this.config = config;
        this.frozenStages = options.frozenStages();
        if (frozenStages > 5) {
            throw new IllegalArgumentException(
                    "a regnet backbone has 5 stages to freeze (stem and 4), got " + frozenStages);
        }
        stem = addChildBlock("stem", new Blocks.ConvNorm(config.stemWidth(), 3, 2, 1, options.norm(), true));
        Blocks.Chain trunk = new Blocks.Chain();
        int in = config.stemWidth();
        List<DesignSpace.Stage> specs = config.stages();
        for (int i = 0; i < specs.size(); i++) {
            DesignSpace.Stage s = specs.get(i);
            Blocks.Chain stage = new Blocks.Chain();
            int bottleneck = s.bottleneck(config.bottleneckRatio());
            int groups = s.groups(config.bottleneckRatio());
            for (int j = 0; j < s.depth(); j++) {
                int width = j == 0 ? in : s.width();
                stage.add(
                        "block" + (i + 1) + "-" + j,
                        new Blocks.Bottleneck(
                                width,
                                s.width(),
                                j == 0 ? 2 : 1,
                                bottleneck,
                                groups,
                                config.squeeze(width),
                                options.norm()));
            }
            stages.add(trunk.add("block" + (i + 1), stage));
            views.add(new Stage(i));
            in = s.width();
        }
        addChildBlock("trunk_output", trunk);
        if (options.includeTop()) {
            fc = addChildBlock(
                    "fc", Linear.builder().setUnits(config.numClasses()).build());
            fc.setInitializer(new NormalInitializer(0.01f), Parameter.Type.WEIGHT);
        } else {
            fc = null;
        }
        if (frozenStages >= 1) {
            stem.freezeParameters(true);
        }
        for (int i = 0; i < frozenStages - 1; i++) {
            stages.get(i).freezeParameters(true);
        }
    }

    @Override
    public RegNetConfig spec() {
        return config;
    }

    @Override
    public Block stage(int i) {
        if (i < 0 || i > 3) {
            throw new IllegalArgumentException("stage index must be 0..3, got " + i);
        }
        return views.get(i);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList out = new NDList();
        for (Block view : views) {
            x = view.forward(ps, new NDList(x), training, params).singletonOrThrow();
            out.add(x);
        }
        if (fc != null) {
            Shape s = x.getShape();
            NDArray pooled = x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
            NDArray logits =
                    fc.forward(ps, new NDList(pooled), training, params).singletonOrThrow();
            logits.setName("logits");
            out.add(logits);
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        stem.initialize(manager, dataType, inputShapes);
        Shape[] shapes = stem.getOutputShapes(inputShapes);
        for (Blocks.Chain stage : stages) {
            stage.initialize(manager, dataType, shapes);
            shapes = stage.getOutputShapes(shapes);
        }
        if (fc != null) {
            fc.initialize(manager, dataType, new Shape(inputShapes[0].get(0), shapes[0].get(1)));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        Shape[] out = new Shape[fc != null ? 5 : 4];
        for (int i = 0; i < 4; i++) {
            shapes = views.get(i).getOutputShapes(shapes);
            out[i] = shapes[0];
        }
        if (fc != null) {
            out[4] = new Shape(inputShapes[0].get(0), config.numClasses());
        }
        return out;
    }

    /** Stage i as a view: (the stem,) block i + 1, cutting the gradient after frozen stages. */
    private final class Stage extends StageView {
        private final int index;

        Stage(int index) {
            this.index = index;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            if (index == 0) {
                x = stem.forward(ps, new NDList(x), training, params).singletonOrThrow();
                if (frozenStages == 1) {
                    x = x.stopGradient();
                }
            }
            x = stages.get(index).forward(ps, new NDList(x), training, params).singletonOrThrow();
            if (frozenStages == index + 2) {
                x = x.stopGradient();
            }
            x.setName(RegNetConfig.OUTPUTS.get(index));
            return new NDList(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] in = index == 0 ? stem.getOutputShapes(inputShapes) : inputShapes;
            return stages.get(index).getOutputShapes(in);
        }
    }
}

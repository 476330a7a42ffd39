package org.cardinal.detector.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cardinal.core.train.Scalars;
import org.cardinal.detector.Detections;
import org.cardinal.detector.Target;
import org.cardinal.detector.TrainableDetector;

/**
 * A small real network for testing the trainer's mechanics quickly: conv + BatchNorm + ReLU +
 * global pooling + a linear head that regresses the first ground-truth box (relative to the
 * image size) and classifies its label. It has trainable parameters, running statistics and a
 * random draw inside the loss from each image's sampling seed (like the detector's samplers), so
 * resume exactness covers all three. Its loss is a mean over images, so a batch split over
 * replicas has the gradient of the whole batch. {@code nanAtCall} makes the loss NaN from that call on (counted from 1);
 * {@code nanGradientAtCall} keeps the loss finite but makes its gradient NaN from that call on;
 * {@code detectedLabelOffset} shifts the labels it detects, as a model with spare outputs might.
 */
final class TinyDetector implements TrainableDetector {

    private final SequentialBlock block;
    private final int numClasses;
    int nanAtCall = -1;
    int nanGradientAtCall = -1;
    int detectedLabelOffset = 0;
    private int calls;

    TinyDetector(NDManager manager, int numClasses) {
        this.numClasses = numClasses;
        block = new SequentialBlock()
                .add(Conv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .optPadding(new Shape(1, 1))
                        .setFilters(6)
                        .build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(4 + numClasses + 1).build());
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 16, 16));
    }

    @Override
    public Block block() {
        return block;
    }

    private NDArray head(ParameterStore ps, NDArray image, boolean training) {
        return block.forward(ps, new NDList(image.expandDims(0)), training)
                .singletonOrThrow()
                .squeeze(0);
    }

    @Override
    public Map<String, NDArray> losses(ParameterStore ps, List<NDArray> images, List<Target> targets) {
        calls++;
        NDArray boxLoss = null;
        NDArray clsLoss = null;
        NDArray lastOut = null;
        for (int i = 0; i < images.size(); i++) {
            NDArray img = images.get(i);
            NDArray out = head(ps, img, true);
            lastOut = out;
            long h = img.getShape().get(1);
            long w = img.getShape().get(2);
            NDArray target;
            long label;
            if (targets.get(i).boxes().getShape().get(0) > 0) {
                target = targets.get(i).boxes().get(0).div(img.getManager().create(new float[] {w, h, w, h}));
                label = targets.get(i).labels().getLong(0);
            } else {
                target = img.getManager().zeros(new Shape(4));
                label = 0;
            }
            // a random weight per image from its sampling seed, as proposal sampling makes the
            // detector's loss depend on it
            float weight = 0.5f + new Random(targets.get(i).samplingSeed()).nextFloat();
            NDArray b = Scalars.mul(out.get("0:4").sub(target).square().sum(), weight);
            NDArray logits = out.get("4:").expandDims(0);
            NDArray c = Loss.softmaxCrossEntropyLoss()
                    .evaluate(new NDList(img.getManager().create(new long[] {label})), new NDList(logits));
            boxLoss = boxLoss == null ? b : boxLoss.add(b);
            clsLoss = clsLoss == null ? c : clsLoss.add(c);
        }
        if (nanAtCall > 0 && calls >= nanAtCall) {
            boxLoss = boxLoss.mul(Float.NaN);
        }
        if (nanGradientAtCall > 0 && calls >= nanGradientAtCall) {
            // sqrt(x - x) is 0, its gradient inf - inf
            boxLoss = boxLoss.add(lastOut.sub(lastOut).sqrt().sum());
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("loss_box", Scalars.div(boxLoss, images.size()));
        out.put("loss_cls", Scalars.div(clsLoss, images.size()));
        return out;
    }

    @Override
    public List<Detections> detect(ParameterStore ps, List<NDArray> images) {
        List<Detections> out = new ArrayList<>();
        for (NDArray img : images) {
            NDArray o = head(ps, img, false);
            float[] v = o.toFloatArray();
            float h = img.getShape().get(1);
            float w = img.getShape().get(2);
            float[] probs = o.get("4:").softmax(0).toFloatArray();
            int best = 1;
            for (int k = 2; k <= numClasses; k++) {
                if (probs[k] > probs[best]) {
                    best = k;
                }
            }
            float x1 = Math.min(v[0], v[2]) * w;
            float x2 = Math.max(v[0], v[2]) * w;
            float y1 = Math.min(v[1], v[3]) * h;
            float y2 = Math.max(v[1], v[3]) * h;
            NDManager m = img.getManager();
            out.add(new Detections(
                    m.create(new float[] {x1, y1, x2, y2}, new Shape(1, 4)),
                    m.create(new float[] {probs[best]}),
                    m.create(new long[] {best + detectedLabelOffset})));
        }
        return out;
    }
}

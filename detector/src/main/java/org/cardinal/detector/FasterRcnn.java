package org.cardinal.detector;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.ResNet;

/**
 * Faster R-CNN (Ren et al. 2015) as torchvision's {@code GeneralizedRCNN}: transform, backbone,
 * {@link RegionProposalNetwork}, {@link RoiHeads}, and the transform's postprocess. A DJL {@link
 * Block} with torchvision's parameter names ({@code backbone.body.layer1.0.conv1.weight}, {@code
 * rpn.head.cls_logits.weight}, {@code roi_heads.box_predictor.cls_score.weight}, ...), so that
 * {@code Model}, {@code Trainer}, {@code ParameterStore} and torchvision checkpoints all work.
 *
 * <p>Images are CHW float32 RGB in [0, 1] of any size; boxes x1, y1, x2, y2 in pixels of the
 * given image; labels int64 with 0 = background. {@link #forward} layout: inference input {@code
 * [img_0 .. img_{B-1}]} gives {@code [boxes_0, scores_0, labels_0, ...]}; training input {@code
 * [img_0 .. img_{B-1}, boxes_0, labels_0, .., boxes_{B-1}, labels_{B-1}]} gives the four named
 * scalar losses {@code loss_objectness, loss_rpn_box_reg, loss_classifier, loss_box_reg}.
 */
public final class FasterRcnn extends AbstractBlock {

    /** Names of the losses, in the order of the training forward's output. */
    public static final List<String> LOSS_NAMES =
            List.of("loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg");

    private final DetectorConfig config;
    private final GeneralizedRcnnTransform transform;
    private final Block backbone;
    private final RegionProposalNetwork rpn;
    private final RoiHeads roiHeads;

    private FasterRcnn(DetectorConfig config, long seed) {
        this.config = config;
        this.transform = GeneralizedRcnnTransform.of(config);
        if (config.isFpn()) {
            BackboneWithFpn b =
                    new BackboneWithFpn(
                            config.backbone(), config.trainableBackboneLayers(), config.fpnChannels());
            backbone = addChildBlock("backbone", b);
            rpn = addChildBlock("rpn", new RegionProposalNetwork(config, b.outChannels(), seed));
            roiHeads = addChildBlock("roi_heads", RoiHeads.fpn(config, b.outChannels(), seed + 1));
        } else {
            C4Backbone b = new C4Backbone(config.backbone(), config.trainableBackboneLayers());
            backbone = addChildBlock("backbone", b);
            rpn = addChildBlock("rpn", new RegionProposalNetwork(config, b.outChannels(), seed));
            int c5 = config.backbone().stageChannels()[3];
            roiHeads =
                    addChildBlock(
                            "roi_heads",
                            RoiHeads.c4(config, b.body().layer(4), b.outChannels(), c5, seed + 1));
        }
    }

    /**
     * @param config the model config
     * @return an uninitialized detector (call {@link #initialize(NDManager, DataType)} or load
     *     weights next); RoI/anchor sampling seeded with 0
     */
    public static FasterRcnn build(DetectorConfig config) {
        return new FasterRcnn(config, 0);
    }

    /**
     * @param config the model config
     * @param seed seed of the anchor and RoI samplers
     * @return an uninitialized detector
     */
    public static FasterRcnn build(DetectorConfig config, long seed) {
        return new FasterRcnn(config, seed);
    }

    /**
     * Reseeds the RPN and RoI samplers, the only randomness of a training step; a trainer that
     * reseeds every iteration from (run seed, iteration) resumes bit-exactly.
     *
     * @param seed the new seed
     */
    public void setSeed(long seed) {
        rpn.setSeed(seed);
        roiHeads.setSeed(seed + 1);
    }

    /** @return the config this model was built from */
    public DetectorConfig config() {
        return config;
    }

    /** @return the input transform */
    public GeneralizedRcnnTransform transform() {
        return transform;
    }

    /** @return the ResNet body of the backbone */
    public ResNet body() {
        return backbone instanceof BackboneWithFpn f ? f.body() : ((C4Backbone) backbone).body();
    }

    /**
     * Initializes all parameters (shapes come from the config, not from an input).
     *
     * @param manager where the parameters live
     * @param dataType parameter type (float32)
     */
    public void initialize(NDManager manager, DataType dataType) {
        initialize(manager, dataType, new Shape(3, config.minSize(), config.minSize()));
    }

    /**
     * Training losses of a batch. Call inside a {@code GradientCollector} and back-propagate their
     * sum.
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @param targets per image ground truth in the given images' pixels
     * @return {@code loss_objectness, loss_rpn_box_reg, loss_classifier, loss_box_reg} (scalars)
     */
    public Map<String, NDArray> losses(
            ParameterStore ps, List<NDArray> images, List<Target> targets) {
        if (targets == null || targets.size() != images.size()) {
            throw new IllegalArgumentException(
                    "expected one target per image, got "
                            + (targets == null ? 0 : targets.size())
                            + " targets for "
                            + images.size()
                            + " images");
        }
        ImageList batch = transform.apply(images);
        List<Target> resized = new ArrayList<>(targets.size());
        List<NDArray> gtBoxes = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            Target t = checkTarget(targets.get(i), i);
            NDArray boxes =
                    GeneralizedRcnnTransform.resizeBoxes(
                            t.boxes(), imageSize(images.get(i)), batch.imageSizes().get(i));
            resized.add(new Target(boxes, t.labels()));
            gtBoxes.add(boxes);
        }
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), true);
        RegionProposalNetwork.Output proposals =
                rpn.propose(ps, batch, features, gtBoxes, true);
        RoiHeads.Output heads =
                roiHeads.apply(
                        ps, poolLevels(features), proposals.proposals(), batch.imageSizes(),
                        resized, true);
        Map<String, NDArray> losses = new LinkedHashMap<>();
        losses.putAll(proposals.losses());
        losses.putAll(heads.losses());
        return losses;
    }

    /**
     * Detects objects.
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @return per image detections in the given images' pixels, by decreasing score
     */
    public List<Detections> detect(ParameterStore ps, List<NDArray> images) {
        warm(ps, images);
        ImageList batch = transform.apply(images);
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), false);
        RoiHeads.Output heads;
        // Inference keeps only what the next stage needs: DJL frees intermediates at scope end.
        try (NDScope scope = new NDScope()) {
            RegionProposalNetwork.Output proposals = rpn.propose(ps, batch, features, null, false);
            heads =
                    roiHeads.apply(
                            ps, poolLevels(features), proposals.proposals(), batch.imageSizes(),
                            null, false);
            for (Detections d : heads.detections()) {
                NDScope.unregister(d.boxes(), d.scores(), d.labels());
            }
        }
        features.close();
        List<int[]> original = new ArrayList<>(images.size());
        for (NDArray im : images) {
            original.add(imageSize(im));
        }
        return GeneralizedRcnnTransform.postprocess(
                heads.detections(), batch.imageSizes(), original);
    }

    /**
     * RPN proposals of a batch in inference mode, in pixels of the given images (for parity tests
     * and inspection).
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @return per image (P_i, 4) proposals, by decreasing objectness
     */
    public List<NDArray> proposals(ParameterStore ps, List<NDArray> images) {
        warm(ps, images);
        ImageList batch = transform.apply(images);
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), false);
        List<NDArray> props = rpn.propose(ps, batch, features, null, false).proposals();
        List<NDArray> out = new ArrayList<>(props.size());
        for (int i = 0; i < props.size(); i++) {
            out.add(
                    GeneralizedRcnnTransform.resizeBoxes(
                            props.get(i), batch.imageSizes().get(i), imageSize(images.get(i))));
        }
        return out;
    }

    /**
     * Makes the parameter store hold every parameter's array for this device before any {@link
     * NDScope} opens, so that a device copy it creates is never closed with a scope.
     */
    private void warm(ParameterStore ps, List<NDArray> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("expected at least one image");
        }
        Device device = images.get(0).getDevice();
        for (Parameter p : getParameters().values()) {
            ps.getValue(p, device, false);
        }
    }

    /** FPN: RoIs pool from P2..P5 only (the max-pool level feeds the RPN alone); C4: from C4. */
    private NDList poolLevels(NDList features) {
        if (!config.isFpn()) {
            return features;
        }
        return new NDList(features.subNDList(0, features.size() - 1));
    }

    private static int[] imageSize(NDArray image) {
        Shape s = image.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("expected a CHW image, found shape " + s);
        }
        return new int[] {(int) s.get(1), (int) s.get(2)};
    }

    private static Target checkTarget(Target t, int i) {
        Shape b = t.boxes().getShape();
        Shape l = t.labels().getShape();
        if (b.dimension() != 2 || b.get(1) != 4) {
            throw new IllegalArgumentException(
                    "target " + i + ": boxes must be (N, 4), found " + b);
        }
        if (l.dimension() != 1 || l.get(0) != b.get(0)) {
            throw new IllegalArgumentException(
                    "target " + i + ": labels must be (N) with N = " + b.get(0) + ", found " + l);
        }
        return t;
    }

    /** See the class comment for the input and output layouts. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (!training) {
            List<Detections> dets = detect(ps, inputs);
            NDList out = new NDList(3 * dets.size());
            for (int i = 0; i < dets.size(); i++) {
                Detections d = dets.get(i);
                d.boxes().setName("boxes_" + i);
                d.scores().setName("scores_" + i);
                d.labels().setName("labels_" + i);
                out.add(d.boxes());
                out.add(d.scores());
                out.add(d.labels());
            }
            return out;
        }
        if (inputs.size() % 3 != 0) {
            throw new IllegalArgumentException(
                    "training input must be [images.., (boxes, labels)..] (3B arrays), found "
                            + inputs.size());
        }
        int b = inputs.size() / 3;
        List<NDArray> images = new ArrayList<>(inputs.subList(0, b));
        List<Target> targets = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            targets.add(new Target(inputs.get(b + 2 * i), inputs.get(b + 2 * i + 1)));
        }
        Map<String, NDArray> losses = losses(ps, images, targets);
        NDList out = new NDList(LOSS_NAMES.size());
        for (String name : LOSS_NAMES) {
            NDArray loss = losses.get(name);
            loss.setName(name);
            out.add(loss);
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        backbone.initialize(manager, dataType, new Shape(1, 3, 64, 64));
        rpn.initialize(manager, dataType, new Shape(1, 1, 8, 8));
        roiHeads.initialize(manager, dataType, new Shape(1, 1, 8, 8));
    }

    /** Output shapes depend on the data (number of detections); only the count is fixed. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[3 * inputShapes.length];
        for (int i = 0; i < inputShapes.length; i++) {
            out[3 * i] = new Shape(-1, 4);
            out[3 * i + 1] = new Shape(-1);
            out[3 * i + 2] = new Shape(-1);
        }
        return out;
    }
}

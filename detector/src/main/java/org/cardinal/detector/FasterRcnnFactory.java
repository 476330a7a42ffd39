package org.cardinal.detector;

import java.util.List;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.detector.ops.MultiScaleRoiAlign;

/**
 * Turns a {@link DetectorConfig} into the parts of a {@link FasterRcnn}, as detectron2's {@code
 * from_config}: the one place that reads the config and the one place that decides FPN versus
 * C4. It knows the backbone only through its spec ({@link
 * org.cardinal.backbone.spi.BackboneSpec}, any registered type) and the anchors, RPN and RoI heads
 * only through the backbone's {@link DetectionBackbone#outputShapes()}. Each part takes plain arguments, so a user who wants their own head or pooler calls the
 * methods they need here and assembles the rest with {@link FasterRcnn#builder()}:
 *
 * <pre>{@code
 * DetectorConfig c = DetectorConfig.load(Path.of("model.json"));
 * DetectionBackbone backbone = FasterRcnnFactory.backbone(c);
 * FasterRcnn model = FasterRcnn.builder()
 *         .setTransform(FasterRcnnFactory.transform(c))
 *         .setBackbone(backbone)
 *         .setRpn(FasterRcnnFactory.rpn(c, backbone))
 *         .setRoiHeads(myRoiHeads)
 *         .build();
 * }</pre>
 */
public final class FasterRcnnFactory {

    private FasterRcnnFactory() {}

    /**
     * @param config the model config
     * @return the detector it describes, uninitialized (call {@link
     *     FasterRcnn#initialize(ai.djl.ndarray.NDManager, ai.djl.ndarray.types.DataType, long)} or
     *     load weights next)
     */
    public static FasterRcnn create(DetectorConfig config) {
        DetectionBackbone backbone = backbone(config);
        return FasterRcnn.builder()
                .setTransform(transform(config))
                .setBackbone(backbone)
                .setRpn(rpn(config, backbone))
                .setRoiHeads(roiHeads(config, backbone))
                .build();
    }

    /**
     * @param c the model config
     * @return its normalization, resize and batching
     */
    public static GeneralizedRcnnTransform transform(DetectorConfig c) {
        return new GeneralizedRcnnTransform(c.minSize(), c.maxSize(), c.imageMean(), c.imageStd(), c.sizeDivisible());
    }

    /**
     * The backbone's feature extractor without its classifier, with the config's normalization and
     * {@code n + 1 - trainable_backbone_layers} frozen stages for a backbone of n output maps (the
     * stem counts as one; a ResNet: {@code 5 - trainable_backbone_layers}, as torchvision's {@code
     * _resnet_fpn_extractor}).
     *
     * @param c the model config
     * @return the body, of the config's backbone type
     */
    public static FeatureExtractor body(DetectorConfig c) {
        int stages = c.backbone().featureShapes().size() + 1;
        int frozen = Math.max(0, stages - c.trainableBackboneLayers());
        return c.backbone().build(new BuildOptions(c.backboneNorm(), frozen, false));
    }

    /**
     * @param c the model config
     * @return FPN: the body with a feature pyramid; C4: the body but its last stage
     */
    public static DetectionBackbone backbone(DetectorConfig c) {
        return switch (c.variant()) {
            case FPN -> new BackboneWithFpn(body(c), c.fpnChannels());
            case C4 -> new C4Backbone(body(c));
        };
    }

    /**
     * @param c the model config
     * @param backbone the backbone the RPN runs on (its maps' channels, which must be equal, and
     *     their number, which must be the number of anchor levels)
     * @return the region proposal network
     * @throws IllegalArgumentException naming the backbone when its maps do not fit the config
     */
    public static RegionProposalNetwork rpn(DetectorConfig c, DetectionBackbone backbone) {
        List<FeatureShape> maps = backbone.outputShapes();
        int levels = c.anchorSizes().length;
        if (maps.size() != levels) {
            throw new IllegalArgumentException("model config field 'anchor_sizes' has " + levels
                    + " level(s), but backbone '" + c.backbone().name() + "' ("
                    + c.variant().name().toLowerCase(java.util.Locale.ROOT)
                    + ") gives the RPN " + maps.size() + " map(s): " + describe(maps));
        }
        int channels = maps.get(0).channels();
        if (maps.stream().anyMatch(m -> m.channels() != channels)) {
            throw new IllegalArgumentException("the RPN head is shared by every map, but backbone '"
                    + c.backbone().name() + "' gives maps of different channels: " + describe(maps));
        }
        double[][] ratios = new double[levels][];
        for (int l = 0; l < levels; l++) {
            ratios[l] = c.aspectRatios().clone();
        }
        int anchorsPerLocation = c.anchorSizes()[0].length * c.aspectRatios().length;
        return new RegionProposalNetwork(
                new AnchorGenerator(c.anchorSizes(), ratios),
                new RpnHead(channels, anchorsPerLocation),
                new RegionProposalNetwork.Params(
                        c.rpnPreNmsTopNTrain(),
                        c.rpnPreNmsTopNTest(),
                        c.rpnPostNmsTopNTrain(),
                        c.rpnPostNmsTopNTest(),
                        c.rpnNmsThresh(),
                        c.rpnFgIouThresh(),
                        c.rpnBgIouThresh(),
                        c.rpnBatchSizePerImage(),
                        c.rpnPositiveFraction(),
                        c.rpnScoreThresh()));
    }

    /**
     * FPN: RoIAlign on the pyramid's levels by name ("pool" feeds the RPN alone) and {@link
     * TwoMlpHead}; C4: RoIAlign on the one map and the body's own last stage (a ResNet's res5) as
     * the box head ({@link LastStageHead}).
     *
     * @param c the model config
     * @param backbone the backbone the heads pool from
     * @return the box branch
     */
    public static RoiHeads roiHeads(DetectorConfig c, DetectionBackbone backbone) {
        int s = c.roiOutputSize();
        RoiHeads.Params params = new RoiHeads.Params(
                c.boxFgIouThresh(),
                c.boxBgIouThresh(),
                c.boxBatchSizePerImage(),
                c.boxPositiveFraction(),
                c.bboxRegWeights(),
                c.boxScoreThresh(),
                c.boxNmsThresh(),
                c.boxDetectionsPerImg());
        return switch (c.variant()) {
            case FPN ->
                new RoiHeads(
                        new MultiScaleRoiAlign(pooledLevels(backbone), s, c.samplingRatio()),
                        new TwoMlpHead(
                                (long) backbone.outputShapes().get(0).channels() * s * s, c.representationSize()),
                        new FastRcnnPredictor(c.representationSize(), c.numClasses()),
                        params);
            case C4 -> {
                FeatureExtractor body = backbone.body();
                int last = body.featureShapes().size() - 1;
                int c5 = body.featureShapes().get(last).channels();
                yield new RoiHeads(
                        new MultiScaleRoiAlign(List.of("0"), s, c.samplingRatio()),
                        new LastStageHead(body.stage(last), c5),
                        new FastRcnnPredictor(c5, c.numClasses()),
                        params);
            }
        };
    }

    private static String describe(List<FeatureShape> maps) {
        return String.join(
                ", ",
                maps.stream()
                        .map(m -> m.name() + " (" + m.channels() + " channels, stride " + m.stride() + ")")
                        .toList());
    }

    /** @return the backbone's maps the FPN box head pools from: all but "pool" (torchvision's) */
    private static List<String> pooledLevels(DetectionBackbone backbone) {
        return backbone.featureNames().stream().filter(n -> !n.equals("pool")).toList();
    }
}

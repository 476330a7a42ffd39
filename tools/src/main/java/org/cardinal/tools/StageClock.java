package org.cardinal.tools;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.detector.Detections;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.GeneralizedRcnnTransform;
import org.cardinal.detector.ImageList;
import org.cardinal.detector.RegionProposalNetwork;
import org.cardinal.detector.RoiHeads;
import org.cardinal.detector.Target;

/**
 * The stages of {@link FasterRcnn#losses} / {@link FasterRcnn#detect}, called one by one through
 * the model's public parts so that each can be timed (the same calls, in the same order, as
 * the model makes; the end-to-end numbers without --stages use the model's own methods).
 */
final class StageClock {
    private final FasterRcnn net;
    private final Block backbone;
    private final RegionProposalNetwork rpn;
    private final RoiHeads roiHeads;
    private long lastCpu;

    StageClock(FasterRcnn net) {
        this.net = net;
        Map<String, Block> children = new LinkedHashMap<>();
        for (Pair<String, Block> c : net.getChildren()) {
            children.put(c.getKey().substring(2), c.getValue()); // strip DJL's "%02d" prefix
        }
        backbone = children.get("backbone");
        rpn = (RegionProposalNetwork) children.get("rpn");
        roiHeads = (RoiHeads) children.get("roi_heads");
    }

    /** Adds the wall time since t0 to the stage, and the process CPU time since the last lap. */
    private long lap(Map<String, Double> st, String stage, long t0) {
        long now = System.nanoTime();
        long cpu = DetectorBenchmark.CPU.getProcessCpuTime();
        st.merge(stage, (now - t0) / 1e6, Double::sum);
        st.merge(stage + "_cpu", (cpu - lastCpu) / 1e6, Double::sum);
        lastCpu = cpu;
        return now;
    }

    private NDList poolLevels(NDList features) {
        return net.config().isFpn() ? new NDList(features.subNDList(0, features.size() - 1)) : features;
    }

    private static int[] size(NDArray image) {
        return new int[] {(int) image.getShape().get(1), (int) image.getShape().get(2)};
    }

    Map<String, NDArray> losses(ParameterStore ps, List<NDArray> images, List<Target> targets,
            Map<String, Double> st) {
        long t = System.nanoTime();
        lastCpu = DetectorBenchmark.CPU.getProcessCpuTime();
        ImageList batch = net.transform().apply(images);
        List<Target> resized = new ArrayList<>();
        List<NDArray> gt = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            NDArray b = GeneralizedRcnnTransform.resizeBoxes(
                    targets.get(i).boxes(), size(images.get(i)), batch.imageSizes().get(i));
            resized.add(new Target(b, targets.get(i).labels()));
            gt.add(b);
        }
        t = lap(st, "transform", t);
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), true);
        t = lap(st, "backbone", t);
        RegionProposalNetwork.Output props = rpn.propose(ps, batch, features, gt, true);
        t = lap(st, "rpn", t);
        RoiHeads.Output heads = roiHeads.apply(
                ps, poolLevels(features), props.proposals(), batch.imageSizes(), resized, true);
        lap(st, "roi_heads", t);
        Map<String, NDArray> losses = new LinkedHashMap<>(props.losses());
        losses.putAll(heads.losses());
        return losses;
    }

    List<Detections> detect(ParameterStore ps, List<NDArray> images, Map<String, Double> st) {
        long t = System.nanoTime();
        lastCpu = DetectorBenchmark.CPU.getProcessCpuTime();
        ImageList batch = net.transform().apply(images);
        t = lap(st, "transform", t);
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), false);
        t = lap(st, "backbone", t);
        RegionProposalNetwork.Output props = rpn.propose(ps, batch, features, null, false);
        t = lap(st, "rpn", t);
        RoiHeads.Output heads = roiHeads.apply(
                ps, poolLevels(features), props.proposals(), batch.imageSizes(), null, false);
        t = lap(st, "roi_heads", t);
        List<int[]> original = new ArrayList<>();
        for (NDArray im : images) {
            original.add(size(im));
        }
        List<Detections> out = GeneralizedRcnnTransform.postprocess(heads.detections(), batch.imageSizes(), original);
        lap(st, "transform", t);
        return out;
    }
}

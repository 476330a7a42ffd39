package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.train.MomentumSgd;

/**
 * The trainable parameters of a model with one replica per training device (made by DJL's
 * {@link ParameterStore}, as DJL's {@code Trainer} does), their momentum buffers, and the
 * data-parallel update: replica gradients summed on the first device, the global norm clipped
 * ({@code torch.nn.utils.clip_grad_norm_}), SGD applied to every replica, gradients zeroed.
 *
 * <p>Replicas and buffers are created here, once, before the first iteration: an iteration's
 * {@link NDScope} must not own them.
 */
final class ReplicatedParameters {

    /** One trainable parameter: its DJL path, id and replica per device. */
    record Trainable(String name, String id, NDArray[] replicas) {}

    private final Device[] devices;
    private final MomentumSgd optimizer;
    private final List<Trainable> trainables = new ArrayList<>();

    ReplicatedParameters(
            Block block, ParameterStore store, Device[] devices, MomentumSgd optimizer) {
        this.devices = devices.clone();
        this.optimizer = optimizer;
        for (Pair<String, Parameter> e : block.getParameters()) {
            Parameter p = e.getValue();
            NDArray[] replicas = new NDArray[devices.length];
            for (int d = 0; d < devices.length; d++) {
                replicas[d] = store.getValue(p, devices[d], true);
            }
            if (p.requiresGradient()) {
                for (NDArray r : replicas) {
                    if (!r.hasGradient()) {
                        r.setRequiresGradient(true); // e.g. an array replaced by a weights loader
                    }
                    optimizer.buffer(p.getId(), r);
                }
                trainables.add(new Trainable(e.getKey(), p.getId(), replicas));
            }
        }
    }

    /** Momentum buffers (first device) by parameter path, for a checkpoint. */
    Map<String, NDArray> momentumByName() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, NDArray> buffers = optimizer.buffers(devices[0]);
        for (Trainable t : trainables) {
            out.put(t.name(), buffers.get(t.id()));
        }
        return out;
    }

    /** Copies a checkpoint's momentum buffers into every replica's buffer. */
    void restoreMomentum(Path dir, NDManager host) throws IOException {
        try (NDManager scratch = host.newSubManager()) {
            Map<String, NDArray> saved = Checkpoint.readOptimizer(dir, scratch);
            for (Trainable t : trainables) {
                NDArray buf = saved.get(t.name());
                if (buf == null) {
                    throw new IOException(
                            dir.resolve(Checkpoint.OPTIMIZER) + ": momentum of " + t.name()
                                    + " is missing");
                }
                for (NDArray r : t.replicas()) {
                    optimizer.setBuffer(t.id(), r, buf);
                }
            }
        }
    }

    /**
     * Sums replica gradients, clips the global norm, applies SGD, zeroes the gradients.
     *
     * @param usedDevices devices that ran a part of this batch
     * @param clipNorm maximum global L2 norm, 0 = no clipping
     */
    void update(int usedDevices, double clipNorm) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray[] grads = new NDArray[trainables.size()];
            for (int i = 0; i < grads.length; i++) {
                NDArray[] replicas = trainables.get(i).replicas();
                grads[i] = replicas[0].getGradient();
                for (int d = 1; d < usedDevices; d++) {
                    grads[i].addi(replicas[d].getGradient().toDevice(devices[0], false));
                }
            }
            if (clipNorm > 0) {
                clip(grads, clipNorm);
            }
            for (int i = 0; i < grads.length; i++) {
                Trainable t = trainables.get(i);
                for (int d = 0; d < t.replicas().length; d++) {
                    NDArray g = d == 0 ? grads[i] : grads[i].toDevice(devices[d], false);
                    optimizer.update(t.id(), t.replicas()[d], g);
                }
            }
            for (Trainable t : trainables) {
                for (int d = 0; d < usedDevices; d++) {
                    NDArray g = t.replicas()[d].getGradient();
                    g.subi(g); // PyTorch accumulates into .grad: zero it for the next step
                }
            }
        }
    }

    /** torch.nn.utils.clip_grad_norm_ over all gradients (L2), in place. */
    private static void clip(NDArray[] grads, double maxNorm) {
        NDArray sum = null;
        for (NDArray g : grads) {
            NDArray s = g.square().sum();
            sum = sum == null ? s : sum.add(s);
        }
        if (sum == null) {
            return;
        }
        // deliberate host transfer: one scalar decides the scale for every gradient
        double norm = Math.sqrt(sum.toType(DataType.FLOAT64, false).getDouble());
        double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
        if (coef < 1.0) {
            for (NDArray g : grads) {
                g.muli((float) coef);
            }
        }
    }
}

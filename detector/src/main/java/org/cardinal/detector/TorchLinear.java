package org.cardinal.detector;

import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.UniformInitializer;

/** DJL {@link Linear} layers initialized as torch's {@code nn.Linear}. */
final class TorchLinear {

    private TorchLinear() {}

    /**
     * torch's default: weight kaiming_uniform(a = sqrt 5) = U(+-1/sqrt(fan_in)), bias
     * U(+-1/sqrt(fan_in)).
     *
     * @param in input features
     * @param out output features
     * @return the layer (parameters "weight" (out, in) and "bias" (out), as torch's)
     */
    static Linear create(long in, long out) {
        Linear l = Linear.builder().setUnits(out).build();
        float bound = (float) (1.0 / Math.sqrt(in));
        l.setInitializer(new UniformInitializer(bound), Parameter.Type.WEIGHT);
        l.setInitializer(new UniformInitializer(bound), Parameter.Type.BIAS);
        return l;
    }
}

package org.cardinal.detector.zoo;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;

/**
 * Registers {@link CardinalModelZoo} with DJL through {@code ServiceLoader}
 * ({@code META-INF/services/ai.djl.repository.zoo.ZooProvider}), so that a {@code Criteria} with
 * group id {@value CardinalModelZoo#GROUP_ID} finds Cardinal's artifacts.
 */
public final class CardinalZooProvider implements ZooProvider {

    @Override
    public String getName() {
        return "Cardinal";
    }

    @Override
    public ModelZoo getModelZoo() {
        return CardinalModelZoo.configured();
    }
}

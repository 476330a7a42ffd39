package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named configs resolve in the checkout, and in the folder {@code cardinal.home} names (the bundle). */
class ProjectFilesTest {

    @Test
    void aNameResolvesInTheCheckoutsConfigs() {
        Path p = ProjectFiles.config("demo_tiny_fpn", "detectors");
        assertTrue(Files.isRegularFile(p), p.toString());
        assertTrue(p.endsWith(Path.of("configs", "detectors", "demo_tiny_fpn.json")), p.toString());
    }

    @Test
    void cardinalHomeNamesTheFolderThatHoldsConfigs(@TempDir Path home) throws IOException {
        Path mine = Files.createDirectories(home.resolve("configs/pretrain")).resolve("mine.json");
        Files.writeString(mine, "{}");
        withHome(home, () -> {
            assertEquals(home.toAbsolutePath(), ProjectFiles.projectRoot());
            assertEquals(mine, ProjectFiles.config("mine", "pretrain"));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ProjectFiles.config("default", "pretrain"));
            assertTrue(
                    e.getMessage()
                            .contains(home.resolve("configs/pretrain/default.json")
                                    .toString()),
                    e.getMessage());
        });
    }

    @Test
    void aHomeWithoutConfigsLeavesTheCheckout(@TempDir Path empty) {
        withHome(
                empty,
                () -> assertTrue(
                        Files.isDirectory(ProjectFiles.projectRoot().resolve("configs/detectors")),
                        ProjectFiles.projectRoot().toString()));
    }

    private static void withHome(Path home, Runnable body) {
        String before = System.getProperty(ProjectFiles.HOME_PROPERTY);
        System.setProperty(ProjectFiles.HOME_PROPERTY, home.toString());
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(ProjectFiles.HOME_PROPERTY);
            } else {
                System.setProperty(ProjectFiles.HOME_PROPERTY, before);
            }
        }
    }
}

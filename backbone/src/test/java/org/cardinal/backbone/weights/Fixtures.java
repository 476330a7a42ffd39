package org.cardinal.backbone.weights;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Locates the files written by src/test/resources/fixtures/make_fixtures.py. */
final class Fixtures {
    private Fixtures() {}

    static Path path(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test fixture fixtures/" + name + " (run make_fixtures.py)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

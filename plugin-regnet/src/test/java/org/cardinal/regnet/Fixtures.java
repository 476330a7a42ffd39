package org.cardinal.regnet;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The fixtures make_fixtures.py writes beside itself (test resources of this package). */
final class Fixtures {

    private Fixtures() {}

    static Path path(String name) {
        URL url = Fixtures.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing test fixture " + name + " (see make_fixtures.py)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

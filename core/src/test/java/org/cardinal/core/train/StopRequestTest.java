package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StopRequestTest {

    @Test
    void aChildStopsWithItsParentButNotTheOtherWayRound() {
        StopRequest parent = new StopRequest();
        StopRequest child = parent.child();
        child.request("a sibling failed");
        assertTrue(child.isRequested());
        assertFalse(parent.isRequested());
        assertNull(parent.reason());

        StopRequest other = parent.child();
        parent.request("SIGTERM");
        assertTrue(other.isRequested());
        assertEquals("SIGTERM", other.reason());
        // what the user asked for is reported before the child's own reason
        assertEquals("SIGTERM", child.reason());
    }
}

/** Files a user depends on, written atomically and durably; the one recursive delete. */
package org.cardinal.core.io;

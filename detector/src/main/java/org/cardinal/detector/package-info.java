/** Cardinal detector module. */
package org.cardinal.detector;

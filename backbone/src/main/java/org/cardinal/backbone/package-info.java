/** Cardinal backbone module. */
package org.cardinal.backbone;

/** Cardinal coco-eval module. */
package org.cardinal.coco;

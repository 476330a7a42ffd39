/** Cardinal tools module. */
package org.cardinal.tools;

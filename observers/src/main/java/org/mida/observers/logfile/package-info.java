/** The log-file observer: follow a file through rotations and restarts, map lines to events. */
package org.mida.observers.logfile;

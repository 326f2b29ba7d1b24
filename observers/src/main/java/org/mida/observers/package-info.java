/** MIDA observers: the client side that turns task state changes into events on a Redis stream. */
package org.mida.observers;

/** The buffered, spilling Redis writer every observer emits through: {@link org.mida.observers.emit.Emitter}. */
package org.mida.observers.emit;

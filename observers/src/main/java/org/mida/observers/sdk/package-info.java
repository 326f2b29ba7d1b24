/** Instrumentation API for plain Java programs: {@link org.mida.observers.sdk.Mida}, workflows and tasks. */
package org.mida.observers.sdk;

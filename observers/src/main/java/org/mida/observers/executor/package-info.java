/** The intra-process "wrapper" observer: {@link org.mida.observers.executor.ObservedExecutorService}. */
package org.mida.observers.executor;

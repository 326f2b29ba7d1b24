/**
 * The observer agent, {@code observers/target/mida-observer.jar}: {@link org.mida.observers.agent.Main}
 * (the command line), {@link org.mida.observers.agent.ConfigLoader} (the YAML settings file), {@link
 * org.mida.observers.agent.Agent} (one emitter and controller per observer, a clean stop). See
 * {@code docs/OBSERVERS.md}, "Agent".
 */
package org.mida.observers.agent;

/** Host and process telemetry snapshots (OSHI, nvidia-smi): {@link org.mida.observers.telemetry.Telemetry}. */
package org.mida.observers.telemetry;

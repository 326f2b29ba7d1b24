#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (see bench/gpu/README.md); prints the checks and
# copies them to $OUT/gpu-check.txt.
set -u
d=.device
out="${OUT:-/tmp}/gpu-check.txt"
exec > >(tee "$out") 2>&1
echo "== machine"; uname -a; nproc; command -v java python3 || true
echo "== nvidia-smi"; nvidia-smi || true
nvidia-smi --query-gpu=index,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits || true
java=java; { command -v java >/dev/null && java -version 2>&1 | grep -q '"\(1[7-9]\|2[0-9]\)'; } || java="$d/jre/bin/java"
uri=none
if "$d/redis-server" --port 6399 --bind 127.0.0.1 --requirepass gpucheck --save "" --appendonly no --daemonize yes --dir /tmp >/dev/null 2>&1; then
  sleep 1; uri="redis://:gpucheck@127.0.0.1:6399"
else echo "redis-server did not start here: stream checks skipped"; fi
echo "== java ($java)"; timeout 90 "$java" -cp "$d/classes:$d/lib/*" GpuCheck "$uri" 2>&1 | grep -v DEBUG
echo "== python"; PYTHONPATH="$d/py:observers/python/src" timeout 90 python3 bench/gpu/gpu_check.py "$uri" 2>&1
echo "== done"

#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (see bench/gpu/README.md); prints the checks and
# copies them to $OUT/gpu-check.txt. gpu_check.py is taken from this script's own folder (bench/gpu, or a
# copy under .device/gpu when the checkout sent along is older than the scripts). MIDA_GPU_FAKE=1 puts
# bench/gpu/fake's stand-in nvidia-smi and pynvml first: a dry run of every path on a machine without a GPU.
set -u
d=.device
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pyextra=""
if [ "${MIDA_GPU_FAKE:-0}" = 1 ]; then
  export PATH="$here/fake:$PATH"; pyextra="$here/fake:"; echo "MIDA_GPU_FAKE=1: a made-up GPU (bench/gpu/fake), not a real one"
fi
out="${OUT:-/tmp}/gpu-check.txt"
lines=/tmp/gpu-check-lines.txt; : > "$lines"  # the checks' own lines, for the summary
exec > >(tee "$out") 2>&1
echo "== machine"; uname -a; nproc; command -v java python3 || true
echo "== nvidia-smi"; nvidia-smi || true
java=java; { command -v java >/dev/null && java -version 2>&1 | grep -q '"\(1[7-9]\|2[0-9]\)'; } || java="$d/jre/bin/java"
uri=none
if "$d/redis-server" --port 6399 --bind 127.0.0.1 --requirepass gpucheck --save "" --appendonly no --daemonize yes --dir /tmp \
    --pidfile /tmp/gpu-check-redis.pid >/dev/null 2>&1; then
  sleep 1; uri="redis://:gpucheck@127.0.0.1:6399"
else echo "redis-server did not start here: stream checks skipped"; fi
checks() {
  echo "== nvidia-smi ($1)"
  nvidia-smi --query-gpu=index,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits || true
  echo "== java ($1, $java)"; timeout 90 "$java" -cp "$d/classes:$d/lib/*" GpuCheck "$uri" 2>&1 | grep -v -e DEBUG -e SLF4J | tee -a "$lines"
  echo "== python ($1)"; PYTHONPATH="$pyextra$d/py:observers/python/src" timeout 90 "${MIDA_GPU_PYTHON:-python3}" "$here/gpu_check.py" "$uri" 2>&1 | tee -a "$lines"
}
checks idle
# under load: a torch process (when the machine has torch) holding ~8 GiB and multiplying matrices
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  python3 - <<'PY' &
import time, torch
x = torch.empty(2 * 1024**3, dtype=torch.float32, device="cuda")  # 8 GiB
a = torch.randn(8192, 8192, device="cuda")
end = time.time() + 40
while time.time() < end:
    a = (a @ a).clamp_(-1, 1)
torch.cuda.synchronize()
PY
  load=$!
  sleep 8
  checks load
  kill $load 2>/dev/null; wait $load 2>/dev/null
else echo "no torch with CUDA here: no load phase"; fi
echo "== summary (idle, then load)"; grep -e 'stream\.all_tasks_have_gpu=' -e 'stream\.refused=' "$lines" || echo "no stream checks ran"
[ -f /tmp/gpu-check-redis.pid ] && kill "$(cat /tmp/gpu-check-redis.pid)" 2>/dev/null
echo "== done"

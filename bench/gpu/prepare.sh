#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for bench/gpu/run-device.sh on a GPU machine that may have no JDK,
# no Python packages and no network: a jlink'd Java 17 runtime, the observer jars and their
# dependencies, GpuCheck compiled, psutil/nvidia-ml-py/redis wheels unpacked, a redis-server binary.
# Builds the event and observers modules (offline) for their jars and the dependency list.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
d="$repo/.device"
rm -rf "$d/lib"; mkdir -p "$d/lib" "$d/classes" "$d/wheels" "$d/py"
[ -x "$d/jre/bin/java" ] || jlink --add-modules java.base,java.logging,java.management,jdk.unsupported,java.naming \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$d/jre"
# in the reactor (observers -am), so that mida-event resolves to event/target without being installed in ~/.m2;
# the observers module runs last and writes cp.txt last
(cd "$repo" && mvn -o -q -B -pl observers -am package dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$d/cp.txt" >/dev/null)
tr ':' '\n' < "$d/cp.txt" | grep -e jackson-core -e jackson-databind -e jackson-annotations -e jedis -e commons-pool2 -e gson -e /json- -e redis-authx -e oshi-core -e /jna -e slf4j-api | xargs -I{} cp {} "$d/lib/"
cp "$repo/event/target/"mida-event-*.jar "$repo/observers/target/mida-observers-0.1.0-SNAPSHOT.jar" "$d/lib/"
javac -d "$d/classes" -cp "$d/lib/*" "$repo/bench/gpu/GpuCheck.java"
py="${MIDA_BENCH_PYTHON:-$repo/.venv/mida-ci/bin/python}"
"$py" -m pip download -q -d "$d/wheels" --only-binary=:all: --no-deps --platform manylinux2014_x86_64 \
  --python-version 3.9 psutil==7.2.2 nvidia-ml-py==12.575.51 redis==6.4.0 async-timeout==5.0.1
for w in "$d"/wheels/*.whl; do unzip -q -o "$w" -d "$d/py"; done; rm -rf "$d/wheels" "$d/cp.txt"
rb="$(find /tmp "$repo" -path '*redis/bin/redis-server' -type f 2>/dev/null | head -1)"
[ -n "$rb" ] && cp "$rb" "$d/redis-server" && strip "$d/redis-server"
du -sh "$d"

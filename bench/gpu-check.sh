#!/usr/bin/env bash
# The GPU path in one command (issue #10 §3), on a machine with a GPU and its
# Vulkan driver (Linux: the vendor's driver plus the Vulkan loader, Debian
# `libvulkan1`). Needs no internet: run `npm ci` beforehand, so the optional
# packages `webgpu` (Dawn, binary inside) and `@tensorflow/tfjs-backend-webgpu`
# are installed.
#
#   bash bench/gpu-check.sh 2>&1 | tee gpu-check.log
#
#   1. the GPU: nvidia-smi's name, driver and memory where present; the Vulkan loader
#   2. every backend, whether it runs here and why (webgpu must say which adapter)
#   3. npm run bench -- gpt-tiny gpt-eval --backend webgpu   (one JSON line per case)
#   4. the llm.c parity check on webgpu: GPT-2 against the float64 llm.c-layout
#      reference and the cpu backend's gradients (packages/models/test/gpt2-parity.test.ts)
#
# Record the figures in BENCHMARKS.md (## GPU backends) with the GPU's name.
# Exit codes: 0 every step passed, 1 a step failed (each failed step is named at the end).
set -u
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 npm_config_update_notifier=false npm_config_offline=true
LIMIT=${GPU_CHECK_TIMEOUT:-3600} # seconds per step; a Dawn device left open can keep a process alive
failed=()

step() { printf '\n== %s\n' "$*"; }
run() { # run NAME COMMAND...: runs it under the time limit, remembers a failure
  local name=$1
  shift
  timeout "$LIMIT" "$@" || {
    echo "gpu-check: $name failed (exit $?)"
    failed+=("$name")
  }
}

step "GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
  echo "nvidia-smi not found (not an NVIDIA machine, or no driver)"
fi
if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  echo "Vulkan loader: $(ldconfig -p | grep -m1 'libvulkan\.so\.1' | sed 's/.*=> //')"
else
  echo "Vulkan loader libvulkan.so.1 not found: install libvulkan1 and the GPU's Vulkan driver"
fi
for package in webgpu @tensorflow/tfjs-backend-webgpu; do
  [ -d "node_modules/$package" ] || echo "$package is not installed: run npm ci (it is optional, so npm skips it where it fails)"
done

step "build"
run build npx turbo run build --output-logs=errors-only

step "backends"
run backends node --input-type=module -e "
  const { availableBackends } = await import('@course/models');
  for (const s of await availableBackends()) console.log(s.name.padEnd(15), s.available ? 'runs  ' : 'absent', s.reason);
  process.exit(0);
"

step "npm run bench -- gpt-tiny gpt-eval --backend webgpu"
run bench npm run --silent bench -- gpt-tiny gpt-eval --backend webgpu

step "llm.c parity on webgpu (COURSE_BACKEND=webgpu)"
run parity env COURSE_BACKEND=webgpu npx vitest run packages/models/test/gpt2-parity.test.ts

step "summary"
if [ ${#failed[@]} -eq 0 ]; then
  echo "gpu-check: every step passed; record the bench lines and the GPU's name in BENCHMARKS.md"
  exit 0
fi
echo "gpu-check: failed: ${failed[*]}"
exit 1

#!/usr/bin/env bash
# Checks that code built for one simdjson kernel's instruction set stays in that
# kernel's namespace, so that kilp runs on any x86-64 CPU and picks its kernel at run
# time. The kernels' objects share inline functions (std::, kilp and simdjson
# headers) and the linker keeps one copy of each: the first, which
# parse/CMakeLists.txt makes the most portable kernel's. Nothing else checks it on
# a machine that has AVX-512: a wrong copy would fault only on an older CPU.
#   kernel_isolation_check.sh BINARY
set -euo pipefail
binary=$1
command -v objdump >/dev/null || { echo "objdump missing (binutils)" >&2; exit 1; }
# Functions local to their object (static, anonymous namespace: nm type t) are
# called only from the code they were compiled with; a debug build keeps simdjson's
# out of line in every kernel's objects under the same names. Only global and weak
# ones (T, W) can be reached from code built for another kernel.
locals=$(mktemp)
trap 'rm -f "$locals"' EXIT
nm --defined-only "$binary" | awk '$2 == "t" { print $1 }' > "$locals"
objdump -d --no-show-raw-insn -C "$binary" | awk -v locals="$locals" '
  BEGIN { while ((getline address < locals) > 0) local[address] = 1 }
  function kernel_of(name) {
    if (name ~ /(kernel_|simdjson::)icelake::/) return "icelake"
    if (name ~ /(kernel_|simdjson::)haswell::/) return "haswell"
    if (name ~ /(kernel_|simdjson::)westmere::/) return "westmere"
    return "baseline"
  }
  # The instruction sets beyond what a kernel may use. rep bsf, which GCC emits for
  # ctz on any CPU, disassembles as tzcnt: not counted.
  function beyond(kernel, insn, operands) {
    avx512 = operands ~ /%zmm|%k[0-7]/ || insn ~ /^(vmovdqu(8|16|32|64)|vpternlog|vpcompress|vpexpand|vpermb|vpermi2|vpermt2|kmov|kor|kand|kxor|knot|kshift|kortest|ktest)/
    if (kernel == "icelake") return ""
    if (avx512) return "AVX-512"
    if (kernel == "haswell") return ""
    if (insn ~ /^v/ || operands ~ /%ymm/) return "AVX"
    if (insn ~ /^(andn|bextr|blsi|blsmsk|blsr|bzhi|pdep|pext|rorx|sarx|shlx|shrx|lzcnt|movbe|adcx|adox)$/) return "BMI/ABM"
    if (kernel == "westmere") return ""
    if (insn ~ /^(popcnt|crc32[bwlq]?|pclmul|pshufb|palignr|pabs[bwd]|phadd|phsub|pmaddubsw|pmulhrsw|psign[bwd]|ptest|pblend|blendv?p[sd]|dpp[sd]|extractps|insertps|mpsadbw|packusdw|pcmpeqq|pcmpgtq|pextr[bdq]|pinsr[bdq]|pmaxs[bd]|pmaxu[dw]|pmins[bd]|pminu[dw]|pmov[sz]x|pmuldq|pmulld|round[ps][sd]|pcmp[ei]str[im]|phminposuw|movntdqa)$/) return "SSSE3/SSE4"
    return ""
  }
  /^[0-9a-f]+ <.*>:$/ {
    name = substr($0, index($0, "<") + 1); sub(/>:$/, "", name)
    kernel = kernel_of(name); skipped = ($1 in local); next
  }
  /^ +[0-9a-f]+:\t/ && !skipped {
    n = split($0, parts, "\t"); text = parts[n]
    insn = text; sub(/ .*/, "", insn); operands = text; sub(/^[^ ]* */, "", operands)
    set = beyond(kernel, insn, operands)
    if (set != "" && !(name in reported)) {
      reported[name] = 1; bad++
      printf "%s code in %s code: %s (%s)\n", set, kernel, name, text
    }
  }
  END { if (bad) { printf "%d functions use instructions their kernel may not\n", bad; exit 1 }
        print "every global function outside a kernel runs on any x86-64 CPU" }'

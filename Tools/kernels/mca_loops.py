#!/usr/bin/env python3
"""Static throughput model of the GEMM kernels' inner loops on CPUs we cannot run on (llvm-mca).

    python3 Tools/kernels/mca_loops.py [--readme] [--show-loops]

Compiles Sources/CClipzKernels/f32_gemm.c and int8_gemm.c as the package does (clang, -O3 and the package's
C flags; for aarch64 with --target=aarch64-linux-gnu, -march=armv8-a, as a Swift build on ARM), disassembles
them, finds each kernel's innermost k loop for its full register tile, and asks llvm-mca how many cycles one
k step takes on several CPU models. The "compute bound" is the same loop reduced to its arithmetic (FMAs, or
the int8 multiply-add chain) with every load, address and loop-control instruction removed; the share is
bound / cycles, i.e. how close the loop's instruction stream lets that core come to its arithmetic peak.

CPU models are LLVM's scheduling models: `haswell` also stands for Broadwell, `skylake` for the Skylake-derived
client cores (Kaby/Coffee/Comet Lake), `znver2` for Zen 2; LLVM 14 times cortex-a72, cortex-a76 and
neoverse-n1 with its `cortex-a57` model, so that one stands for them, and `cortex-a55` for the in-order
little cores.

What this is and is not: llvm-mca models the out-of-order core from LLVM's scheduling tables, assuming every
load hits L1 and no branch mispredicts. It catches loops whose address arithmetic, loop control or prefetch
bookkeeping takes issue slots the FMAs need (the reason it exists here); it says nothing about caches,
memory bandwidth, frequency or threads. Measured speed on those CPUs needs the hardware (`clipz bench`).

Needs clang (Swift's toolchain has one), llvm-objdump and llvm-mca (Debian: apt-get install -y llvm; the
binaries are llvm-mca-14 etc., found by name), and for aarch64 the cross headers of libc6-dev-arm64-cross.
--readme writes the table between <!-- mca-loops:begin --> and <!-- mca-loops:end --> in README.md.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KERNELS = os.path.join(ROOT, "Sources", "CClipzKernels")
FLAGS = ["-O3", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math", "-I" + os.path.join(KERNELS, "include")]

# The arithmetic of each kind of loop: kept for the compute bound, and counted to recognise the full tile.
ARITH = {
    "fp32": re.compile(r"^(vfmadd\w+|fmla)\b"),
    "int8": re.compile(r"^(vpmaddubsw|vpmaddwd|vpaddd|vpsignb|vpdpbusd|sdot|smmla|add)\b"),
}
COUNT = {
    "fp32": re.compile(r"^(vfmadd\w+|fmla)\b"),
    "int8": re.compile(r"^(vpmaddubsw|vpdpbusd|sdot|smmla)\b"),
}

# (label, source, arch, function, kind, multiply instructions per k step of the full tile, flavour, CPU models)
# flavour tells two loops of one function apart: "narrow" int8 has no vpsignb, "signed" does.
LOOPS = [
    ("fp32 AVX2 + FMA, 6 × 16 tile", "f32_gemm.c", "x86_64", "gemm_avx2", "fp32", 12, None,
     ["haswell", "skylake", "znver2"]),
    ("fp32 AVX2 + FMA, 5 × 16 tile (50 rows = 5 + 6 + …)", "f32_gemm.c", "x86_64", "gemm_avx2", "fp32", 10, None,
     ["haswell", "skylake", "znver2"]),
    ("int8 AVX2, 7-bit weights, 4 × 16 tile", "int8_gemm.c", "x86_64", "gemm_avx2", "int8", 8, "narrow",
     ["haswell", "skylake", "znver2"]),
    ("int8 AVX2, 8-bit weights (sign trick), 4 × 16 tile", "int8_gemm.c", "x86_64", "gemm_avx2", "int8", 8, "signed",
     ["haswell", "skylake", "znver2"]),
    ("fp32 AVX-512, 10 × 32 tile", "f32_gemm.c", "x86_64", "gemm_avx512", "fp32", 20, None,
     ["skylake-avx512", "icelake-server"]),
    ("int8 AVX-512 VNNI, 8 × 32 tile", "int8_gemm.c", "x86_64", "gemm_vnni_core", "int8", 16, None,
     ["icelake-server"]),
    ("fp32 NEON, 6 × 16 tile", "f32_gemm.c", "aarch64", "gemm_neon", "fp32", 24, None,
     ["cortex-a57", "cortex-a55"]),
]


def tool(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    sys.exit(f"mca_loops: none of {', '.join(names)} on PATH (Debian: apt-get install -y llvm)")


def versions(name):
    return [name] + [f"{name}-{v}" for v in range(21, 13, -1)]


def compile_object(cc, src, arch, out):
    obj = os.path.join(out, f"{arch}-{os.path.basename(src)}.o")
    if not os.path.exists(obj):
        extra = [] if arch == "x86_64" else ["--target=aarch64-linux-gnu", "-march=armv8-a",
                                              "-isystem", "/usr/aarch64-linux-gnu/include"]
        subprocess.run([cc, *FLAGS, *extra, "-c", os.path.join(KERNELS, src), "-o", obj], check=True)
    return obj


LINE = re.compile(r"^\s*([0-9a-f]+):\s+(\S.*)$")
BRANCH = re.compile(r"^(j\w+|b\.\w+|b|cbn?z|tbn?z)\s.*?(?:0x)?([0-9a-f]+)\s+<")


def function_lines(objdump, obj, fn):
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", f"--disassemble-symbols={fn}", obj],
                          check=True, capture_output=True, text=True).stdout
    lines = []
    for raw in text.splitlines():
        m = LINE.match(raw)
        if m:
            lines.append((int(m.group(1), 16), re.sub(r"\s+", " ", m.group(2).strip())))
    if not lines:
        sys.exit(f"mca_loops: {fn} not found in {obj}")
    return lines


def inner_loops(lines):
    """Backward branches whose body holds no other backward branch: (body instructions without the branch)."""
    loops = []
    for i, (addr, ins) in enumerate(lines):
        m = BRANCH.match(ins)
        if not m:
            continue
        target = int(m.group(2), 16)
        if target >= addr:
            continue
        body = [(a, s) for a, s in lines if target <= a <= addr]
        inner = [s for a, s in body[:-1] if (b := BRANCH.match(s)) and int(b.group(2), 16) < a
                 and int(b.group(2), 16) >= target]
        if not inner:
            loops.append([s for _, s in body if not BRANCH.match(s)])
    return loops


def pick(loops, kind, count, flavour):
    for body in loops:
        n = sum(bool(COUNT[kind].match(s)) for s in body)
        if n != count:
            continue
        signs = any(s.startswith("vpsignb") for s in body)
        if flavour == "narrow" and signs or flavour == "signed" and not signs:
            continue
        return body
    return None


def mca(mca_path, arch, cpu, body, out):
    """(simulated cycles per iteration, block reciprocal throughput: the ports' bound, dependencies aside)."""
    path = os.path.join(out, "loop.s")
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")
    iterations = 400
    triple = "x86_64-unknown-linux-gnu" if arch == "x86_64" else "aarch64-unknown-linux-gnu"
    res = subprocess.run([mca_path, f"-mtriple={triple}", f"-mcpu={cpu}", f"-iterations={iterations}", path],
                         capture_output=True, text=True)
    m = re.search(r"Total Cycles:\s+(\d+)", res.stdout)
    t = re.search(r"Block RThroughput:\s+([\d.]+)", res.stdout)
    if res.returncode != 0 or not m or not t:
        sys.exit(f"mca_loops: llvm-mca failed for {cpu}:\n{res.stderr}")
    return int(m.group(1)) / iterations, float(t.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readme", action="store_true", help="write the table into README.md")
    ap.add_argument("--show-loops", action="store_true", help="print each analysed loop")
    args = ap.parse_args()
    cc = tool(os.environ.get("CC", "clang"))
    objdump = tool(*versions("llvm-objdump"))
    mca_path = tool(*versions("llvm-mca"))
    mca_version = subprocess.run([mca_path, "--version"], capture_output=True, text=True).stdout
    mca_version = re.search(r"version ([\d.]+)", mca_version).group(1)
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for label, src, arch, fn, kind, count, flavour, cpus in LOOPS:
            obj = compile_object(cc, src, arch, out)
            body = pick(inner_loops(function_lines(objdump, obj, fn)), kind, count, flavour)
            if body is None:
                sys.exit(f"mca_loops: no inner loop with {count} multiply instructions in {fn} ({src}, {arch}); "
                         "the kernel changed shape: update LOOPS")
            arith = [s for s in body if ARITH[kind].match(s)]
            if args.show_loops:
                print(f"# {label}: {fn} in {src} ({arch}), {len(body)} instructions", file=sys.stderr)
                print("\n".join("    " + s for s in body), file=sys.stderr)
            for cpu in cpus:
                cycles, _ = mca(mca_path, arch, cpu, body, out)
                _, bound = mca(mca_path, arch, cpu, arith, out)
                rows.append((label, cpu, len(body), cycles, bound))
    lines = [f"Static model: llvm-mca {mca_version}, every load an L1 hit; `python3 Tools/kernels/mca_loops.py"
             f"{' --readme' if args.readme else ''}`.", "",
             "| inner loop (one k step of the full tile) | CPU model | instructions | cycles per k step "
             "| arithmetic alone | share of the arithmetic bound |",
             "|---|---|---:|---:|---:|---:|"]
    for label, cpu, n, cycles, bound in rows:
        lines.append(f"| {label} | {cpu} | {n} | {cycles:.2f} | {bound:.2f} | {100 * bound / cycles:.0f}% |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.readme:
        sys.path.insert(0, os.path.join(ROOT, "Tools"))
        from readme_section import write_section
        write_section("mca-loops", table)
        print("README.md: mca-loops section written")


if __name__ == "__main__":
    main()

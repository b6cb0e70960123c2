# -*- Python -*-
# lit configuration for the moe test suite.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MOE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["Inputs", "Fixtures", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.moe_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.substitutions.append(("%moe_src", config.moe_src_root))
config.substitutions.append(("%moe_libs", config.moe_lib_dir))
config.substitutions.append(("%moe_obj", config.moe_obj_root))
config.substitutions.append(("%moe_bin_dir", config.moe_tools_dir))
config.substitutions.append(
    ("%moe_plugin", os.path.join(config.moe_lib_dir, "MoEPlugin" + config.llvm_shlib_ext)))
config.substitutions.append(("%python", shutil.which("python3") or "python3"))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# Tools: ours first, then LLVM's (FileCheck, not, split-file, the stock mlir-opt).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.moe_tools_dir, append_path=True)
tool_dirs = [config.moe_tools_dir, config.llvm_tools_dir]
tools = [
    "moe-opt",
    ToolSubst("mlir-opt", os.path.join(config.llvm_tools_dir, "mlir-opt")),
]
for optional in ["moe-run", "moe-import", "moe-compile"]:
    if os.path.exists(os.path.join(config.moe_tools_dir, optional)):
        tools.append(optional)
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Python with numpy (and safetensors) for integration tests.
def _python_has(module):
    try:
        subprocess.run([shutil.which("python3") or "python3", "-c", "import " + module],
                       check=True, capture_output=True)
        return True
    except Exception:
        return False

if _python_has("numpy"):
    config.available_features.add("numpy")
if _python_has("safetensors"):
    config.available_features.add("safetensors")
if shutil.which("mpiexec"):
    config.available_features.add("mpi")
if os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl"):
    config.available_features.add("cuda-gpu")

# CUDA toolkit (moe-gpu-pipeline, test/GPU): libdevice for PTX with math
# functions (`cuda-toolkit`), ptxas for cubins and register/spill reports
# (`ptxas`); the runtime library of moe-run --target=cuda (`cuda-runtime`).
# The toolkit directory is the pipeline's default (CUDA_HOME, CUDA_PATH,
# /usr/local/cuda) and is passed to it as %cuda_toolkit.
_cuda_dir = next((d for d in [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
                              "/usr/local/cuda"] if d and os.path.isdir(d)), "/usr/local/cuda")
config.substitutions.append(("%cuda_toolkit", _cuda_dir))
if os.path.exists(os.path.join(_cuda_dir, "nvvm", "libdevice", "libdevice.10.bc")):
    config.available_features.add("cuda-toolkit")
if os.access(os.path.join(_cuda_dir, "bin", "ptxas"), os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", os.path.join(_cuda_dir, "bin", "ptxas")))
if os.path.exists(os.path.join(config.moe_lib_dir, "libMoECudaRuntime" + config.llvm_shlib_ext)):
    config.available_features.add("cuda-runtime")

# Another build of the same sources (`lit --param moe_reference_build=DIR`,
# e.g. the Clang build when this one is GCC's): test/Tools/moe-opt/
# builds-agree.test checks that both emit the same IR for every moe-opt
# command of the tests.
_reference = lit_config.params.get("moe_reference_build")
if _reference and os.access(os.path.join(_reference, "bin", "moe-opt"), os.X_OK):
    config.available_features.add("reference-build")
    config.substitutions.append(("%moe_reference_build", os.path.abspath(_reference)))

# The C API (include/moe-c/MoE.h, libMoECAPI): test/CAPI compiles C programs
# against it with the system's C compiler (`%cc`).
_cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
if _cc and os.path.exists(os.path.join(config.moe_lib_dir, "libMoECAPI" + config.llvm_shlib_ext)):
    config.available_features.add("c-api")
    config.substitutions.append(("%cc", _cc))

# The Python package (tools/python, module moe_opt) over this build's C API:
# `%moe_python` runs python3 with the package's sources first on the path and
# MOE_OPT_BUILD_DIR set to this build, so tests need no installation. Its
# transformers integration needs torch and transformers (`torch`; off with
# `--param moe_torch_tests=0`, as the test command's second build runs).
if "c-api" in config.available_features:
    config.substitutions.append((
        "%moe_python",
        "env PYTHONPATH=%s MOE_OPT_BUILD_DIR=%s %s" % (
            os.path.join(config.moe_src_root, "tools", "python"),
            config.moe_obj_root, shutil.which("python3") or "python3")))
    # `pip install ./tools/python` without network: pip and setuptools.
    if _python_has("pip") and _python_has("setuptools"):
        config.available_features.add("pip-setuptools")
    if lit_config.params.get("moe_torch_tests") != "0" and \
            _python_has("torch") and _python_has("transformers"):
        config.available_features.add("torch")

# moe-compile (test/Tools/moe-compile): its libraries are linked by the
# system's C compiler and need the OpenMP runtime at run time, whose
# directory is %omp_dir (tests run them with only it on LD_LIBRARY_PATH).
if _cc and os.path.exists(os.path.join(config.moe_tools_dir, "moe-compile")):
    config.available_features.add("moe-compile")
    _omp = getattr(config, "moe_libomp", "")
    _omp_dir = os.path.dirname(_omp) if _omp and not _omp.endswith("NOTFOUND") else ""
    config.substitutions.append(("%omp_dir", _omp_dir))

# The host's vector extensions that kernels emit as intrinsics
# (test/Integration/CPU): host-avx2 (VPMADDUBSW on 256 bits, and what
# moe-compile's tests run), host-avx512bw (VPMADDUBSW on 512 bits),
# host-avx512-vnni (VPDPBUSD on 512 and 256 bits: AVX512_VNNI with
# AVX512VL), host-avx512-bf16 (VDPBF16PS on 512 and 256 bits: AVX512_BF16
# with AVX512VL).
try:
    with open("/proc/cpuinfo") as _f:
        _flags = set(next((_l.split(":", 1)[1].split() for _l in _f
                           if _l.startswith("flags")), []))
    if "avx2" in _flags:
        config.available_features.add("host-avx2")
    if {"avx512f", "avx512bw"} <= _flags:
        config.available_features.add("host-avx512bw")
    if {"avx512_vnni", "avx512vl", "avx512bw"} <= _flags:
        config.available_features.add("host-avx512-vnni")
    if {"avx512_bf16", "avx512vl"} <= _flags:
        config.available_features.add("host-avx512-bf16")
except OSError:
    pass

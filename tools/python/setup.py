#===- setup.py - copies moe-opt's built binaries into the package --------===#
#
# `pip install ./tools/python` after the README's build: the package ships
# libMoECAPI.so, moe-import and moe-opt from the build directory
# (MOE_OPT_BUILD_DIR, else <repo>/build, else <repo>/build-gcc) in
# moe_opt/_bin. They keep their run path to the LLVM/MLIR 22 shared
# libraries of the machine they were built on.
#
#===----------------------------------------------------------------------===#

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FILES = [("lib", "libMoECAPI.so"), ("bin", "moe-import"), ("bin", "moe-opt")]


def build_dir():
    candidates = [os.environ.get("MOE_OPT_BUILD_DIR"),
                  os.path.join(ROOT, "build"), os.path.join(ROOT, "build-gcc")]
    for c in candidates:
        if c and all(os.path.exists(os.path.join(c, sub, name))
                     for sub, name in FILES):
            return c
    raise SystemExit(
        "error: no moe-opt build with %s found (looked in %s); build first "
        "(bash tools/moe-dev.sh build) or set MOE_OPT_BUILD_DIR" %
        (", ".join(n for _, n in FILES),
         ", ".join(c for c in candidates if c)))


class BuildWithBinaries(build_py):
    def run(self):
        super().run()
        source = build_dir()
        dest = os.path.join(self.build_lib, "moe_opt", "_bin")
        os.makedirs(dest, exist_ok=True)
        for sub, name in FILES:
            shutil.copy2(os.path.join(source, sub, name),
                         os.path.join(dest, name))


setup(cmdclass={"build_py": BuildWithBinaries})

#===- _paths.py - where the package finds moe-opt's binaries ------------===#
#
# `pip install ./tools/python` copies libMoECAPI.so, moe-import and moe-opt
# from a build directory into moe_opt/_bin (setup.py). MOE_OPT_BUILD_DIR, a
# build directory, takes precedence: a developer can point the installed
# package at a fresh build without reinstalling.
#
#===----------------------------------------------------------------------===#

import os

HERE = os.path.dirname(os.path.abspath(__file__))


def _find(sub, name):
    build = os.environ.get("MOE_OPT_BUILD_DIR")
    candidates = []
    if build:
        candidates.append(os.path.join(build, sub, name))
    candidates.append(os.path.join(HERE, "_bin", name))
    for c in candidates:
        if os.path.exists(c):
            return c
    from ._capi import MoEError
    raise MoEError("cannot find %s (looked in %s); reinstall the package "
                   "after building moe-opt, or set MOE_OPT_BUILD_DIR to a "
                   "build directory" % (name, ", ".join(candidates)))


def capi_library():
    return _find("lib", "libMoECAPI.so")


def tool(name):
    return _find("bin", name)

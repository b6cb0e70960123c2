"""Raw buffers of a moe_case.py layer case for capi_checks.c.

  case_bins.py dump CASE_DIR OUT_DIR [--transpose ROLE | --flatten ROLE]
      per argument of the layer (its name in layer.mlir: x and the weight
      roles), NAME.bin (f32, row-major) and NAME.shape ("d0 d1 ..."); with
      --transpose, that role's last two dimensions are
      swapped (the stored layout of a moe.weight_view with transpose); with
      --flatten, its shape is one dimension (a view that only reshapes).
  case_bins.py npy BIN T D OUT.npy
      BIN (f32 [T, D]) as a .npy file.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Integration", "Inputs"))
import moe_case  # noqa: E402
import safetensors_io as st  # noqa: E402


def dump(case_dir, out_dir, layout, role_of_layout):
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    tensors = st.read_all(os.path.join(case_dir, p) for p in case["weights"])
    w = moe_case.restack(tensors, case["shapes"])
    os.makedirs(out_dir, exist_ok=True)
    w = dict(w, x=np.load(os.path.join(case_dir, "x.npy")))
    for role, arr in w.items():
        arr = np.asarray(arr, dtype=np.float32)
        if role == role_of_layout and layout == "--transpose":
            arr = np.ascontiguousarray(np.swapaxes(arr, -1, -2))
        if role == role_of_layout and layout == "--flatten":
            arr = arr.reshape(-1)
        arr.tofile(os.path.join(out_dir, role + ".bin"))
        with open(os.path.join(out_dir, role + ".shape"), "w") as f:
            f.write(" ".join(str(d) for d in arr.shape) + "\n")


def main():
    if sys.argv[1] == "dump":
        layout, role = (sys.argv[4], sys.argv[5]) if len(sys.argv) == 6 \
            else (None, None)
        dump(sys.argv[2], sys.argv[3], layout, role)
    else:
        _, _, path, t, d, out = sys.argv
        np.save(out, np.fromfile(path, np.float32).reshape(int(t), int(d)))


if __name__ == "__main__":
    main()

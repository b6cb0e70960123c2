#===- threads_check.py - moe-opt's OpenMP team beside PyTorch's ----------===#
#
# PyTorch loads GNU's libgomp; moe-opt's kernels run on the LLVM OpenMP
# runtime. After torch has run parallel work, each MoE layer of a random
# Mixtral (D = 1024, F = 2816, the shapes whose kernels split rows by
# omp_get_thread_num) is compiled on 2 threads and run several times; every
# run must equal the transformers block (compile_layer's probe checks the
# first, the loop the others).
#
#===----------------------------------------------------------------------===#

import torch
from mixtral import random_mixtral

import moe_opt

torch.set_num_threads(2)
model = random_mixtral(1024, 2816, 2)
x = torch.randn(2, 5, 1024)
worst = 0.0
for index in range(2):
    a = torch.randn(512, 512)
    (a @ a).sum()  # torch's OpenMP team is up
    compiled = moe_opt.compile_layer(model, index, threads=2)
    block = model.model.layers[index].mlp
    with torch.no_grad():
        want = block(x)
        for _ in range(5):
            (a @ a).sum()
            got = compiled(x)
            worst = max(worst, float((got - want).abs().max() /
                                     want.abs().max()))
print("layers 2, threads 2, worst relative error %s" %
      ("below 1e-5" if worst < 1e-5 else "%.3g" % worst))

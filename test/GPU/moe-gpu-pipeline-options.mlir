// Bad moe-gpu-pipeline options: one error line each, exit code 1.
//
// RUN: not moe-opt %s --moe-gpu-pipeline=format=ptx 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FORMAT
// FORMAT: moe-gpu-pipeline: format must be isa, bin, fatbin or none, got 'ptx'
// RUN: not moe-opt %s --moe-gpu-pipeline=chip=gfx90a 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CHIP
// CHIP: moe-gpu-pipeline: chip must name an NVIDIA architecture such as sm_80 or sm_90, got 'gfx90a'
// RUN: not moe-opt %s --moe-gpu-pipeline='chip=sm_75 tensor-cores=true' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TC
// TC: moe-gpu-pipeline: tensor-cores needs sm_80 or newer (mma.sync with TF32), got 'sm_75'
// RUN: not moe-opt %s --moe-gpu-pipeline=block-size=96 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BLOCK
// BLOCK: moe-gpu-pipeline: block-size must be a power of two between 1 and 1024, got 96
// RUN: not moe-opt %s --moe-gpu-pipeline=opt-level=7 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OPT
// OPT: moe-gpu-pipeline: opt-level must be between 0 and 3, got 7
// Serializing needs the toolkit's libdevice (and ptxas for cubins).
// RUN: not moe-opt %s --moe-gpu-pipeline='format=isa toolkit=%t/none' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TOOLKIT
// TOOLKIT: moe-gpu-pipeline: format=isa needs libdevice of the CUDA toolkit, not found at '{{.*}}none/nvvm/libdevice/libdevice.10.bc' (set the toolkit option or CUDA_HOME)
// RUN: rm -rf %t && mkdir -p %t/nvvm/libdevice && touch %t/nvvm/libdevice/libdevice.10.bc
// RUN: not moe-opt %s --moe-gpu-pipeline='format=bin toolkit=%t' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PTXAS
// PTXAS: moe-gpu-pipeline: format=bin needs ptxas of the CUDA toolkit, not found at '{{.*}}/bin/ptxas'

func.func @f(%x: tensor<4x16xf32>, %gate: tensor<4x16xf32>,
             %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>)
    -> tensor<4x16xf32> {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation gelu_erf : tensor<4x16xf32> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

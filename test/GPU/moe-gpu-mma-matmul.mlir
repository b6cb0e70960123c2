// moe-gpu-mma-matmul: f32 matmuls on buffers become tensor-core kernels
// (blocks of 4 warps, one 16x8 tile per warp, nvgpu.mma.sync m16n8k8 with
// TF32 inputs along K in steps of 8); the launch is skipped for an empty C.
// Fragment indices follow the PTX layout of mma.m16n8k8.tf32 (g = lane / 4,
// t = lane % 4): A rows g and g + 8, columns k + t and k + t + 4; B row n = g
// of the nn.Linear weight; C columns 2t and 2t + 1.
//
// RUN: moe-opt %s --moe-gpu-mma-matmul | FileCheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @linear(
// CHECK-SAME: %[[A:[^:]*]]: memref<?x64xf32>, %[[W:[^:]*]]: memref<24x64xf32>, %[[C:[^:]*]]: memref<?x24xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.*]] = memref.dim %[[C]], %{{.*}}
// CHECK: %[[N:.*]] = memref.dim %[[C]], %{{.*}}
// CHECK: %[[K:.*]] = memref.dim %[[A]], %{{.*}}
// CHECK: scf.if
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[GX:.*]] = arith.ceildivui %[[N]], %[[C32]]
// CHECK-DAG: %[[GY:.*]] = arith.ceildivui %[[M]], %[[C16]]
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GX]], {{.*}} = %[[GY]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C128:[^,]*]],
// The accumulator starts from C.
// CHECK-COUNT-4: memref.load %[[C]]
// CHECK: %[[INIT:.*]] = vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %{{.*}} to %[[K]] step %{{.*}} iter_args(%[[IT:.*]] = %[[INIT]]) -> (vector<2x2xf32>)
// CHECK-COUNT-4: memref.load %[[A]]
// CHECK-COUNT-2: memref.load %[[W]]
// CHECK: %[[FA:.*]] = vector.from_elements {{.*}} : vector<4x1xf32>
// CHECK: %[[FB:.*]] = vector.from_elements {{.*}} : vector<2x1xf32>
// CHECK: %[[D:.*]] = nvgpu.mma.sync(%[[FA]], %[[FB]], %[[IT]]) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: scf.yield %[[D]]
// CHECK-COUNT-4: memref.store %{{.*}}, %[[C]]
// CHECK: gpu.terminator
func.func @linear(%a: memref<?x64xf32>, %w: memref<24x64xf32>,
                  %c: memref<?x24xf32>) {
  linalg.matmul indexing_maps = [#mk, #nk, #mn]
    ins(%a, %w : memref<?x64xf32>, memref<24x64xf32>)
    outs(%c : memref<?x24xf32>)
  return
}

// B as [K, N]: the fragment of B is read at [k, n].
// CHECK-LABEL: func.func @plain(
// CHECK-SAME: %[[B:[^:]*]]: memref<64x24xf32>
// CHECK: scf.for
// CHECK: memref.load %[[B]][%[[KB:.*]], %[[NB:.*]]] : memref<64x24xf32>
// CHECK: nvgpu.mma.sync
func.func @plain(%a: memref<16x64xf32>, %b: memref<64x24xf32>,
                 %c: memref<16x24xf32>) {
  linalg.matmul indexing_maps = [#mk, #kn, #mn]
    ins(%a, %b : memref<16x64xf32>, memref<64x24xf32>)
    outs(%c : memref<16x24xf32>)
  return
}

// Not f32, or on tensors: left alone.
// CHECK-LABEL: func.func @bf16(
// CHECK: linalg.matmul
// CHECK-NOT: nvgpu.mma.sync
// CHECK-LABEL: func.func @tensors(
// CHECK: linalg.matmul
// CHECK-NOT: nvgpu.mma.sync
func.func @bf16(%a: memref<16x64xbf16>, %w: memref<24x64xbf16>,
                %c: memref<16x24xf32>) {
  linalg.matmul indexing_maps = [#mk, #nk, #mn]
    ins(%a, %w : memref<16x64xbf16>, memref<24x64xbf16>)
    outs(%c : memref<16x24xf32>)
  return
}
func.func @tensors(%a: tensor<16x64xf32>, %w: tensor<24x64xf32>,
                   %c: tensor<16x24xf32>) -> tensor<16x24xf32> {
  %r = linalg.matmul indexing_maps = [#mk, #nk, #mn]
    ins(%a, %w : tensor<16x64xf32>, tensor<24x64xf32>)
    outs(%c : tensor<16x24xf32>) -> tensor<16x24xf32>
  return %r : tensor<16x24xf32>
}

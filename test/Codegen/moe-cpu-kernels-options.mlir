// The CPU kernel passes reject options out of range with one error line
// (no operation dump), before they rewrite anything: register tiles past
// 64 vector accumulators (they would only spill, and a huge one takes
// minutes to compile), vectors wider than the 16 f32 lanes of AVX-512.
//
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="tile-rows=100000" 2>&1 | FileCheck %s --check-prefix=ROWS --implicit-check-not={{.}}
// ROWS: {{^.*}}error: moe-cpu-matmul-kernels: tile-rows = 100000 must be from 1 to 64
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="tile-cols=65" 2>&1 | FileCheck %s --check-prefix=COLS --implicit-check-not={{.}}
// COLS: {{^.*}}error: moe-cpu-matmul-kernels: tile-cols = 65 must be from 1 to 64
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="tile-rows=8 tile-cols=9" 2>&1 | FileCheck %s --check-prefix=TILE --implicit-check-not={{.}}
// TILE: {{^.*}}error: moe-cpu-matmul-kernels: tile-rows x tile-cols = 8 x 9 must be at most 64 accumulators
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="packed-tile-rows=33" 2>&1 | FileCheck %s --check-prefix=PACKED --implicit-check-not={{.}}
// PACKED: {{^.*}}error: moe-cpu-matmul-kernels: packed-tile-rows = 33 must be from 1 to 32
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="vector-width=32" 2>&1 | FileCheck %s --check-prefix=WIDTH --implicit-check-not={{.}}
// WIDTH: {{^.*}}error: moe-cpu-matmul-kernels: vector-width = 32 must be from 1 to 16
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="block-rows=0" 2>&1 | FileCheck %s --check-prefix=BLOCK --implicit-check-not={{.}}
// BLOCK: {{^.*}}error: moe-cpu-matmul-kernels: block-rows = 0 must be at least 1
// RUN: not moe-opt %s --moe-cpu-elementwise-kernels="vector-width=1048576" 2>&1 | FileCheck %s --check-prefix=ELT --implicit-check-not={{.}}
// ELT: {{^.*}}error: moe-cpu-elementwise-kernels: vector-width = 1048576 must be from 1 to 16
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="activation-group=48" 2>&1 | FileCheck %s --check-prefix=GROUP --implicit-check-not={{.}}
// GROUP: {{^.*}}error: moe-cpu-matmul-kernels: activation-group = 48 must be a power of two
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="activation-group=4" 2>&1 | FileCheck %s --check-prefix=GROUP-MIN --implicit-check-not={{.}}
// GROUP-MIN: {{^.*}}error: moe-cpu-matmul-kernels: activation-group = 4 must be from 8 to 2048
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="vnni=1 vector-width=4" 2>&1 | FileCheck %s --check-prefix=VNNI --implicit-check-not={{.}}
// VNNI: {{^.*}}error: moe-cpu-matmul-kernels: vnni needs vector-width 8 or 16 (VPDPBUSD on 256 or 512 bits), found 4
// RUN: not moe-opt %s --moe-cpu-matmul-kernels="madd=1 vector-width=4" 2>&1 | FileCheck %s --check-prefix=MADD --implicit-check-not={{.}}
// MADD: {{^.*}}error: moe-cpu-matmul-kernels: madd needs vector-width 8 or 16 (VPMADDUBSW on 256 or 512 bits), found 4
//
// The largest values in range compile.
// RUN: moe-opt %s --moe-cpu-matmul-kernels="tile-rows=8 tile-cols=8 packed-tile-rows=32 vector-width=16" | FileCheck %s --check-prefix=MAX
// MAX-LABEL: func.func @expert(
// MAX-COUNT-64: vector.fma {{.*}} : vector<16xf32>

func.func @expert(%x: tensor<?x20xf32>, %w: tensor<8x20xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%t) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x20xf32>, tensor<8x20xf32>)
      outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

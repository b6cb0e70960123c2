// moe-cpu-matmul-kernels on dequantized weights (a moe.dequantize generic
// of moe-to-linalg, marked `moe.dequantize_block`, feeding the B operand):
// the kernels read q and the block scales themselves. Each vector of B is
// loaded as q (vector<8xi8> or vector<8xf8E4M3FN>) and dequantized with
// its block's scale (and zero point), and the dequantized matrix never
// exists: the generic is erased. With an f32 result, the dot-product
// kernel applies each block's scale once, to the block's sums. Both the
// dot-product kernel and the packed-panel kernel (which dequantizes while
// it packs) do this. A block narrower than a vector along K (and not all
// of K) is not fused: the matmul reads the generic's result.
//
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-min-rows-16bit=0" --canonicalize --cse | FileCheck %s
// RUN: moe-opt %s --moe-cpu-matmul-kernels="packed-min-rows-16bit=1" --canonicalize --cse | FileCheck %s --check-prefix=PACKED

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d0, d1 floordiv 64)>
#g4 = affine_map<(d0, d1) -> (d0, d1 floordiv 4)>
#g32 = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
#blk = affine_map<(d0, d1) -> (d0 floordiv 128, d1 floordiv 128)>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Per output channel: one scale per weight row.
// CHECK-LABEL: func.func @int8_channel
// CHECK-NOT:     linalg.generic
// CHECK-DAG:     %[[Q:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<32x64xi8>
// The dot-product kernel loads a weight row's scale once per block (here
// all of K), sums the unscaled products and adds the sums times the scale
// at the block's end.
// CHECK:         scf.for
// CHECK:           %[[SC:.*]] = tensor.extract %{{.*}} : tensor<32x1xf32>
// CHECK:           %[[SUMS:.*]]:12 = scf.for
// CHECK:             %[[QV:.*]] = vector.load %[[Q]][%{{.*}}, %{{.*}}] : memref<32x64xi8, strided<[?, 1], offset: ?>>, vector<8xi8>
// CHECK-NEXT:        %[[W:.*]] = arith.extsi %[[QV]] : vector<8xi8> to vector<8xi32>
// CHECK-NEXT:        %[[F:.*]] = arith.sitofp %[[W]] : vector<8xi32> to vector<8xf32>
// CHECK-NOT:         arith.mulf
// CHECK:             vector.fma %{{.*}}, %[[F]], %{{.*}} : vector<8xf32>
// CHECK:             scf.yield
// CHECK:           %[[SV:.*]] = vector.broadcast %[[SC]] : f32 to vector<8xf32>
// CHECK:           vector.fma %[[SUMS]]#0, %[[SV]], %{{.*}} : vector<8xf32>
// PACKED-LABEL: func.func @int8_channel
// PACKED-NOT:     linalg.generic
// PACKED:         memref.alloca() {alignment = 64 : i64} : memref<256x16xf32>
// PACKED:         vector.load %{{.*}} : memref<32x64xi8, strided<[?, 1], offset: ?>>, vector<8xi8>
// PACKED:         arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// PACKED:         vector.shuffle
func.func @int8_channel(%x: tensor<?x64xf32>, %q: tensor<32x64xi8>, %s: tensor<32x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %w = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%q, %s : tensor<32x64xi8>, tensor<32x1xf32>) outs(%e : tensor<32x64xf32>) attrs = {moe.dequantize_block = array<i64: 1, 64>} {
  ^bb0(%a: i8, %b: f32, %o: f32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.mulf %1, %b : f32
    linalg.yield %2 : f32
  } -> tensor<32x64xf32>
  %cst = arith.constant 0.0 : f32
  %init = tensor.empty(%m) : tensor<?x32xf32>
  %zero = linalg.fill ins(%cst : f32) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>) outs(%zero : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Groups along K with zero points: a loop over the blocks of 32 loads the
// scale and zero point of each weight row's block, [n / 1, k0 / 32], and
// its steps subtract the zero point.
// CHECK-LABEL: func.func @int8_zero_points
// CHECK-NOT:     linalg.generic
// CHECK:           scf.for %[[K0:.*]] = %c0 to %c64 step %c32
// CHECK:             %[[KB:.*]] = arith.divui %[[K0]], %c32 : index
// CHECK-NEXT:        tensor.extract %{{.*}}[%{{.*}}, %[[KB]]] : tensor<32x2xf32>
// CHECK-NEXT:        %[[Z:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[KB]]] : tensor<32x2xi8>
// CHECK:             scf.for %{{.*}} = %[[K0]] to
// CHECK:               %[[QV:.*]] = vector.load %{{.*}} : memref<32x64xi8, strided<[?, 1], offset: ?>>, vector<8xi8>
// CHECK-NEXT:          %[[ZV:.*]] = vector.broadcast %[[Z]] : i8 to vector<8xi8>
// CHECK-NEXT:          %[[QW:.*]] = arith.extsi %[[QV]] : vector<8xi8> to vector<8xi32>
// CHECK-NEXT:          %[[ZW:.*]] = arith.extsi %[[ZV]] : vector<8xi8> to vector<8xi32>
// CHECK-NEXT:          arith.subi %[[QW]], %[[ZW]] : vector<8xi32>
func.func @int8_zero_points(%x: tensor<?x64xf32>, %q: tensor<32x64xi8>, %s: tensor<32x2xf32>, %z: tensor<32x2xi8>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %w = linalg.generic {indexing_maps = [#id, #g32, #g32, #id], iterator_types = ["parallel", "parallel"]} ins(%q, %s, %z : tensor<32x64xi8>, tensor<32x2xf32>, tensor<32x2xi8>) outs(%e : tensor<32x64xf32>) attrs = {moe.dequantize_block = array<i64: 1, 32>} {
  ^bb0(%a: i8, %b: f32, %c: i8, %o: f32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %c : i8 to i32
    %2 = arith.subi %0, %1 : i32
    %3 = arith.sitofp %2 : i32 to f32
    %4 = arith.mulf %3, %b : f32
    linalg.yield %4 : f32
  } -> tensor<32x64xf32>
  %cst = arith.constant 0.0 : f32
  %init = tensor.empty(%m) : tensor<?x32xf32>
  %zero = linalg.fill ins(%cst : f32) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>) outs(%zero : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// fp8 to bf16: the body's rounding to bf16 is kept, then widened to f32.
// CHECK-LABEL: func.func @fp8_bf16
// CHECK-NOT:     linalg.generic
// CHECK:           %[[QV:.*]] = vector.load %{{.*}} : memref<32x64xf8E4M3FN, strided<[?, 1], offset: ?>>, vector<8xf8E4M3FN>
// CHECK:           arith.bitcast %[[QV]] : vector<8xf8E4M3FN> to vector<8xi8>
// CHECK:           %[[R:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK:           arith.extf %[[R]] : vector<8xbf16> to vector<8xf32>
func.func @fp8_bf16(%x: tensor<?x64xf32>, %q: tensor<32x64xf8E4M3FN>, %s: tensor<1x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty() : tensor<32x64xbf16>
  %w = linalg.generic {indexing_maps = [#id, #blk, #id], iterator_types = ["parallel", "parallel"]} ins(%q, %s : tensor<32x64xf8E4M3FN>, tensor<1x1xf32>) outs(%e : tensor<32x64xbf16>) attrs = {moe.dequantize_block = array<i64: 128, 128>} {
  ^bb0(%a: f8E4M3FN, %b: f32, %o: bf16):
    %0 = arith.bitcast %a : f8E4M3FN to i8
    %1 = arith.extui %0 : i8 to i32
    %2 = arith.uitofp %1 : i32 to f32
    %3 = arith.mulf %2, %b : f32
    %4 = arith.truncf %3 : f32 to bf16
    linalg.yield %4 : bf16
  } -> tensor<32x64xbf16>
  %cst = arith.constant 0.0 : f32
  %init = tensor.empty(%m) : tensor<?x32xf32>
  %zero = linalg.fill ins(%cst : f32) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w : tensor<?x64xf32>, tensor<32x64xbf16>) outs(%zero : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Groups of 4 along K, narrower than a vector of 8: not fused.
// CHECK-LABEL: func.func @narrow_groups
// CHECK:         %[[W:.*]] = linalg.generic {{.*}}moe.dequantize_block = array<i64: 1, 4>
// CHECK:         bufferization.to_buffer %[[W]] read_only : tensor<32x64xf32>
// CHECK-NOT:     vector<8xi8>
func.func @narrow_groups(%x: tensor<?x64xf32>, %q: tensor<32x64xi8>, %s: tensor<32x16xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %w = linalg.generic {indexing_maps = [#id, #g4, #id], iterator_types = ["parallel", "parallel"]} ins(%q, %s : tensor<32x64xi8>, tensor<32x16xf32>) outs(%e : tensor<32x64xf32>) attrs = {moe.dequantize_block = array<i64: 1, 4>} {
  ^bb0(%a: i8, %b: f32, %o: f32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.mulf %1, %b : f32
    linalg.yield %2 : f32
  } -> tensor<32x64xf32>
  %cst = arith.constant 0.0 : f32
  %init = tensor.empty(%m) : tensor<?x32xf32>
  %zero = linalg.fill ins(%cst : f32) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>) outs(%zero : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

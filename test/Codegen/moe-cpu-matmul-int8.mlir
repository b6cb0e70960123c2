// moe-cpu-matmul-kernels with quantize-activations and vnni (Int8Matmul.cpp):
// a matmul on integer weights (moe.dequantize generic of int8 or packed
// int4, with or without zero points) that takes the packed-panel kernel
// quantizes the
// rows of A (math.roundeven of a * 127 / max|a| per group, biased by 128,
// stored four bytes to an i32 word) and multiplies with VPDPBUSD, called
// as the LLVM intrinsic's name on i32 accumulators and byte vectors; zero
// points z subtract z times each group's sum of the quantized activations.
// fp8 weights, a K that is not a multiple of 4 x
// vector-width, or vnni off keep the f32 kernels. With madd and without
// vnni, VPMADDUBSW + VPMADDWD by ones + an add stand for each VPDPBUSD: on
// int4 and e2m1 weights as unsigned bytes, on int8 weights as |w| (math.absi)
// with w's sign moved to the activation (VPSIGNB on 8 lanes, a select on 16);
// with both, VPDPBUSD. The dot-product kernel (DOT) multiplies the
// weights as VPDPBUSD's unsigned operand (e2m1 through a table offset by
// 12) and takes each output's scale per group from a per-thread scratch
// that a vector loop fills for the tile's K range (the e8m0 scales decoded
// a vector at a time), not from the weights' scales inside the group loop.
// (test/Integration/CPU/matmul-int8*.test run them against an emulation.)
//
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=1 madd=1 packed-min-rows-16bit=1" | FileCheck %s
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=8 quantize-activations=1 madd=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=MADD
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 madd=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=MADD16
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=8 quantize-activations=1 vnni=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=W8
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=1 packed-min-rows-16bit=0" | FileCheck %s --check-prefix=DOT
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=0 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=OFF
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=0 vnni=1 packed-min-rows-16bit=1" | FileCheck %s --check-prefix=OFF
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=1" | FileCheck %s --check-prefix=ROWS
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=1 packed-min-rows-short-groups=0" | FileCheck %s --check-prefix=ROWS0
// RUN: moe-opt %s --moe-to-linalg --moe-cpu-matmul-kernels="vector-width=16 quantize-activations=1 vnni=1 packed-min-rows-16bit=4" | FileCheck %s --check-prefix=ROWS4

// The row count from which the panels run (ROWS): packed-min-rows-16bit
// (32) for int8 per channel and fp8, packed-min-rows-short-groups (6) for
// groups of 32 (int4, mxfp4, int8 with zero points), whose dot-product
// tile scales every vector of 32 values; 0 there: the tile alone (ROWS0);
// the lower of the two (ROWS4).
// ROWS-LABEL: func.func @int8_channel(
// ROWS:         arith.cmpi uge, %{{.*}}, %c32{{.*}} : index
// ROWS-LABEL: func.func @int4_groups(
// ROWS:         arith.cmpi uge, %{{.*}}, %c6 : index
// ROWS-LABEL: func.func @mxfp4(
// ROWS:         arith.cmpi uge, %{{.*}}, %c6 : index
// ROWS-LABEL: func.func @zero_points(
// ROWS:         arith.cmpi uge, %{{.*}}, %c6 : index
// ROWS-LABEL: func.func @fp8(
// ROWS:         arith.cmpi uge, %{{.*}}, %c32{{.*}} : index
// ROWS0-LABEL: func.func @int8_channel(
// ROWS0:         arith.cmpi uge, %{{.*}}, %c32{{.*}} : index
// ROWS0-LABEL: func.func @mxfp4(
// ROWS0-NOT:     arith.cmpi uge
// ROWS0:         func.call @llvm.x86.avx512.vpdpbusd.256
// ROWS0-NOT:     arith.cmpi uge
// ROWS0-LABEL: func.func @zero_points(
// ROWS4-LABEL: func.func @int8_channel(
// ROWS4:         arith.cmpi uge, %{{.*}}, %c4 : index
// ROWS4-LABEL: func.func @mxfp4(
// ROWS4:         arith.cmpi uge, %{{.*}}, %c4 : index

// CHECK: func.func private @llvm.x86.avx512.vpdpbusd.512(vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// W8: func.func private @llvm.x86.avx512.vpdpbusd.256(vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// The dot-product kernel (packed-min-rows-16bit=0): activations quantized
// the same way, VPDPBUSD along K on rows of A and of the weights (the bias
// term once per weight row), each group's sums scaled into f32 lanes, one
// lane reduction per output. Groups of 32 of int4 and mxfp4 span less than
// the 64 values of a vector of 16 lanes: those matmuls take the 8-lane
// form (VPDPBUSD on ymm, which AVX512_VNNI CPUs have with AVX512VL).
// DOT-DAG: func.func private @llvm.x86.avx512.vpdpbusd.512(
// DOT-DAG: func.func private @llvm.x86.avx512.vpdpbusd.256(
// DOT-LABEL: func.func @int8_channel(
// DOT:         math.roundeven
// DOT:         func.call @llvm.x86.avx512.vpdpbusd.512
// DOT:         arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// DOT:         vector.reduction <add>
// DOT-LABEL: func.func @int4_groups(
// DOT-NOT:     vector.fma
// The weight rows two tiles ahead are prefetched into L2.
// DOT-COUNT-3: memref.prefetch {{.*}} read, locality<1>, data
// DOT-NEXT:    func.call @llvm.x86.avx512.vpdpbusd.256
// DOT:         arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// DOT-LABEL: func.func @mxfp4(
// DOT:         %[[TS:.*]] = memref.alloca() {alignment = 64 : i64} : memref<12x8xf32>
// DOT-NOT:     vector.fma
// DOT:         vector.maskedload {{.*}} into vector<8xf8E8M0FNU>
// DOT:         %[[WS:.*]] = arith.mulf {{.*}} : vector<8xf32>
// DOT:         %[[SA:.*]] = vector.maskedload {{.*}} : memref<?x4xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// DOT-NEXT:    %[[P:.*]] = arith.mulf %[[WS]], %[[SA]] : vector<8xf32>
// DOT-NEXT:    arith.constant
// DOT-NEXT:    vector.store %[[P]], %[[TS]]
// The loop over groups of 32 (one step of 32 values each: no inner loop).
// DOT:         = scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// DOT-NOT:     scf.for
// DOT:         %[[W:.*]] = func.call @llvm.x86.avx2.pshuf.b(%{{.*}}) {{.*}}
// DOT:         func.call @llvm.x86.avx512.vpdpbusd.256(%{{.*}}, %[[W]], %{{.*}})
// DOT-NOT:     f8E8M0FNU
// DOT:         %[[S:.*]] = memref.load %[[TS]]
// DOT-NEXT:    %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<8xf32>
// DOT-NEXT:    %[[F:.*]] = arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// DOT-NEXT:    vector.fma %[[F]], %[[SV]]
// DOT-LABEL: func.func @zero_points(
// OFF-NOT: vpdpbusd
// OFF-NOT: math.roundeven
// MADD-DAG: func.func private @llvm.x86.avx2.pmadd.ub.sw(vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// MADD-DAG: func.func private @llvm.x86.avx2.pmadd.wd(vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// MADD-NOT: vpdpbusd
// MADD-DAG: func.func private @llvm.x86.avx2.psign.b(vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// MADD-LABEL: func.func @int8_channel(
// MADD:         math.roundeven
// MADD:         %[[ABS:.*]] = math.absi %[[W:.*]] : vector<32xi8>
// MADD-NEXT:    %[[SA:.*]] = func.call @llvm.x86.avx2.psign.b(%[[A:.*]], %[[W]])
// MADD-NEXT:    func.call @llvm.x86.avx2.pmadd.ub.sw(%[[ABS]], %[[SA]])
// MADD-LABEL: func.func @int4_groups(
// MADD:         math.roundeven
// MADD:         %[[P:.*]] = func.call @llvm.x86.avx2.pmadd.ub.sw(
// MADD-NEXT:    %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// MADD-NEXT:    %[[S:.*]] = func.call @llvm.x86.avx2.pmadd.wd(%[[P]], %[[ONES]])
// MADD-NEXT:    arith.addi {{.*}}, %[[S]] : vector<8xi32>
// MADD-LABEL: func.func @mxfp4(
// MADD:         func.call @llvm.x86.avx2.pshuf.b
// MADD:         func.call @llvm.x86.avx2.pmadd.ub.sw
// MADD-LABEL: func.func @zero_points(
// MADD16-DAG: func.func private @llvm.x86.avx512.pmaddubs.w.512(vector<64xi8>, vector<64xi8>) -> vector<32xi16>
// MADD16-DAG: func.func private @llvm.x86.avx512.pmaddw.d.512(vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// MADD16-NOT: vpdpbusd
// MADD16-NOT: psign
// MADD16-LABEL: func.func @int8_channel(
// MADD16:       %[[ABS:.*]] = math.absi %[[W:.*]] : vector<64xi8>
// MADD16-NEXT:  %[[ZERO:.*]] = arith.constant dense<0> : vector<64xi8>
// MADD16-NEXT:  %[[NEG:.*]] = arith.cmpi slt, %[[W]], %[[ZERO]] : vector<64xi8>
// MADD16-NEXT:  %[[MINUS:.*]] = arith.subi %[[ZERO]], %[[A:.*]] : vector<64xi8>
// MADD16-NEXT:  %[[SA:.*]] = arith.select %[[NEG]], %[[MINUS]], %[[A]]
// MADD16-NEXT:  func.call @llvm.x86.avx512.pmaddubs.w.512(%[[ABS]], %[[SA]])
// MADD16-LABEL: func.func @int4_groups(
// MADD16:       func.call @llvm.x86.avx512.pmaddubs.w.512

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d0, d1 floordiv 128)>
#g32 = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// int8 per channel: A quantized (absmax, roundeven, + 128, four bytes to a
// word), then the panels' VPDPBUSD.
// CHECK-LABEL: func.func @int8_channel(
// CHECK:         memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x32xi32>
// CHECK:         memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x1xf32>
// CHECK:         vector.reduction <maximumf>
// CHECK:         math.roundeven {{.*}} : vector<16xf32>
// CHECK:         arith.trunci {{.*}} : vector<16xi32> to vector<16xi8>
// CHECK:         vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// CHECK:         func.call @llvm.x86.avx512.vpdpbusd.512({{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK:         arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT:     linalg.generic
// W8-LABEL: func.func @int8_channel(
// W8:         func.call @llvm.x86.avx512.vpdpbusd.256({{.*}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// OFF-LABEL: func.func @int8_channel(
// OFF:         vector.fma
func.func @int8_channel(%x: tensor<?x128xf32>, %q: tensor<32x128xi8>, %s: tensor<32x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x128xf32>
  %e = tensor.empty() : tensor<32x128xf32>
  %w = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : tensor<32x128xi8>, tensor<32x1xf32>) outs(%e : tensor<32x128xf32>)
      attrs = {moe.dequantize_block = array<i64: 1, 128>} {
  ^bb0(%v: i8, %sc: f32, %o: f32):
    %f = arith.sitofp %v : i8 to f32
    %r = arith.mulf %f, %sc : f32
    linalg.yield %r : f32
  } -> tensor<32x128xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x128xf32>, tensor<32x128xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Packed int4 in groups of 32: the nibbles are unpacked (interleaved) and
// biased by -8 while the panels are packed.
// CHECK-LABEL: func.func @int4_groups(
// CHECK:         vector.interleave {{.*}} : vector<32xi8> -> vector<64xi8>
// CHECK:         func.call @llvm.x86.avx512.vpdpbusd.512
// OFF-LABEL: func.func @int4_groups(
func.func @int4_groups(%x: tensor<?x128xf32>, %q: tensor<32x64xi8>, %s: tensor<32x4xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x128xf32>
  %w = moe.dequantize %q packed int4 scales(%s : tensor<32x4xf32>) block [1, 32] : tensor<32x64xi8> -> tensor<32x128xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x128xf32>, tensor<32x128xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// mxfp4: the e2m1 codes become twice their value through a VPSHUFB table
// (the values 0, 1, 2, 3, 4, 6, 8, 12 and their negatives in every 128-bit
// lane) and the e8m0 scales are halved.
// CHECK-LABEL: func.func @mxfp4(
// CHECK:         %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         arith.mulf {{.*}}, %[[HALF]] : f32
// CHECK:         arith.constant dense<[0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12, 0, 1,
// CHECK:         func.call @llvm.x86.avx512.pshuf.b.512
// CHECK:         func.call @llvm.x86.avx512.vpdpbusd.512
// OFF-LABEL: func.func @mxfp4(
// OFF-NOT:     pshuf
func.func @mxfp4(%x: tensor<?x128xf32>, %q: tensor<32x64xi8>, %s: tensor<32x4xf8E8M0FNU>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x128xf32>
  %w = moe.dequantize %q packed e2m1 scales(%s : tensor<32x4xf8E8M0FNU>) block [1, 32] : tensor<32x64xi8> -> tensor<32x128xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x128xf32>, tensor<32x128xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Zero points: the packing keeps each column's zero point (as i32) beside
// its weight scale; each group's i32 sums lose the zero points times the
// row's sum of quantized activations before they are scaled.
// CHECK-LABEL: func.func @zero_points(
// CHECK:         math.roundeven
// CHECK:         %[[Z:.*]] = memref.load %{{.*}} : memref<32x4xi8, {{.*}}>
// CHECK-NEXT:    %[[ZW:.*]] = arith.extsi %[[Z]] : i8 to i32
// CHECK-NEXT:    memref.store %[[ZW]], %[[OFFSETS:.*]][%{{.*}}, %{{.*}}] : memref<8x32xi32>
// CHECK:         func.call @llvm.x86.avx512.vpdpbusd.512
// CHECK:         %[[ZV:.*]] = vector.load %[[OFFSETS]][%{{.*}}, %{{.*}}] : memref<8x32xi32>, vector<16xi32>
// CHECK:         %[[SUM:.*]] = memref.load %{{.*}} : memref<?x4xi32>
// CHECK-NEXT:    %[[SUMV:.*]] = vector.broadcast %[[SUM]] : i32 to vector<16xi32>
// CHECK-NEXT:    %[[CORR:.*]] = arith.muli %[[SUMV]], %[[ZV]] : vector<16xi32>
// CHECK-NEXT:    %[[ISUM:.*]] = arith.subi %{{.*}}, %[[CORR]] : vector<16xi32>
// CHECK-NEXT:    arith.sitofp %[[ISUM]] : vector<16xi32> to vector<16xf32>
// CHECK-LABEL: func.func @fp8(
func.func @zero_points(%x: tensor<?x128xf32>, %q: tensor<32x128xi8>, %s: tensor<32x4xf32>, %z: tensor<32x4xi8>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x128xf32>
  %w = moe.dequantize %q scales(%s : tensor<32x4xf32>) zero_points(%z : tensor<32x4xi8>) block [1, 32] : tensor<32x128xi8> -> tensor<32x128xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x128xf32>, tensor<32x128xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// fp8 values are not integers: the f32 kernel.
// CHECK-NOT:     call @llvm.x86
// CHECK:         vector.fma
// CHECK-LABEL: func.func @odd_k(
func.func @fp8(%x: tensor<?x128xf32>, %q: tensor<32x128xf8E4M3FN>, %s: tensor<1x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x128xf32>
  %w = moe.dequantize %q scales(%s : tensor<1x1xf32>) block [128, 128] : tensor<32x128xf8E4M3FN> -> tensor<32x128xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x128xf32>, tensor<32x128xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// K = 96 is not a multiple of 64 (4 x 16 lanes): the f32 kernel.
// CHECK-NOT:     call @llvm.x86
// CHECK:         vector.fma
func.func @odd_k(%x: tensor<?x96xf32>, %q: tensor<32x96xi8>, %s: tensor<32x1xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x96xf32>
  %w = moe.dequantize %q scales(%s : tensor<32x1xf32>) block [1, 96] : tensor<32x96xi8> -> tensor<32x96xf32>
  %ey = tensor.empty(%t) : tensor<?x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<?x96xf32>, tensor<32x96xf32>)
      outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

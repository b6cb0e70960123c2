// moe-cpu-elementwise-kernels: the gated activation of the expert FFN,
// silu(a) * b on [rows, 2820] f32, becomes a row loop with a vector<8xf32>
// loop over each row (2816 columns) and a masked tail (4 columns); exp is
// expanded into the math dialect's polynomial (no scalar exp is left in the
// vector code). Ops outside the pattern stay as they are.
//
// RUN: moe-opt %s --moe-cpu-elementwise-kernels --canonicalize --cse | FileCheck %s
// RUN: moe-opt %s --moe-cpu-elementwise-kernels="num-threads=2" | FileCheck %s --check-prefix=THREADS
// RUN: not moe-opt %s --moe-cpu-elementwise-kernels="vector-width=0" 2>&1 | FileCheck %s --check-prefix=ERR

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @swiglu(
// CHECK-SAME: %[[UP:.*]]: tensor<?x2820xf32>, %[[GATE:.*]]: tensor<?x2820xf32>
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[U:.*]] = bufferization.to_buffer %[[UP]] read_only
// CHECK-DAG: %[[G:.*]] = bufferization.to_buffer %[[GATE]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x2820xf32>
// CHECK: scf.for %[[R:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK: scf.for %[[J:.*]] = %c0 to %c2816 step %c8 {
// CHECK: vector.load %[[U]][%[[R]], %[[J]]]{{.*}} vector<8xf32>
// CHECK: vector.load %[[G]][%[[R]], %[[J]]]{{.*}} vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.divf {{.*}} : vector<8xf32>
// CHECK: vector.store %{{.*}}, %[[OUT]][%[[R]], %[[J]]] : memref<?x2820xf32>, vector<8xf32>
// CHECK: vector.maskedload %[[U]][%[[R]], %c2816]
// CHECK: vector.maskedstore %[[OUT]][%[[R]], %c2816]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable

// THREADS-LABEL: func.func @swiglu(
// THREADS: omp.parallel num_threads
// THREADS: vector.store
// THREADS: omp.terminator
func.func @swiglu(%up: tensor<?x2820xf32>, %gate: tensor<?x2820xf32>)
    -> tensor<?x2820xf32> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %up, %c0 : tensor<?x2820xf32>
  %e = tensor.empty(%n) : tensor<?x2820xf32>
  %h = linalg.generic {indexing_maps = [#id, #id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%up, %gate : tensor<?x2820xf32>, tensor<?x2820xf32>)
      outs(%e : tensor<?x2820xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %neg = arith.negf %a : f32
    %exp = math.exp %neg : f32
    %den = arith.addf %exp, %one : f32
    %sig = arith.divf %one, %den : f32
    %silu = arith.mulf %a, %sig : f32
    %y = arith.mulf %silu, %b : f32
    linalg.yield %y : f32
  } -> tensor<?x2820xf32>
  return %h : tensor<?x2820xf32>
}

// A bias row [cols] read with (d0, d1) -> (d1) (an expert bias added
// before the activation): loaded at the column only, min/max clamps kept
// on vectors.
// CHECK-LABEL: func.func @bias_row(
// CHECK-SAME: %[[UP:.*]]: tensor<?x64xf32>, %[[BIAS:.*]]: tensor<64xf32>
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[U:.*]] = bufferization.to_buffer %[[UP]] read_only
// CHECK-DAG: %[[B:.*]] = bufferization.to_buffer %[[BIAS]] read_only
// CHECK: scf.for %[[R:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK: scf.for %[[J:.*]] = %c0 to %c64 step %c8 {
// CHECK-DAG: vector.load %[[U]][%[[R]], %[[J]]]{{.*}} vector<8xf32>
// CHECK-DAG: vector.load %[[B]][%[[J]]]{{.*}} vector<8xf32>
// CHECK: arith.minimumf {{.*}} : vector<8xf32>
// CHECK: arith.mulf {{.*}} : vector<8xf32>
#col = affine_map<(d0, d1) -> (d1)>
func.func @bias_row(%up: tensor<?x64xf32>, %bias: tensor<64xf32>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %limit = arith.constant 7.0 : f32
  %n = tensor.dim %up, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %h = linalg.generic {indexing_maps = [#id, #col, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%up, %bias : tensor<?x64xf32>, tensor<64xf32>)
      outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %c = arith.minimumf %s, %limit : f32
    %y = arith.mulf %c, %c : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// Not rewritten: a broadcast map (softmax denominator), a static row count,
// and a body that reads linalg.index.
// CHECK-LABEL: func.func @untouched(
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.load
func.func @untouched(%x: tensor<?x8xf32>, %s: tensor<?xf32>,
                     %y: tensor<4x8xf32>) -> (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #row, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : tensor<?x8xf32>, tensor<?xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<?x8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x8xf32>) outs(%y : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %m = arith.mulf %a, %f : f32
    linalg.yield %m : f32
  } -> tensor<?x8xf32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x8xf32>
}

// ERR: error: moe-cpu-elementwise-kernels: vector-width = 0 must be from 1 to 16

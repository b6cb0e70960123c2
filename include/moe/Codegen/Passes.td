//===- Passes.td - Per-target code generation passes --------*- tablegen -*-===//
//
// Kernel generation for the host CPU: the tensor-level linalg ops that
// moe-to-linalg produces are replaced by vectorized, multi-threaded loop
// nests over buffers. Each rewritten op becomes a small "buffer island":
// its operands enter through `bufferization.to_buffer {read_only}`, the
// kernel writes a fresh buffer, and `bufferization.to_tensor {restrict}`
// hands the result back to the tensor program, so that one-shot
// bufferization and the ownership-based deallocation of the pipeline treat
// the rest of the function as before.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CODEGEN_PASSES_TD
#define MOE_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoECPUElementwiseKernels
    : Pass<"moe-cpu-elementwise-kernels", "::mlir::ModuleOp"> {
  let summary = "Vectorize row-wise elementwise linalg.generic ops for the CPU";
  let description = [{
    Rewrites every `linalg.generic` on tensors whose iterators are all
    parallel, whose indexing maps are all identities of rank 2 with a
    dynamic leading (row) dimension (inputs may also be rows read with
    `(d0, d1) -> (d1)`: the expert biases), and whose body holds only
    elementwise `arith` and `math` ops on f32 (the activation, bias and
    gating product of the expert FFNs), into a loop over rows and a vector
    loop over each row:
    `vector-width` lanes at a time, the row's tail with masked loads and
    stores. The body is cloned on vectors; `math.exp`, `math.tanh`,
    `math.erf` and friends are then expanded into the polynomial
    approximations of the math dialect, which vectorize (the scalar libm
    calls of the reference lowering do not). Rows are split over
    `num-threads` threads with `omp.parallel` when it is not 1.

    Before:
    ```mlir
    %h = linalg.generic {indexing_maps = [#id, #id, #id],
                         iterator_types = ["parallel", "parallel"]}
        ins(%up, %gate : tensor<?x2816xf32>, tensor<?x2816xf32>)
        outs(%e : tensor<?x2816xf32>) { ... silu(%a) * %b ... }
    ```
    After (abridged):
    ```mlir
    %u = bufferization.to_buffer %up read_only : ...
    %out = memref.alloc(%rows) {alignment = 64 : i64} : memref<?x2816xf32>
    scf.for %r = %c0 to %rows step %c1 {
      scf.for %j = %c0 to %c2816 step %c8 {
        %a = vector.load %u[%r, %j] : ..., vector<8xf32>
        ...
        vector.store %v, %out[%r, %j] : memref<?x2816xf32>, vector<8xf32>
      }
    }
    %h = bufferization.to_tensor %out restrict writable : ...
    ```
  }];
  let options = [
    Option<"numThreads", "num-threads", "unsigned", /*default=*/"1",
           "Threads to split the rows over; 0 lets the OpenMP runtime "
           "choose (all cores)">,
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "f32 lanes per vector (8 for AVX2, 16 for AVX-512; 1 to 16)">,
  ];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten",
              "Number of elementwise ops vectorized">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MoECPUMatmulKernels : Pass<"moe-cpu-matmul-kernels", "::mlir::ModuleOp"> {
  let summary = "Tile, vectorize and multi-thread the matmuls of the MoE "
                "layer for the CPU";
  let description = [{
    Rewrites every `linalg.matmul` on tensors with transposed-B indexing
    maps (`C[m, n] += A[m, k] * B[n, k]`: the router and expert matmuls of
    moe-to-linalg, nn.Linear weights `[out, in]`) and an f32 result into a
    register-tiled loop nest over buffers. Operands may be f32, bf16 or f16
    (widened to f32 after each load); every size may be dynamic, and the
    expert row counts are.

    The loop nest: the weight rows (N) are split into `num-threads` equal
    ranges, one per thread of an `omp.parallel` region (none when
    `num-threads` is 1); each range is walked in blocks of `block-rows`
    weight rows (kept in L2) and, inside a block, in register tiles of
    `tile-rows` x `tile-cols` outputs (A rows x weight rows). A tile
    accumulates `tile-rows * tile-cols` vectors of `vector-width` lanes along
    K with `vector.fma`, both operands streamed with unit-stride vector loads
    (the weights in their checkpoint layout: no repacking, each weight row is
    read once per block from memory), and reduces each accumulator once at
    the end. A K longer than `k-block` is walked in chunks (the first stores
    its sums, the others add to them) so that a tile's activation rows stay
    in L1. The K tail uses masked loads; the row remainder uses one tile of
    exactly its rows (1 to `tile-rows` - 1, chosen at run time), the column
    remainder 1-column tiles of the same kernel.
    Decode-sized calls (one or a few rows per expert) are therefore GEMVs
    that stream each touched expert's weights once.

    A matmul with at least `packed-min-rows` rows of A (`packed-min-rows-16bit`
    for bf16/f16 weights; tested at run time when the row count is dynamic)
    whose weight rows N are a multiple of 2 * `vector-width` runs the
    packed-panel kernel instead: the threads
    split N into panels of 2 * `vector-width` weight rows; each panel is
    packed, `packed-k-block` columns of K at a time, into a per-thread
    scratch buffer `Bp[k][j]` (transposed with vector shuffles, 16-bit
    weights widened to f32 once), and every tile of `packed-tile-rows` rows
    of A runs over it with 2 vector accumulators per row: per k, two vector
    loads of Bp, one broadcast of `A[m, k]` per row and two `vector.fma` per
    row, and the accumulators are rows of C (no lane reduction). The row
    remainder uses one tile of exactly its rows. The rows of A are taken in
    blocks of `packed-m-block` rows, each block running over all panels, so
    that the block's K chunk of A stays in L2.

    With `quantize-activations` and `vnni` (the target has VPDPBUSD:
    AVX512_VNNI for 16 lanes, AVX_VNNI for 8), a matmul whose weights are
    integers dequantized by a `moe.dequantize` (int8 or packed int4, with
    or without zero points, or packed e2m1: twice its values are integers)
    and whose K is a multiple of 4 * `vector-width` runs on
    integers: the rows of A are quantized to int8 per group of up to
    `activation-group` values along K (a divisor of the weights' K block;
    scale = max |a| / 127, round to nearest even) and each VPDPBUSD does 64
    (16 lanes) multiply-adds. The packed-panel kernel packs its panels as
    bytes in groups of 4 along K; the dot-product kernel reads the weights
    as they are (when a group holds whole vectors of 4 * `vector-width`
    values). Every group's i32 sums are scaled by the weight and activation
    scales into f32 accumulators, less the zero points times the group's
    sum of quantized activations. The result then differs from the f32
    product by the activations' rounding (docs/Quantization.md). Without
    `vnni` but with `madd` (the target has VPMADDUBSW: AVX512BW for 16
    lanes, AVX2 for 8), the same kernels run with VPMADDUBSW and VPMADDWD:
    the weights as unsigned bytes (int4 nibbles as stored, w + 8; doubled
    e2m1 values + 12; |w| of int8, whose sign moves to the activation)
    times the signed activations, each group corrected by the offset times
    the sum of its activations. No pair of products leaves the i16 range,
    so the sums are those of VPDPBUSD.
    Other matmuls are unchanged by these options.

    Before:
    ```mlir
    %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
           ins(%x, %w : tensor<?x1024xf32>, tensor<2816x1024xf32>)
           outs(%zero : tensor<?x2816xf32>) -> tensor<?x2816xf32>
    ```
    After (abridged):
    ```mlir
    %a = bufferization.to_buffer %x read_only : ...
    %c = memref.alloc(%m) {alignment = 64 : i64} : memref<?x2816xf32>
    omp.parallel {
      ... scf.for %n ... scf.for %m ... scf.for %k ... iter_args(...) {
        %va = vector.load %a[%m, %k] : ..., vector<8xf32>
        %vb = vector.load %b[%n, %k] : ..., vector<8xf32>
        %acc = vector.fma %va, %vb, %acc0 : vector<8xf32>
      }
      %s = vector.reduction <add>, %acc fastmath<reassoc> : ...
    }
    %y = bufferization.to_tensor %c restrict writable : ...
    ```
  }];
  let options = [
    Option<"numThreads", "num-threads", "unsigned", /*default=*/"1",
           "Threads to split the weight rows over; 0 lets the OpenMP "
           "runtime choose (all cores)">,
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "f32 lanes per vector (8 for AVX2, 16 for AVX-512; a power of "
           "two up to 16)">,
    Option<"tileRows", "tile-rows", "unsigned", /*default=*/"4",
           "Rows of A per register tile (tile-rows x tile-cols at most "
           "64)">,
    Option<"tileCols", "tile-cols", "unsigned", /*default=*/"3",
           "Weight rows (output columns) per register tile">,
    Option<"blockRows", "block-rows", "unsigned", /*default=*/"32",
           "Weight rows per cache block">,
    Option<"kBlock", "k-block", "unsigned", /*default=*/"1024",
           "Longest K range a tile covers before its sums are stored and "
           "the next range adds to them (keeps the A rows of a tile in L1); "
           "16x as long for the dot-product tiles on int8 activations, 4x "
           "for fp8 weights decoded through f16 in steps of 4 vectors; 0: "
           "all of K at once">,
    Option<"packedMinRows", "packed-min-rows", "unsigned", /*default=*/"128",
           "Rows of A from which a matmul on f32 weights whose weight rows "
           "are whole panels (a multiple of 2 * vector-width) runs the "
           "packed-panel kernel (checked at run time for a dynamic row "
           "count); 0: never">,
    Option<"packedMinRows16", "packed-min-rows-16bit", "unsigned",
           /*default=*/"32",
           "The same threshold for bf16 or f16 weights, which the packing "
           "widens once instead of at every register tile; 0: never">,
    Option<"packedMinRowsShortGroups", "packed-min-rows-short-groups",
           "unsigned", /*default=*/"6",
           "The same threshold, if lower than packed-min-rows-16bit, for "
           "integer weights on int8 activations in groups of one vector of "
           "4 x 8 or 4 x 16 values (mxfp4, int4 in groups of 32), whose "
           "dot-product tile scales the sums of every vector of every row "
           "of A; 0 here or in packed-min-rows-16bit: never">,
    Option<"packedTileRows", "packed-tile-rows", "unsigned", /*default=*/"6",
           "Rows of A per register tile of the packed-panel kernel (each "
           "holds 2 vector accumulators; at most 32)">,
    Option<"packedKBlock", "packed-k-block", "unsigned", /*default=*/"256",
           "K columns of a weight panel packed at once (rounded up to a "
           "multiple of vector-width; at most 2048)">,
    Option<"packedMBlock", "packed-m-block", "unsigned", /*default=*/"384",
           "Rows of A that run over the packed panels before the next "
           "rows (their K chunk stays in L2; the panels are packed again "
           "for every block); 0: all rows at once">,
    Option<"quantizeActivations", "quantize-activations", "bool",
           /*default=*/"false",
           "Let matmuls on int8/int4 weights quantize their activations to "
           "int8 and multiply on integers (needs vnni or madd; changes the "
           "result by the activations' rounding)">,
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "The target has VPDPBUSD for vector-width lanes (AVX512_VNNI for "
           "16, AVX_VNNI for 8)">,
    Option<"madd", "madd", "bool", /*default=*/"false",
           "The target has VPMADDUBSW for vector-width lanes (AVX512BW for "
           "16, AVX2 for 8): without vnni, integer weights multiply int8 "
           "activations with it">,
    Option<"f16c", "f16c", "bool", /*default=*/"false",
           "The target converts vectors of f16 to f32 (F16C): fp8 weights "
           "decode through f16, in fewer operations (the same values)">,
    Option<"bf16Activations", "bf16-activations", "bool",
           /*default=*/"false",
           "Let the packed-panel kernel of expert matmuls on bf16 weights "
           "round their activations to bf16 and multiply pairs with "
           "VDPBF16PS (needs bf16-dot; changes the result by the "
           "activations' rounding; router matmuls keep f32)">,
    Option<"bf16Dot", "bf16-dot", "bool", /*default=*/"false",
           "The target has VDPBF16PS for vector-width lanes (AVX512_BF16 for "
           "16; with AVX512VL for 8)">,
    Option<"activationGroup", "activation-group", "unsigned",
           /*default=*/"128",
           "Most K values of a row of A per int8 activation scale (a "
           "power of two from vector-width on)">,
  ];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten", "Number of matmuls rewritten">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

//===----------------------------------------------------------------------===//
// GPU (moe-gpu-pipeline, docs/GPU.md)
//===----------------------------------------------------------------------===//

def MoEGPUManagedBuffers
    : Pass<"moe-gpu-managed-buffers", "::mlir::func::FuncOp"> {
  let summary = "Allocate the host program's buffers in memory that both the "
                "host and the GPU can access";
  let description = [{
    After the loops of moe-gpu-pipeline became kernels, the host program
    still reads and writes some buffers itself (the sequential top-k,
    histogram and row-permutation loops of the reference lowering) between
    the launches. This pass gives every buffer of the host program an
    address that is valid on both sides: `memref.alloc` becomes
    `gpu.alloc host_shared` (CUDA managed memory, `cuMemAllocManaged`),
    `memref.dealloc` becomes a `gpu.dealloc` on a stream of its own that
    the host waits for (gpu-to-llvm lowers only that form), and
    `memref.get_global` (a
    constant in host memory) becomes a managed copy of the global.
    Operations inside `gpu.launch` bodies are left alone. Function arguments
    are not touched: callers pass managed or device memory (moe-run
    `--target=cuda` does).

    Before:
    ```mlir
    %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32>
    ...
    memref.dealloc %b : memref<?x8xf32>
    ```
    After:
    ```mlir
    %b = gpu.alloc host_shared (%n) : memref<?x8xf32>
    ...
    %s = gpu.wait async
    %f = gpu.dealloc async [%s] %b : memref<?x8xf32>
    gpu.wait [%f]
    ```
  }];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten",
              "Number of allocations, deallocations and globals rewritten">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def MoEGPUMmaMatmul : Pass<"moe-gpu-mma-matmul", "::mlir::func::FuncOp"> {
  let summary = "Compute f32 matmuls on buffers on tensor cores "
                "(nvgpu.mma.sync m16n8k8, TF32 inputs, f32 accumulation)";
  let description = [{
    Replaces every `linalg.matmul` on f32 memrefs whose indexing maps are
    `C[m, n] += A[m, k] * B[n, k]` (nn.Linear weights: the router and the
    expert GEMMs of moe-to-linalg) or `C[m, n] += A[m, k] * B[k, n]` with a
    `gpu.launch` of tensor-core warps: one block of 4 warps per 16 x 32 tile
    of C, each warp one 16 x 8 tile, K in steps of 8 with one
    `nvgpu.mma.sync {mmaShape = [16, 8, 8], tf32Enabled}` per step. The
    fragments are loaded from global memory in the PTX fragment layout of
    mma.m16n8k8.tf32; loads outside the matrices give 0 and stores outside
    are skipped, so every size may be dynamic (the expert row counts are).
    The accumulator starts from C, as linalg.matmul does. The launch is
    skipped when C is empty.

    TF32 keeps 10 mantissa bits of the inputs: results differ from the f32
    SIMT kernels by about 1e-3 relative. Needs sm_80 or newer.

    Before:
    ```mlir
    linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : memref<?x1024xf32, strided<[1024, 1], offset: ?>>,
                   memref<2816x1024xf32, strided<[1024, 1], offset: ?>>)
      outs(%y : memref<?x2816xf32>)
    ```
    After (abridged):
    ```mlir
    scf.if %nonempty {
      gpu.launch blocks(...) in (%gx = %n_tiles, %gy = %m_tiles, ...)
                 threads(...) in (%tx = %c128, ...) {
        %acc = scf.for %k = %c0 to %K step %c8 iter_args(%c = %init) {
          %a = vector.from_elements ... : vector<4x1xf32>
          %b = vector.from_elements ... : vector<2x1xf32>
          %d = nvgpu.mma.sync(%a, %b, %c) {mmaShape = [16, 8, 8],
                 tf32Enabled} : (...) -> vector<2x2xf32>
          scf.yield %d : vector<2x2xf32>
        }
        ...
      }
    }
    ```
  }];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten", "Number of matmuls rewritten">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MoEGPUMapParallelLoops
    : Pass<"moe-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Tile the outermost scf.parallel loops into blocks of threads "
                "and map them to the GPU grid";
  let description = [{
    Prepares the `scf.parallel` loops that `convert-linalg-to-parallel-loops`
    makes of each linalg op for `convert-parallel-loops-to-gpu`. Every
    outermost `scf.parallel` (one outside any other `scf.parallel` and any
    `gpu.launch`) is tiled into an outer loop over blocks and an inner loop
    over the threads of a block, with constant inner bounds and an `scf.if`
    guard for partial tiles (so the block size is a constant). The block
    gets `block-size` threads: the innermost loop dimension takes as many as
    it has iterations (rounded up to a power of two, at most `block-size`;
    all of them when its trip count is not a constant), the next dimension
    what remains; the others take one. Then both loops are mapped,
    innermost dimension first (consecutive threads access consecutive
    elements): the outer loop to block ids x, y, z, the inner one to thread
    ids x, y, z; dimensions beyond the third run sequentially. A loop that
    may have no iteration (a dynamic bound: an expert without rows) is
    wrapped in an `scf.if`, since launching an empty grid is an error.

    Before:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c2816) step (%c1, %c1) {
      ...
    }
    ```
    After (abridged):
    ```mlir
    scf.parallel (%bi, %bj) = (%c0, %c0) to (%n, %c2816) step (%c1, %c256) {
      scf.parallel (%ti, %tj) = (%c0, %c0) to (%c1, %c256) step (%c1, %c1) {
        scf.if %in_bounds { ... }
      } {mapping = [#gpu.loop_dim_map<processor = thread_y, ...>,
                    #gpu.loop_dim_map<processor = thread_x, ...>]}
    } {mapping = [#gpu.loop_dim_map<processor = block_y, ...>,
                  #gpu.loop_dim_map<processor = block_x, ...>]}
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "unsigned", /*default=*/"256",
           "Threads per block (a power of two, at most 1024)">,
  ];
  let statistics = [
    Statistic<"numMapped", "num-mapped", "Number of parallel loops mapped">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // MOE_CODEGEN_PASSES_TD

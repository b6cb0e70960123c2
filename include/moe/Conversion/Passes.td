//===- Passes.td - Conversions out of the moe dialect ------*- tablegen -*-===//

#ifndef MOE_CONVERSION_PASSES_TD
#define MOE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToLinalg : Pass<"moe-to-linalg"> {
  let summary = "Reference lowering of every moe op to linalg, tensor, scf, arith and math";
  let description = [{
    Lowers `moe.route`, `moe.route_expert_choice`, `moe.dispatch`,
    `moe.grouped_matmul`, `moe.experts`, `moe.combine` and the fused
    `moe.grouped_matmul_act` and `moe.grouped_matmul_combine` to upstream ops on
    tensors, exactly as `docs/Spec.md` defines them. This lowering is the
    oracle the fast paths are checked against: it is written to be obviously
    correct, not fast (routing and dispatch are scalar `scf.for` loops; the
    expert FFNs are one `linalg.matmul` per expert on a row slice).

    `moe.layer` must be decomposed first: the pass fails on it with an error
    that says to run `--moe-decompose`. `moe.all_to_all` is left in place for
    the distributed lowering.

    Before:
    ```mlir
    %out = moe.combine %y tokens(%tok : tensor<?xi32>)
             weights(%rw : tensor<?xf32>) into %acc
             : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
    After (abridged): an `scf.for` over the rows whose body extracts the
    row's token and weight, skips tokens outside `[0, T)`, and adds
    `weight * row` in f32 to the token's accumulator row.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertMoEToMPI : Pass<"moe-to-mpi", "::mlir::ModuleOp"> {
  let summary = "Lower moe.all_to_all to calls of the MPI runtime";
  let description = [{
    Rewrites every `moe.all_to_all` (f32 rows) into two calls of the MPI
    runtime (`lib/Runtime/MPI`), on buffers taken from the tensors with
    `bufferization.to_buffer` and given back with `bufferization.to_tensor`,
    so that the rest of `moe-cpu-pipeline` bufferizes around them:

    1. `moe_mpi_exchange_counts(send_counts, recv_counts, N, R)`:
       `MPI_Alltoall` of the row counts; returns `Σ recv_counts`, which is
       the row count `M` of a dynamic result;
    2. `moe_mpi_alltoallv_f32(rows, send_counts, recv_counts, result, R)`:
       `MPI_Alltoallv` of the rows (one MPI element per row).

    Both are declared with `llvm.emit_c_interface` and take memrefs with a
    fully dynamic strided layout. The runtime aborts the job (`MPI_Abort`)
    when MPI is not initialized or the job does not have `R` ranks.

    Before:
    ```mlir
    %recv, %rc = moe.all_to_all %rows, %sc ranks 4
        : tensor<32x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
    ```
    After (abridged):
    ```mlir
    %m = call @moe_mpi_exchange_counts(%scb, %rcb, %c32, %c4) : (...) -> i64
    %buf = memref.alloc(%mi) : memref<?x64xf32>
    call @moe_mpi_alltoallv_f32(%rowsb, %scb, %rcb, %bufc, %c4) : (...) -> ()
    %recv = bufferization.to_tensor %buf restrict writable ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

#endif // MOE_CONVERSION_PASSES_TD

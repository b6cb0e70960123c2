//===- MPIRuntime.h - MPI runtime of moe.all_to_all -------------*- C++ -*-===//
//
// The functions that code lowered by moe-to-mpi calls (through the MLIR C
// interface: memrefs are passed as pointers to strided descriptors), and
// the host side of a sharded run (statistics of what was exchanged). The
// transport is MPI_Alltoall / MPI_Alltoallv on MPI_COMM_WORLD.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_RUNTIME_MPI_MPIRUNTIME_H
#define MOE_LIB_RUNTIME_MPI_MPIRUNTIME_H

#include <cstdint>

/// A strided memref descriptor of rank N, as the C interface passes it.
template <typename T, int N> struct MoEMemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];
};

/// Bytes exchanged since the start (or the last reset) by this rank.
struct MoEMPIStats {
  int64_t exchanges = 0;        // moe.all_to_all executions
  int64_t rowBytesRemote = 0;   // row payload sent to other ranks
  int64_t rowBytesSelf = 0;     // row payload "sent" to this rank (a copy)
  int64_t countBytesRemote = 0; // counts sent to other ranks
};

extern "C" {
/// Exchanges the row counts of one moe.all_to_all: `send[r]` rows go to
/// rank r (cut so that their sum is at most `availableRows`); fills
/// `recv[r]` with what rank r sends here and returns the sum of `recv`.
/// Aborts the job (MPI_Abort) when the job does not have `ranks` ranks.
int64_t _mlir_ciface_moe_mpi_exchange_counts(MoEMemRef<int32_t, 1> *send,
                                             MoEMemRef<int32_t, 1> *recv,
                                             int64_t availableRows,
                                             int64_t ranks);

/// Moves the rows (f32): `rows` grouped by destination as `send` says,
/// received into `result` in rank order as `recv` (from the count
/// exchange) says; rows past what is received are zero, rows past
/// `result`'s size are cut.
void _mlir_ciface_moe_mpi_alltoallv_f32(MoEMemRef<float, 2> *rows,
                                        MoEMemRef<int32_t, 1> *send,
                                        MoEMemRef<int32_t, 1> *recv,
                                        MoEMemRef<float, 2> *result,
                                        int64_t ranks);

/// This rank's statistics; `reset` clears them after reading.
void moe_mpi_get_stats(MoEMPIStats *out, int reset);
}

#endif // MOE_LIB_RUNTIME_MPI_MPIRUNTIME_H

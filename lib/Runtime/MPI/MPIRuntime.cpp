//===- MPIRuntime.cpp - MPI runtime of moe.all_to_all ---------------------===//
//
// Every failure ends the whole job: a message on stderr naming the rank,
// then MPI_Abort, so that no rank waits forever in a collective that a
// failed rank will never join.
//
//===----------------------------------------------------------------------===//

#include "MPIRuntime.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

MoEMPIStats stats;

[[noreturn]] void fail(const char *what) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int rank = -1;
  if (initialized)
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "error: rank %d: moe.all_to_all: %s\n", rank, what);
  std::fflush(stderr);
  // Let mpiexec forward the line before the abort ends the job.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  if (initialized)
    MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

/// Checks that MPI runs with `ranks` ranks; returns this rank.
int checkJob(int64_t ranks) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    fail("MPI is not initialized (run the sharded program under mpiexec, "
         "with moe-run --shard)");
  int size = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (size != ranks) {
    char message[160];
    std::snprintf(message, sizeof(message),
                  "the program was sharded for %lld ranks, the job has %d",
                  static_cast<long long>(ranks), size);
    fail(message);
  }
  return rank;
}

int32_t at(const MoEMemRef<int32_t, 1> *m, int64_t i) {
  return m->aligned[m->offset + i * m->strides[0]];
}

/// The send counts, negative ones as 0, cut so that they sum to at most
/// `available` rows.
std::vector<int> cutCounts(const MoEMemRef<int32_t, 1> *send, int64_t ranks,
                           int64_t available) {
  std::vector<int> counts(ranks);
  int64_t left = std::max<int64_t>(available, 0);
  for (int64_t r = 0; r < ranks; ++r) {
    int64_t c = std::clamp<int64_t>(at(send, r), 0, left);
    counts[r] = static_cast<int>(c);
    left -= c;
  }
  return counts;
}

std::vector<int> prefix(const std::vector<int> &counts) {
  std::vector<int> displs(counts.size(), 0);
  for (size_t i = 1; i < counts.size(); ++i)
    displs[i] = displs[i - 1] + counts[i - 1];
  return displs;
}

bool isDenseRows(const MoEMemRef<float, 2> *m) {
  return m->strides[1] == 1 &&
         (m->sizes[0] <= 1 || m->strides[0] == m->sizes[1]);
}

} // namespace

extern "C" int64_t
_mlir_ciface_moe_mpi_exchange_counts(MoEMemRef<int32_t, 1> *send,
                                     MoEMemRef<int32_t, 1> *recv,
                                     int64_t availableRows, int64_t ranks) {
  int rank = checkJob(ranks);
  if (send->sizes[0] != ranks || recv->sizes[0] != ranks)
    fail("count buffers do not have one entry per rank");
  std::vector<int> counts = cutCounts(send, ranks, availableRows);
  std::vector<int> received(ranks, 0);
  MPI_Alltoall(counts.data(), 1, MPI_INT, received.data(), 1, MPI_INT,
               MPI_COMM_WORLD);
  stats.countBytesRemote += static_cast<int64_t>(sizeof(int)) * (ranks - 1);
  (void)rank;
  int64_t total = 0;
  for (int64_t r = 0; r < ranks; ++r) {
    recv->aligned[recv->offset + r * recv->strides[0]] = received[r];
    total += received[r];
  }
  return total;
}

extern "C" void _mlir_ciface_moe_mpi_alltoallv_f32(MoEMemRef<float, 2> *rows,
                                                   MoEMemRef<int32_t, 1> *send,
                                                   MoEMemRef<int32_t, 1> *recv,
                                                   MoEMemRef<float, 2> *result,
                                                   int64_t ranks) {
  int rank = checkJob(ranks);
  int64_t d = rows->sizes[1];
  if (result->sizes[1] != d)
    fail("result rows do not have the width of the sent rows");
  std::vector<int> sendCounts = cutCounts(send, ranks, rows->sizes[0]);
  std::vector<int> recvCounts(ranks);
  int64_t total = 0;
  for (int64_t r = 0; r < ranks; ++r) {
    recvCounts[r] = std::max<int32_t>(at(recv, r), 0);
    total += recvCounts[r];
  }

  // One MPI element is a row of d floats, so counts are row counts.
  MPI_Datatype row;
  MPI_Type_contiguous(static_cast<int>(std::max<int64_t>(d, 1)), MPI_FLOAT,
                      &row);
  MPI_Type_commit(&row);

  // Dense copies only where the buffers are not dense row-major already.
  const float *sendData = rows->aligned + rows->offset;
  std::vector<float> sendCopy;
  int64_t sendTotal = 0;
  for (int c : sendCounts)
    sendTotal += c;
  if (!isDenseRows(rows)) {
    sendCopy.resize(sendTotal * d);
    for (int64_t i = 0; i < sendTotal; ++i)
      for (int64_t j = 0; j < d; ++j)
        sendCopy[i * d + j] =
            rows->aligned[rows->offset + i * rows->strides[0] +
                          j * rows->strides[1]];
    sendData = sendCopy.data();
  }
  int64_t capacity = result->sizes[0];
  bool direct = isDenseRows(result) && total <= capacity;
  std::vector<float> recvCopy;
  float *recvData = result->aligned + result->offset;
  if (!direct) {
    recvCopy.resize(total * d);
    recvData = recvCopy.data();
  }
  std::vector<int> sendDispls = prefix(sendCounts);
  std::vector<int> recvDispls = prefix(recvCounts);
  MPI_Alltoallv(sendData, sendCounts.data(), sendDispls.data(), row, recvData,
                recvCounts.data(), recvDispls.data(), row, MPI_COMM_WORLD);
  MPI_Type_free(&row);

  int64_t rowBytes = d * static_cast<int64_t>(sizeof(float));
  for (int64_t r = 0; r < ranks; ++r) {
    if (r == rank)
      stats.rowBytesSelf += sendCounts[r] * rowBytes;
    else
      stats.rowBytesRemote += sendCounts[r] * rowBytes;
  }
  ++stats.exchanges;

  // Rows past what was received are zero; rows past the result are cut.
  int64_t kept = std::min(total, capacity);
  for (int64_t i = 0; i < capacity; ++i)
    for (int64_t j = 0; j < d; ++j) {
      float v = i < kept ? recvData[i * d + j] : 0.0f;
      if (!direct || i >= kept)
        result->aligned[result->offset + i * result->strides[0] +
                        j * result->strides[1]] = v;
    }
}

extern "C" void moe_mpi_get_stats(MoEMPIStats *out, int reset) {
  *out = stats;
  if (reset)
    stats = MoEMPIStats();
}

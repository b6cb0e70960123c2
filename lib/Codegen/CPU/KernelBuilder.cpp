//===- KernelBuilder.cpp - Shared pieces of the CPU kernels ---------------===//

#include "KernelBuilder.h"

#include "moe/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/TargetParser/Host.h"

#ifdef MOE_HAVE_LIBOMP
extern "C" int omp_get_num_procs(void);
#endif

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

bool mlir::moe::hasOpenMPRuntime() {
#ifdef MOE_HAVE_LIBOMP
  return true;
#else
  return false;
#endif
}

unsigned mlir::moe::getDefaultNumThreads() {
#ifdef MOE_HAVE_LIBOMP
  int procs = omp_get_num_procs();
  return procs > 0 ? static_cast<unsigned>(procs) : 1;
#else
  return 1;
#endif
}

unsigned mlir::moe::getHostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find("avx512f");
  return it != features.end() && it->second ? 16 : 8;
}

static bool hostHas(StringRef feature) {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find(feature);
  return it != features.end() && it->second;
}

bool mlir::moe::hostHasVNNI(unsigned vectorWidth) {
  if (vectorWidth == 16)
    return hostHas("avx512vnni");
  if (vectorWidth == 8)
    return hostHas("avxvnni") ||
           (hostHas("avx512vnni") && hostHas("avx512vl"));
  return false;
}

bool mlir::moe::hostHasInt8Madd(unsigned vectorWidth) {
  if (vectorWidth == 16)
    return hostHas("avx512bw");
  return vectorWidth == 8 && hostHas("avx2");
}

bool mlir::moe::hostHasBf16Dot(unsigned vectorWidth) {
  if (vectorWidth == 16)
    return hostHas("avx512bf16");
  return vectorWidth == 8 && hostHas("avx512bf16") && hostHas("avx512vl");
}

Value cpu::indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value cpu::readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  if (!strides.empty())
    strides.back() = 1;
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  auto memrefType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  return bufferization::ToBufferOp::create(b, loc, memrefType, tensor,
                                           /*read_only=*/true);
}

Value cpu::allocBuffer(OpBuilder &b, Location loc, RankedTensorType type,
                       ValueRange dynamicSizes) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::AllocOp::create(b, loc, memrefType, dynamicSizes,
                                 b.getI64IntegerAttr(64));
}

Value cpu::bufferToTensor(OpBuilder &b, Location loc, Value buffer,
                          RankedTensorType type) {
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value cpu::memrefDim(OpBuilder &b, Location loc, Value memref, int64_t dim) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(dim))
    return indexConst(b, loc, type.getDimSize(dim));
  return memref::DimOp::create(b, loc, memref, dim);
}

Value cpu::roundDown(OpBuilder &b, Location loc, Value value,
                     int64_t multiple) {
  if (multiple == 1)
    return value;
  Value m = indexConst(b, loc, multiple);
  Value rem = arith::RemUIOp::create(b, loc, value, m);
  return arith::SubIOp::create(b, loc, value, rem);
}

Value cpu::laneMask(OpBuilder &b, Location loc, Value count, int64_t width) {
  auto indexVector = VectorType::get({width}, b.getIndexType());
  SmallVector<int64_t> iota(width);
  for (int64_t i = 0; i < width; ++i)
    iota[i] = i;
  Value lanes = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(indexVector, ArrayRef<int64_t>(iota)));
  Value splat = vector::BroadcastOp::create(b, loc, indexVector, count);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lanes, splat);
}

Value cpu::loadVector(OpBuilder &b, Location loc, Value memref,
                     ValueRange indices, int64_t width, Value mask) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  auto type = VectorType::get({width}, elementType);
  if (!mask)
    return vector::LoadOp::create(b, loc, type, memref, indices);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getZeroAttr(elementType)));
  return vector::MaskedLoadOp::create(b, loc, type, memref, indices, mask,
                                      zero);
}

Value cpu::widenToF32(OpBuilder &b, Location loc, Value v) {
  auto type = cast<VectorType>(v.getType());
  if (type.getElementType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, type.clone(b.getF32Type()), v);
}

Value cpu::loadF32(OpBuilder &b, Location loc, Value memref, ValueRange indices,
                   int64_t width, Value mask) {
  return widenToF32(b, loc, loadVector(b, loc, memref, indices, width, mask));
}

void cpu::prefetchToL2(OpBuilder &b, Location loc, Value memref,
                       ValueRange indices) {
  memref::PrefetchOp::create(b, loc, memref, indices, /*isWrite=*/false,
                             /*localityHint=*/1, /*isDataCache=*/true);
}

SmallVector<Value> cpu::emitIfElse(
    OpBuilder &b, Location loc, Value cond,
    function_ref<SmallVector<Value>(OpBuilder &, Location)> then,
    function_ref<SmallVector<Value>(OpBuilder &, Location)> otherwise) {
  auto ifOp = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(tb, tl, then(tb, tl));
      },
      [&](OpBuilder &eb, Location el) {
        scf::YieldOp::create(eb, el, otherwise(eb, el));
      });
  return SmallVector<Value>(ifOp.getResults());
}

void cpu::emitFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
                  function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lb, ub, step, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                       body(nb, nl, iv);
                       scf::YieldOp::create(nb, nl);
                     });
}

/// A private declaration `func.func private @name() -> i32` in `module`.
static func::FuncOp declareQuery(ModuleOp module, StringRef name) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType({}, {b.getI32Type()});
  auto func = func::FuncOp::create(b, module.getLoc(), name, type);
  func.setPrivate();
  return func;
}

void cpu::emitParallelRanges(
    OpBuilder &b, Location loc, ModuleOp module, Value total,
    unsigned numThreads,
    function_ref<void(OpBuilder &, Location, Value, Value)> body) {
  if (numThreads == 1) {
    body(b, loc, indexConst(b, loc, 0), total);
    return;
  }
  func::FuncOp threadNum = declareQuery(module, "omp_get_thread_num");
  func::FuncOp numThreadsQuery = declareQuery(module, "omp_get_num_threads");
  Value requested;
  if (numThreads != 0)
    requested = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                             static_cast<int64_t>(numThreads));
  omp::ParallelOperands clauses;
  clauses.numThreads = requested;
  auto parallel = omp::ParallelOp::create(b, loc, clauses);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&parallel.getRegion());
  auto asIndex = [&](func::FuncOp query) -> Value {
    Value v = func::CallOp::create(b, loc, query, ValueRange{}).getResult(0);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  };
  Value thread = asIndex(threadNum);
  Value team = asIndex(numThreadsQuery);
  // Thread t of n owns [total * t / n, total * (t + 1) / n).
  Value one = indexConst(b, loc, 1);
  auto bound = [&](Value t) -> Value {
    Value scaled = arith::MulIOp::create(b, loc, total, t);
    return arith::DivUIOp::create(b, loc, scaled, team);
  };
  Value begin = bound(thread);
  Value end = bound(arith::AddIOp::create(b, loc, thread, one));
  body(b, loc, begin, end);
  omp::TerminatorOp::create(b, loc);
}

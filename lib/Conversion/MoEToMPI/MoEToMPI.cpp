//===- MoEToMPI.cpp - moe.all_to_all to calls of the MPI runtime ----------===//
//
// moe-to-mpi: each moe.all_to_all becomes a count exchange and a row
// exchange, two calls of lib/Runtime/MPI through the C interface. The calls
// read and write buffers; bufferization.to_buffer / to_tensor connect them
// to the surrounding tensor code, which one-shot bufferization then lowers.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_CONVERTMOETOMPI
#include "moe/Conversion/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr llvm::StringLiteral kExchangeCounts("moe_mpi_exchange_counts");
constexpr llvm::StringLiteral kAllToAllF32("moe_mpi_alltoallv_f32");

/// memref<?x..xT, strided<[?, ..], offset: ?>>: what the runtime takes.
MemRefType anyStrided(int64_t rank, Type elementType) {
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(elementType.getContext(), ShapedType::kDynamic,
                             SmallVector<int64_t>(rank, ShapedType::kDynamic));
  return MemRefType::get(shape, elementType, layout);
}

/// Declares `name` with `type` and the C interface, once per module.
void declare(OpBuilder &b, ModuleOp module, StringRef name, FunctionType type) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto func = func::FuncOp::create(b, module.getLoc(), name, type);
  func.setPrivate();
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
}

/// The buffer of tensor `t`, cast to the fully dynamic strided layout.
Value bufferOf(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  auto layout = StridedLayoutAttr::get(
      b.getContext(), ShapedType::kDynamic,
      SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic));
  auto bufferType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  Value buffer = bufferization::ToBufferOp::create(b, loc, bufferType, t,
                                                   /*readOnly=*/true);
  return memref::CastOp::create(
      b, loc, anyStrided(type.getRank(), type.getElementType()), buffer);
}

LogicalResult lower(OpBuilder &b, ModuleOp module, AllToAllOp op) {
  Location loc = op.getLoc();
  auto rowsType = op.getRows().getType();
  if (!rowsType.getElementType().isF32())
    return op.emitError() << "moe-to-mpi: expected f32 rows, found "
                          << rowsType.getElementType()
                          << " (the MPI runtime moves f32 rows only)";
  Type i64 = b.getI64Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
  MemRefType counts = anyStrided(1, i32), rows = anyStrided(2, f32);
  declare(b, module, kExchangeCounts,
          b.getFunctionType({counts, counts, i64, i64}, {i64}));
  declare(b, module, kAllToAllF32,
          b.getFunctionType({rows, counts, counts, rows, i64}, {}));

  b.setInsertionPoint(op);
  int64_t r = op.getNumRanks();
  Value ranks = arith::ConstantIntOp::create(b, loc, r, 64);
  Value rowsBuffer = bufferOf(b, loc, op.getRows());
  Value sendBuffer = bufferOf(b, loc, op.getSendCounts());
  auto recvType = MemRefType::get({r}, i32);
  Value recv = memref::AllocOp::create(b, loc, recvType);
  Value recvAny = memref::CastOp::create(b, loc, counts, recv);
  Value rowCount = memref::DimOp::create(b, loc, rowsBuffer, 0);
  Value n = arith::IndexCastOp::create(b, loc, i64, rowCount);
  Value total = func::CallOp::create(b, loc, kExchangeCounts, TypeRange{i64},
                                     ValueRange{sendBuffer, recvAny, n, ranks})
                    .getResult(0);

  auto resultType = op.getResult().getType();
  SmallVector<Value> dynSizes;
  if (resultType.isDynamicDim(0)) {
    Value received =
        arith::IndexCastOp::create(b, loc, b.getIndexType(), total);
    dynSizes.push_back(received);
  }
  if (resultType.isDynamicDim(1)) {
    Value width = memref::DimOp::create(b, loc, rowsBuffer, 1);
    dynSizes.push_back(width);
  }
  auto allocType = MemRefType::get(resultType.getShape(), f32);
  Value result = memref::AllocOp::create(b, loc, allocType, dynSizes);
  Value resultAny = memref::CastOp::create(b, loc, rows, result);
  func::CallOp::create(
      b, loc, kAllToAllF32, TypeRange{},
      ValueRange{rowsBuffer, sendBuffer, recvAny, resultAny, ranks});

  Value resultTensor = bufferization::ToTensorOp::create(
      b, loc, resultType, result, /*restrict=*/true, /*writable=*/true);
  Value recvTensor = bufferization::ToTensorOp::create(
      b, loc, op.getRecvCounts().getType(), recv, /*restrict=*/true,
      /*writable=*/true);
  op.getResult().replaceAllUsesWith(resultTensor);
  op.getRecvCounts().replaceAllUsesWith(recvTensor);
  op.erase();
  return success();
}

struct ConvertMoEToMPIPass
    : public moe::impl::ConvertMoEToMPIBase<ConvertMoEToMPIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<AllToAllOp> ops;
    module.walk([&](AllToAllOp op) { ops.push_back(op); });
    OpBuilder b(&getContext());
    for (AllToAllOp op : ops)
      if (failed(lower(b, module, op)))
        return signalPassFailure();
  }
};

} // namespace

//===- Int8Matmul.cpp - Int8 activations x integer weights ----------------===//
//
// C[m, n] = init[m, n] + sum_k A[m, k] * W[n, k] for weights stored as
// integers (int8, or int4 packed two per byte; e2m1 values are integers once
// doubled, and their power-of-two scales are halved) with scales s[n, k]
// per block, and integer weights with or without zero points z[n, k] per
// block (W = (v - z) * s), when moe-cpu-matmul-kernels was asked to
// quantize activations and the target has a dot product of bytes (Int8Dot):
// VPDPBUSD (AVX512_VNNI on 16 lanes, AVX_VNNI on 8), or VPMADDUBSW +
// VPMADDWD (AVX512BW, AVX2; "Madd" below). The product
// is computed on integers (described for VPDPBUSD; Madd differs as said at
// the end):
//
//   1. Every row of A is quantized per group of G values along K (a divisor
//      of the weights' K block): a[m, k] ~ qa[m, k] * sa[m, g], qa =
//      roundeven(a / sa) in [-127, 127], sa = max|a[m, group g]| / 127.
//      qa is stored biased, qa + 128, as unsigned bytes.
//   2. The packed-panel loop nest of PackedMatmul.cpp packs each K chunk of
//      each panel of 2W weight rows as Bp[k / 4][j] = the 4 bytes W[n0 + j,
//      k : k + 4] (one W x W transpose of 32-bit words per 4W values of W
//      rows), with, per group, comp[g][j] = -128 * sum_k W[n0 + j, k] and
//      the weight scale ws[g][j] = s[n0 + j, g].
//   3. A register tile of R rows x 2W columns runs per group: i32
//      accumulators start at comp, one VPDPBUSD per 4 values of K, row and
//      vector (64 multiply-adds on AVX-512, against 16 for an f32 FMA), then
//      the group is folded into the f32 accumulators:
//        acc[i][j] += (float)iacc[i][j] * ws[g][j] * sa[m + i, g].
//      The bias cancels: sum (qa + 128) * w - 128 * sum w = sum qa * w.
//
//   4. The dot-product kernel (decode-sized calls, emitInt8DotTile) reads
//      the weights as stored, and swaps the roles (Int8Activations::
//      unsignedWeights): the weights are the unsigned operand, w + o (o =
//      8: a raw int4 nibble; o = 12 for doubled e2m1, a VPSHUFB table with
//      the offset in it; o = 128 for int8, its sign bit flipped), the
//      activations are stored unbiased, q, with -o * sum q over each group
//      (the sum alone with zero points), a group's sum is sum (w + o) * q
//      - o * sum q, and its sums start at -o * sum q. The correction is
//      per row of A and group, so per 4W values along K there is one
//      VPDPBUSD per row of A and weight row of the tile, and no bias term
//      per weight row, which step 2 pays once per panel but the dot tile
//      would pay once per weight row and call. Each group's i32 lanes are
//      scaled into f32 lanes, reduced once at the end. A group must hold
//      whole vectors of 4W values.
//
// Madd: VPMADDUBSW takes unsigned bytes first and adds pairs of products
// into saturating i16, so the roles are always swapped, as in step 4, in
// the packed panels as well (comp stays zero). A pair of
// products is at most 2 * 24 * 127 < 2^15, exact. int8 weights multiply as
// |w| by q with w's sign (VPSIGNB on 8 lanes; a select on 16), with no
// offset nor correction: |w| <= 128, so a pair is at most 2 * 128 * 127 =
// 32512 < 2^15, exact as well. VPMADDWD by ones then adds
// pairs of i16 into the i32 lanes; the dot-product kernel keeps a group's
// sums in i16 lanes (one VPMADDWD per group) while they cannot overflow,
// and stores each 8W-value block of A as its even then its odd values
// (Int8Activations::evenOdd), so that the low and high nibbles of 4W packed
// bytes multiply as they are, with no interleaving shuffle.
//
// Zero points: the kernels multiply v as without them and subtract z
// times the group's sum of qa (quantizeActivations stores it, as for
// unsigned weights): sum qa * (v - z) = sum qa * v - z * sum qa, per row of
// A, weight row and group (with unsigned int4 weights, (8 + z) * sum qa
// replaces 8 * sum qa). This
// holds for any i8 z and for int8 weights, whose v - z would not fit a
// byte: |z * sum qa| <= 128 * 127 * 2048 < 2^25.
//
// The result differs from the f32 matmul on the dequantized weights by the
// activations' rounding (a relative error of about 1/254 of each group's
// largest value per product); docs/Quantization.md has the measured layer
// error. The i32 sums never overflow: they cover one group of at most 2048
// values, |sum| <= 255 * 128 * 2048 < 2^31.
//
//===----------------------------------------------------------------------===//

#include "MatmulKernel.h"

#include "KernelBuilder.h"

#include "moe/Dialect/MoE/Utils/Dequantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

func::FuncOp cpu::declareIntrinsic(const MatmulBuffers &mm, StringRef name,
                                   TypeRange args, Type result) {
  // C's allocation is in the function being rewritten.
  auto module = mm.c.getDefiningOp()->getParentOfType<ModuleOp>();
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto callee = func::FuncOp::create(b, module.getLoc(), name,
                                     b.getFunctionType(args, {result}));
  callee.setPrivate();
  return callee;
}

namespace {

Value callIntrinsic(OpBuilder &b, Location loc, func::FuncOp callee,
                    ValueRange args) {
  return func::CallOp::create(b, loc, callee, args).getResult(0);
}

Value splatConst(OpBuilder &b, Location loc, VectorType type, TypedAttr value) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
}

/// acc[j] + sum_{t < 4} a[4j + t] * w[4j + t] for an i32 vector `acc` of 16
/// or 8 lanes and byte vectors `a` (activations), `w` (weights) of 4x that,
/// with the instruction of `Int8Dot`: VPDPBUSD on unsigned (biased) a and
/// signed w, or with Int8Activations::unsignedWeights on unsigned (offset)
/// w and signed a; or VPMADDUBSW on unsigned (offset) w and signed a,
/// VPMADDWD by ones and an add.
struct DotU8S8 {
  Int8Dot kind;
  func::FuncOp first, second; // VPDPBUSD; or VPMADDUBSW and VPMADDWD
  VectorType pairs;           // the i16 vector of VPMADDUBSW
  /// VPDPBUSD with the weights as its unsigned operand.
  bool unsignedWeights = false;
  /// Madd on signed (int8) weights: |w| times a with w's sign; `sign` is
  /// VPSIGNB where there is one (8 lanes), else null (a select).
  bool signedWeights = false;
  func::FuncOp sign;

  DotU8S8(const MatmulBuffers &mm, int64_t lanes, const Int8Activations &acts)
      : kind(acts.dot), unsignedWeights(acts.unsignedWeights) {
    assert(kind != Int8Dot::None && (lanes == 8 || lanes == 16));
    OpBuilder b(mm.c.getContext());
    bool wide = lanes == 16;
    auto acc = VectorType::get({lanes}, b.getI32Type());
    auto bytes = VectorType::get({4 * lanes}, b.getI8Type());
    pairs = VectorType::get({2 * lanes}, b.getI16Type());
    signedWeights = kind == Int8Dot::Madd && !mm.dequant->packed;
    if (signedWeights && !wide)
      sign = declareIntrinsic(mm, "llvm.x86.avx2.psign.b", {bytes, bytes},
                              bytes);
    if (kind == Int8Dot::VNNI) {
      first = declareIntrinsic(mm,
                               wide ? "llvm.x86.avx512.vpdpbusd.512"
                                    : "llvm.x86.avx512.vpdpbusd.256",
                               {acc, bytes, bytes}, acc);
      return;
    }
    first = declareIntrinsic(mm,
                             wide ? "llvm.x86.avx512.pmaddubs.w.512"
                                  : "llvm.x86.avx2.pmadd.ub.sw",
                             {bytes, bytes}, pairs);
    second = declareIntrinsic(mm,
                              wide ? "llvm.x86.avx512.pmaddw.d.512"
                                   : "llvm.x86.avx2.pmadd.wd",
                              {pairs, pairs}, acc);
  }

  Value operator()(OpBuilder &b, Location loc, Value acc, Value a,
                   Value w) const {
    if (kind == Int8Dot::VNNI)
      return unsignedWeights ? callIntrinsic(b, loc, first, {acc, w, a})
                             : callIntrinsic(b, loc, first, {acc, a, w});
    return arith::AddIOp::create(b, loc, acc,
                                 pairSums(b, loc, products(b, loc, a, w)));
  }

  /// Madd: the i16 pairs a[2j] * w[2j] + a[2j + 1] * w[2j + 1] (VPMADDUBSW).
  Value products(OpBuilder &b, Location loc, Value a, Value w) const {
    if (!signedWeights)
      return callIntrinsic(b, loc, first, {w, a});
    // |w| (128 for -128, as an unsigned byte) and a * sign(w); a is in
    // [-127, 127], so its negation does not wrap.
    Value magnitude = math::AbsIOp::create(b, loc, w);
    Value signedA;
    if (sign) {
      signedA = callIntrinsic(b, loc, sign, {a, w});
    } else {
      auto type = cast<VectorType>(w.getType());
      Value zero = splatConst(b, loc, type, b.getI8IntegerAttr(0));
      Value negative =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, w, zero);
      signedA = arith::SelectOp::create(
          b, loc, negative, arith::SubIOp::create(b, loc, zero, a), a);
    }
    return callIntrinsic(b, loc, first, {magnitude, signedA});
  }

  /// Madd: the i32 sums of pairs of i16 lanes (VPMADDWD by ones).
  Value pairSums(OpBuilder &b, Location loc, Value pairs16) const {
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(pairs, b.getI16IntegerAttr(1)));
    return callIntrinsic(b, loc, second, {pairs16, ones});
  }
};

/// With Int8Activations::unsignedWeights the weights' bytes are unsigned,
/// w + this offset (a raw int4 nibble is w + 8; doubled e2m1 values are
/// offset by 12; int8 by 128 for VPDPBUSD, a flip of the sign bit), and
/// the activations signed; sum (w + o) * qa - o * sum qa = sum w * qa.
/// Madd takes int8 weights as |w| with their sign on qa
/// (DotU8S8::signedWeights), offset 0. Otherwise (VPDPBUSD on biased
/// activations) the weights are signed, offset 0.
int64_t weightOffset(const DequantizedWeights &dq,
                     const Int8Activations &acts) {
  if (!acts.unsignedWeights)
    return 0;
  if (!dq.packed)
    return acts.dot == Int8Dot::VNNI ? 128 : 0;
  return dq.packed == PackedFormat::e2m1 ? 12 : 8;
}

/// The largest i16 pair of VPMADDUBSW (Madd) on these weights: 2 * 127 *
/// (the largest unsigned weight byte: the offset plus the largest |w|, 7
/// for int4, 12 for doubled e2m1, 128 for int8).
int64_t maddPairBound(const DequantizedWeights &dq,
                      const Int8Activations &acts) {
  int64_t largest = !dq.packed ? 128
                    : dq.packed == PackedFormat::e2m1 ? 12
                                                      : 7;
  return 2 * 127 * (weightOffset(dq, acts) + largest);
}

/// e2m1 codes (one per byte, 0..15) to twice their value as signed bytes
/// {0, 1, 2, 3, 4, 6, 8, 12} and negatives, plus `offset`: VPSHUFB with the
/// 16 values in every 128-bit lane.
Value e2m1Twice(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                Value codes, int64_t offset) {
  auto type = cast<VectorType>(codes.getType());
  int64_t count = type.getNumElements();
  func::FuncOp shuffle = declareIntrinsic(
      mm, count == 64 ? "llvm.x86.avx512.pshuf.b.512" : "llvm.x86.avx2.pshuf.b",
      {type, type}, type);
  static const int8_t kTwice[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                    0, -1, -2, -3, -4, -6, -8, -12};
  SmallVector<int8_t> table(count);
  for (int64_t i = 0; i < count; ++i)
    table[i] = int8_t(kTwice[i % 16] + offset);
  Value tableVec = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int8_t>(table)));
  return callIntrinsic(b, loc, shuffle, {tableVec, codes});
}

/// The weights' scale (or vector of scales) for the integer path: e2m1
/// values enter as twice their value (e2m1Twice), so their scale is halved
/// (exactly: a power of two).
Value integerScale(OpBuilder &b, Location loc, const DequantizedWeights &dq,
                   Value stored) {
  Value scale = decodeScale(b, loc, stored);
  if (dq.packed != PackedFormat::e2m1)
    return scale;
  TypedAttr halfAttr = b.getF32FloatAttr(0.5f);
  if (auto type = dyn_cast<VectorType>(scale.getType()))
    halfAttr = DenseElementsAttr::get(type, halfAttr);
  Value half = arith::ConstantOp::create(b, loc, halfAttr);
  return arith::MulFOp::create(b, loc, scale, half);
}

/// `v` reinterpreted with `element` lanes of the same total width.
Value bitcastTo(OpBuilder &b, Location loc, Value v, Type element) {
  auto type = cast<VectorType>(v.getType());
  int64_t bits = type.getNumElements() * type.getElementTypeBitWidth();
  auto to = VectorType::get({bits / element.getIntOrFloatBitWidth()}, element);
  return vector::BitCastOp::create(b, loc, to, v);
}

/// Unpacked nibbles (int4 or e2m1 codes, one per byte) as the bytes that
/// mm.int8A's dot multiplies: signed (int4 nibbles - 8, or twice the e2m1
/// values), or with unsignedWeights offset by weightOffset (int4 nibbles as
/// stored).
Value nibblesToDotBytes(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                        Value nibbles) {
  const Int8Activations &acts = *mm.int8A;
  if (mm.dequant->packed == PackedFormat::e2m1)
    return e2m1Twice(b, loc, mm, nibbles, weightOffset(*mm.dequant, acts));
  if (acts.unsignedWeights)
    return nibbles;
  auto type = cast<VectorType>(nibbles.getType());
  Value eight = splatConst(b, loc, type, b.getI8IntegerAttr(8));
  return arith::SubIOp::create(b, loc, nibbles, eight);
}

/// The `count` weights B[n, k : k + count] as the bytes that mm.int8A's
/// dot multiplies (int8 as stored, or offset by 128: its sign bit flipped;
/// see nibblesToDotBytes).
Value loadWeightBytes(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                      Value n, Value k, int64_t count) {
  if (!mm.dequant->packed) {
    Value bytes = loadVector(b, loc, mm.b, {n, k}, count);
    if (weightOffset(*mm.dequant, *mm.int8A) == 0)
      return bytes;
    auto type = cast<VectorType>(bytes.getType());
    Value signBit = splatConst(b, loc, type, b.getI8IntegerAttr(-128));
    return arith::XOrIOp::create(b, loc, bytes, signBit);
  }
  Value byte = arith::DivUIOp::create(b, loc, k, indexConst(b, loc, 2));
  Value nibbles =
      unpackNibbles(b, loc, loadVector(b, loc, mm.b, {n, byte}, count / 2));
  return nibblesToDotBytes(b, loc, mm, nibbles);
}

/// The packed weights B[n, k : k + 2 * count] (count bytes) as two vectors
/// of bytes that `dot` multiplies: the even-indexed values (low nibbles),
/// then the odd ones (high nibbles).
SmallVector<Value, 2> loadWeightNibblePlanes(OpBuilder &b, Location loc,
                                             const MatmulBuffers &mm, Value n,
                                             Value k, int64_t count) {
  Value byte = arith::DivUIOp::create(b, loc, k, indexConst(b, loc, 2));
  Value bytes = loadVector(b, loc, mm.b, {n, byte}, count);
  auto type = cast<VectorType>(bytes.getType());
  Value low = arith::AndIOp::create(
      b, loc, bytes, splatConst(b, loc, type, b.getI8IntegerAttr(0xF)));
  Value high = arith::ShRUIOp::create(
      b, loc, bytes, splatConst(b, loc, type, b.getI8IntegerAttr(4)));
  SmallVector<Value, 2> planes;
  planes.push_back(nibblesToDotBytes(b, loc, mm, low));
  planes.push_back(nibblesToDotBytes(b, loc, mm, high));
  return planes;
}

/// How many times a group's sum of qa (Int8Activations::sums) the integer
/// sums of a weight row in the block (nBlock, kBlock) exceed sum qa * (v -
/// z): the weight offset o, plus the block's zero point z where there
/// are zero points (see the file comment). An i32. Without zero points
/// nBlock and kBlock are not used (and may be null).
Value rowOffset(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                Value nBlock, Value kBlock) {
  const DequantizedWeights &dq = *mm.dequant;
  int64_t o = weightOffset(dq, *mm.int8A);
  Value offset = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(o));
  if (!dq.zeroPoints)
    return offset;
  Value z = memref::LoadOp::create(b, loc, dq.zeroPoints,
                                   ValueRange{nBlock, kBlock});
  Value wide = arith::ExtSIOp::create(b, loc, b.getI32Type(), z);
  return o ? arith::AddIOp::create(b, loc, wide, offset).getResult() : wide;
}

/// One panel kernel on quantized activations; see the file comment.
struct Int8PanelKernel : PanelKernel {
  const MatmulBuffers &mm;
  const PackedConfig &cfg;
  const Int8Activations &acts; // mm.int8A
  Int8PanelScratch scratch;

  DotU8S8 dot;

  Int8PanelKernel(const MatmulBuffers &mm, const PackedConfig &cfg,
                  Int8PanelScratch scratch)
      : mm(mm), cfg(cfg), acts(*mm.int8A), scratch(scratch),
        dot(mm, cfg.width, *mm.int8A) {}

  int64_t lanes() const { return cfg.width; }
  int64_t group() const { return acts.group; }

  void pack(OpBuilder &b, Location loc, Value n0, Value k0,
            Value len) override {
    int64_t w = lanes(), g = group(), vec = 4 * w;
    const DequantizedWeights &dq = *mm.dequant;
    auto i32Vec = VectorType::get({w}, b.getI32Type());
    auto byteVec = VectorType::get({vec}, b.getI8Type());
    Value zero = indexConst(b, loc, 0);
    Value groups = arith::DivUIOp::create(b, loc, len, indexConst(b, loc, g));

    // Per group of the chunk: comp starts at zero, ws holds the 2W scales.
    Value zeros = splatConst(b, loc, i32Vec, b.getI32IntegerAttr(0));
    emitFor(b, loc, zero, groups, indexConst(b, loc, 1),
            [&](OpBuilder &gb, Location gl, Value gi) {
              for (int64_t half = 0; half < 2; ++half)
                vector::StoreOp::create(gb, gl, zeros, scratch.comp,
                                        {gi, indexConst(gb, gl, half * w)});
              Value k = arith::AddIOp::create(
                  gb, gl, k0,
                  arith::MulIOp::create(gb, gl, gi, indexConst(gb, gl, g)));
              Value kBlock = arith::DivUIOp::create(
                  gb, gl, k, indexConst(gb, gl, dq.blockK));
              for (int64_t j = 0; j < 2 * w; ++j) {
                Value n =
                    arith::AddIOp::create(gb, gl, n0, indexConst(gb, gl, j));
                Value nBlock = arith::DivUIOp::create(
                    gb, gl, n, indexConst(gb, gl, dq.blockN));
                Value s = memref::LoadOp::create(gb, gl, dq.scales,
                                                 ValueRange{nBlock, kBlock});
                Value scale = integerScale(gb, gl, dq, s);
                Value column = indexConst(gb, gl, j);
                memref::StoreOp::create(gb, gl, scale, scratch.weightScales,
                                        ValueRange{gi, column});
                if (scratch.offsets)
                  memref::StoreOp::create(
                      gb, gl, rowOffset(gb, gl, mm, nBlock, kBlock),
                      scratch.offsets, ValueRange{gi, column});
              }
            });

    // 128 in every byte: VPDPBUSD with it sums four weights times 128.
    // (Unsigned weights are corrected per row of A instead, and comp stays
    // zero.)
    Value bias = splatConst(b, loc, byteVec, b.getI8IntegerAttr(-128));
    int64_t columnsPerGroup = g / 4; // of the transposed block
    emitFor(
        b, loc, zero, len, indexConst(b, loc, vec),
        [&](OpBuilder &bb, Location bl, Value kk) {
          Value k = arith::AddIOp::create(bb, bl, k0, kk);
          Value kq = arith::DivUIOp::create(bb, bl, kk, indexConst(bb, bl, 4));
          for (int64_t half = 0; half < 2; ++half) {
            SmallVector<Value> rows;
            for (int64_t r = 0; r < w; ++r) {
              Value n = arith::AddIOp::create(bb, bl, n0,
                                              indexConst(bb, bl, half * w + r));
              rows.push_back(bitcastTo(
                  bb, bl, loadWeightBytes(bb, bl, mm, n, k, vec),
                  bb.getI32Type()));
            }
            // cols[c] lane j: the 4 bytes W[n0 + half * W + j, k + 4c ..].
            SmallVector<Value> cols = transposeSquare(bb, bl, rows);
            Value colIdx = indexConst(bb, bl, half * w);
            for (int64_t c = 0; c < w; ++c) {
              Value row =
                  arith::AddIOp::create(bb, bl, kq, indexConst(bb, bl, c));
              vector::StoreOp::create(bb, bl, cols[c], scratch.panel,
                                      {row, colIdx});
            }
            // comp of each group the block meets: a whole group per
            // G / 4 columns when G < 4W, else part of group kk / G.
            for (int64_t c0 = 0; c0 < (acts.unsignedWeights ? 0 : w);
                 c0 += columnsPerGroup) {
              Value sum = zeros;
              for (int64_t c = c0; c < std::min(w, c0 + columnsPerGroup); ++c)
                sum = dot(bb, bl, sum, bias,
                          bitcastTo(bb, bl, cols[c], bb.getI8Type()));
              Value first =
                  arith::AddIOp::create(bb, bl, kk, indexConst(bb, bl, 4 * c0));
              Value at =
                  arith::DivUIOp::create(bb, bl, first, indexConst(bb, bl, g));
              Value old = vector::LoadOp::create(bb, bl, i32Vec, scratch.comp,
                                                 ValueRange{at, colIdx});
              vector::StoreOp::create(bb, bl,
                                      arith::SubIOp::create(bb, bl, old, sum),
                                      scratch.comp, ValueRange{at, colIdx});
            }
          }
        });
  }

  SmallVector<Value> accumulate(OpBuilder &b, Location loc,
                                ArrayRef<Value> rowIdx, Value k0, Value len,
                                ValueRange start) override {
    int64_t w = lanes(), g = group();
    int64_t rows = rowIdx.size();
    auto i32Vec = VectorType::get({w}, b.getI32Type());
    auto f32Vec = VectorType::get({w}, b.getF32Type());
    Value zero = indexConst(b, loc, 0);
    Value one = indexConst(b, loc, 1);
    Value groups = arith::DivUIOp::create(b, loc, len, indexConst(b, loc, g));
    // Column of A's quantized words and of its scales at k0.
    Value kq0 = arith::DivUIOp::create(b, loc, k0, indexConst(b, loc, 4));
    Value g0 = arith::DivUIOp::create(b, loc, k0, indexConst(b, loc, g));
    auto groupLoop = scf::ForOp::create(
        b, loc, zero, groups, one, start,
        [&](OpBuilder &gb, Location gl, Value gi, ValueRange facc) {
          SmallVector<Value> comp;
          for (int64_t v = 0; v < 2; ++v)
            comp.push_back(vector::LoadOp::create(
                gb, gl, i32Vec, scratch.comp,
                ValueRange{gi, indexConst(gb, gl, v * w)}));
          SmallVector<Value> iaccStart;
          for (int64_t i = 0; i < rows; ++i)
            iaccStart.append(comp.begin(), comp.end());
          Value t0 =
              arith::MulIOp::create(gb, gl, gi, indexConst(gb, gl, g / 4));
          Value at = arith::AddIOp::create(gb, gl, kq0, t0);
          auto dotLoop = scf::ForOp::create(
              gb, gl, zero, indexConst(gb, gl, g / 4), one, iaccStart,
              [&](OpBuilder &lb, Location ll, Value t, ValueRange iacc) {
                Value packedRow = arith::AddIOp::create(lb, ll, t0, t);
                SmallVector<Value> panel;
                for (int64_t v = 0; v < 2; ++v)
                  panel.push_back(bitcastTo(
                      lb, ll,
                      vector::LoadOp::create(
                          lb, ll, i32Vec, scratch.panel,
                          ValueRange{packedRow, indexConst(lb, ll, v * w)}),
                      lb.getI8Type()));
                Value col = arith::AddIOp::create(lb, ll, at, t);
                SmallVector<Value> next;
                for (int64_t i = 0; i < rows; ++i) {
                  Value word = memref::LoadOp::create(
                      lb, ll, acts.values, ValueRange{rowIdx[i], col});
                  Value a = bitcastTo(
                      lb, ll, vector::BroadcastOp::create(lb, ll, i32Vec, word),
                      lb.getI8Type());
                  for (int64_t v = 0; v < 2; ++v)
                    next.push_back(dot(lb, ll, iacc[i * 2 + v], a, panel[v]));
                }
                scf::YieldOp::create(lb, ll, next);
              });
          // Fold the group into the f32 accumulators.
          SmallVector<Value> ws;
          for (int64_t v = 0; v < 2; ++v)
            ws.push_back(vector::LoadOp::create(
                gb, gl, f32Vec, scratch.weightScales,
                ValueRange{gi, indexConst(gb, gl, v * w)}));
          Value groupCol = arith::AddIOp::create(gb, gl, g0, gi);
          // With sums of qa: the 2W columns' rowOffset (one constant
          // without zero points).
          SmallVector<Value> offsets;
          for (int64_t v = 0; acts.sums && v < 2; ++v)
            offsets.push_back(
                scratch.offsets
                    ? vector::LoadOp::create(
                          gb, gl, i32Vec, scratch.offsets,
                          ValueRange{gi, indexConst(gb, gl, v * w)})
                          .getResult()
                    : vector::BroadcastOp::create(
                          gb, gl, i32Vec,
                          rowOffset(gb, gl, mm, Value(), Value()))
                          .getResult());
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            Value sa = memref::LoadOp::create(gb, gl, acts.scales,
                                              ValueRange{rowIdx[i], groupCol});
            Value saVec = vector::BroadcastOp::create(gb, gl, f32Vec, sa);
            Value sumA;
            if (acts.sums)
              sumA = vector::BroadcastOp::create(
                  gb, gl, i32Vec,
                  memref::LoadOp::create(gb, gl, acts.sums,
                                         ValueRange{rowIdx[i], groupCol}));
            for (int64_t v = 0; v < 2; ++v) {
              Value isum = dotLoop.getResult(i * 2 + v);
              if (sumA)
                isum = arith::SubIOp::create(
                    gb, gl, isum,
                    arith::MulIOp::create(gb, gl, sumA, offsets[v]));
              Value sum = arith::SIToFPOp::create(gb, gl, f32Vec, isum);
              Value scaled = arith::MulFOp::create(gb, gl, sum, ws[v]);
              next.push_back(vector::FMAOp::create(gb, gl, scaled, saVec,
                                                   facc[i * 2 + v]));
            }
          }
          scf::YieldOp::create(gb, gl, next);
        });
    return SmallVector<Value>(groupLoop.getResults());
  }
};

} // namespace

std::optional<int64_t> cpu::int8DotGroup(const MatmulBuffers &mm, int64_t width,
                                         int64_t maxGroup, Int8Dot dot) {
  if (dot == Int8Dot::None || !mm.dequant || !mm.staticK)
    return std::nullopt;
  // fp8 values are not integers (e2m1 values are, doubled).
  Type q = cast<MemRefType>(mm.b.getType()).getElementType();
  if (!q.isInteger(8))
    return std::nullopt;
  int64_t k = *mm.staticK, bk = mm.dequant->blockK, vec = 4 * width;
  if (k == 0 || k % vec != 0)
    return std::nullopt;
  // The largest G <= maxGroup that divides K and the weights' K block and
  // nests with the packing's 4W values, in whole vectors of W.
  int64_t block = bk < k ? bk : k;
  for (int64_t g = std::min(maxGroup, block); g >= width; --g) {
    if (block % g != 0 || k % g != 0 || g % width != 0 || g % 4 != 0)
      continue;
    if (g % vec == 0 || vec % g == 0)
      return g;
  }
  return std::nullopt;
}

Int8Activations cpu::quantizeActivations(OpBuilder &b, Location loc,
                                         ModuleOp module,
                                         const MatmulBuffers &mm, int64_t width,
                                         int64_t group, Int8Dot dot,
                                         bool forDotTile, unsigned numThreads) {
  int64_t k = *mm.staticK;
  Type f32 = b.getF32Type();
  auto valuesType =
      MemRefType::get({ShapedType::kDynamic, k / 4}, b.getI32Type());
  auto scalesType = MemRefType::get({ShapedType::kDynamic, k / group}, f32);
  auto align = b.getI64IntegerAttr(64);
  Int8Activations acts;
  acts.group = group;
  acts.dot = dot;
  acts.unsignedWeights = dot == Int8Dot::Madd || forDotTile;
  // Packed weights' low and high nibbles pair with the even and odd values
  // of a block of 8W (see Int8Activations::evenOdd).
  acts.evenOdd =
      forDotTile && mm.dequant->packed && group % (8 * width) == 0;
  acts.values =
      memref::AllocOp::create(b, loc, valuesType, ValueRange{mm.m}, align);
  acts.scales =
      memref::AllocOp::create(b, loc, scalesType, ValueRange{mm.m}, align);
  // Offset weights, and zero points: the sums of q correct each group
  // (rowOffset).
  int64_t offset = weightOffset(*mm.dequant, acts);
  bool sums = offset != 0 || mm.dequant->zeroPoints;
  // The dot tile's correction of a group, stored whole: each output's
  // sums then start at it as loaded, instead of a multiply and a negation
  // per row of A and group inside the tile's loop (56 -> 45 instructions
  // per group of a 2 x 3 mxfp4 tile on Zen 4).
  acts.sumsCorrect = forDotTile && sums && !mm.dequant->zeroPoints;
  if (sums)
    acts.sums = memref::AllocOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic, k / group}, b.getI32Type()),
        ValueRange{mm.m}, align);
  auto f32Vec = VectorType::get({width}, f32);
  auto i32Vec = VectorType::get({width}, b.getI32Type());
  auto byteVec = VectorType::get({width}, b.getI8Type());
  emitParallelRanges(
      b, loc, module, mm.m, numThreads,
      [&](OpBuilder &pb, Location pl, Value begin, Value end) {
        Value zero = indexConst(pb, pl, 0);
        Value step = indexConst(pb, pl, width);
        Value kEnd = indexConst(pb, pl, k);
        Value groupStep = indexConst(pb, pl, group);
        emitFor(
            pb, pl, begin, end, indexConst(pb, pl, 1),
            [&](OpBuilder &rb, Location rl, Value m) {
              emitFor(
                  rb, rl, zero, kEnd, groupStep,
                  [&](OpBuilder &gb, Location gl, Value k0) {
                    Value groupEnd = indexConst(gb, gl, group);
                    // max |a| over the group (NaN propagates to the scale).
                    Value init =
                        splatConst(gb, gl, f32Vec, gb.getF32FloatAttr(0));
                    auto maxLoop = scf::ForOp::create(
                        gb, gl, zero, groupEnd, step, ValueRange{init},
                        [&](OpBuilder &lb, Location ll, Value kk,
                            ValueRange acc) {
                          Value kAt = arith::AddIOp::create(lb, ll, k0, kk);
                          Value a = loadF32(lb, ll, mm.a, {m, kAt}, width);
                          Value mag = math::AbsFOp::create(lb, ll, a);
                          scf::YieldOp::create(
                              lb, ll,
                              ValueRange{arith::MaximumFOp::create(
                                  lb, ll, acc[0], mag)});
                        });
                    Value absMax = vector::ReductionOp::create(
                        gb, gl, vector::CombiningKind::MAXIMUMF,
                        maxLoop.getResult(0));
                    Value limit = arith::ConstantOp::create(
                        gb, gl, gb.getF32FloatAttr(127.0f));
                    Value scale = arith::DivFOp::create(gb, gl, absMax, limit);
                    Value groupIdx = arith::DivUIOp::create(
                        gb, gl, k0, indexConst(gb, gl, group));
                    memref::StoreOp::create(gb, gl, scale, acts.scales,
                                            ValueRange{m, groupIdx});
                    // An all-zero (or NaN) group quantizes to zeros.
                    Value fzero = arith::ConstantOp::create(
                        gb, gl, gb.getF32FloatAttr(0));
                    Value positive = arith::CmpFOp::create(
                        gb, gl, arith::CmpFPredicate::OGT, absMax, fzero);
                    Value inverse = arith::SelectOp::create(
                        gb, gl, positive,
                        arith::DivFOp::create(gb, gl, limit, absMax), fzero);
                    Value inverseVec =
                        vector::BroadcastOp::create(gb, gl, f32Vec, inverse);
                    // q + 128 for signed weights; else q, and the group's
                    // sum of q.
                    Value biasVec = splatConst(
                        gb, gl, i32Vec,
                        gb.getI32IntegerAttr(acts.unsignedWeights ? 0 : 128));
                    SmallVector<Value> sumInit;
                    if (sums)
                      sumInit.push_back(
                          splatConst(gb, gl, i32Vec, gb.getI32IntegerAttr(0)));
                    // Stores the quantized x (of `width` values) at byte
                    // `at` of the row; returns q.
                    auto quantize = [&](OpBuilder &lb, Location ll, Value x,
                                        Value at) -> Value {
                      Value q = arith::FPToSIOp::create(
                          lb, ll, i32Vec,
                          math::RoundEvenOp::create(
                              lb, ll,
                              arith::MulFOp::create(lb, ll, x, inverseVec)));
                      Value stored = arith::AddIOp::create(lb, ll, q, biasVec);
                      Value bytes =
                          arith::TruncIOp::create(lb, ll, byteVec, stored);
                      Value words = bitcastTo(lb, ll, bytes, lb.getI32Type());
                      Value col = arith::DivUIOp::create(
                          lb, ll, at, indexConst(lb, ll, 4));
                      vector::StoreOp::create(lb, ll, words, acts.values,
                                              ValueRange{m, col});
                      return q;
                    };
                    int64_t block = 8 * width; // evenOdd
                    auto quantLoop = scf::ForOp::create(
                        gb, gl, zero, groupEnd,
                        indexConst(gb, gl, acts.evenOdd ? 2 * width : width),
                        sumInit,
                        [&](OpBuilder &lb, Location ll, Value kk,
                            ValueRange sum) {
                          Value kAt = arith::AddIOp::create(lb, ll, k0, kk);
                          SmallVector<Value> qs;
                          if (!acts.evenOdd) {
                            Value a = loadF32(lb, ll, mm.a, {m, kAt}, width);
                            qs.push_back(quantize(lb, ll, a, kAt));
                          } else {
                            // Values o, o + 1 of the block go to bytes
                            // o / 2 and 4W + o / 2.
                            Value pair =
                                loadF32(lb, ll, mm.a, {m, kAt}, 2 * width);
                            auto halves =
                                vector::DeinterleaveOp::create(lb, ll, pair);
                            Value o = arith::RemUIOp::create(
                                lb, ll, kAt, indexConst(lb, ll, block));
                            Value base =
                                arith::SubIOp::create(lb, ll, kAt, o);
                            Value half = arith::DivUIOp::create(
                                lb, ll, o, indexConst(lb, ll, 2));
                            Value even =
                                arith::AddIOp::create(lb, ll, base, half);
                            Value odd = arith::AddIOp::create(
                                lb, ll, even, indexConst(lb, ll, block / 2));
                            qs.push_back(
                                quantize(lb, ll, halves.getRes1(), even));
                            qs.push_back(
                                quantize(lb, ll, halves.getRes2(), odd));
                          }
                          SmallVector<Value> next;
                          if (sums) {
                            Value total = sum[0];
                            for (Value q : qs)
                              total = arith::AddIOp::create(lb, ll, total, q);
                            next.push_back(total);
                          }
                          scf::YieldOp::create(lb, ll, next);
                        });
                    if (sums) {
                      Value total = vector::ReductionOp::create(
                          gb, gl, vector::CombiningKind::ADD,
                          quantLoop.getResult(0));
                      if (acts.sumsCorrect)
                        total = arith::MulIOp::create(
                            gb, gl, total,
                            arith::ConstantOp::create(
                                gb, gl, gb.getI32IntegerAttr(-offset)));
                      memref::StoreOp::create(gb, gl, total, acts.sums,
                                              ValueRange{m, groupIdx});
                    }
                  });
            });
      });
  return acts;
}

Int8PanelScratch cpu::createInt8PanelScratch(OpBuilder &b, Location loc,
                                             const PackedConfig &cfg,
                                             int64_t group, bool zeroPoints) {
  auto align = b.getI64IntegerAttr(64);
  auto scratchBuffer = [&](int64_t rows, Type element) -> Value {
    auto type = MemRefType::get({rows, 2 * cfg.width}, element);
    return memref::AllocaOp::create(b, loc, type, ValueRange{}, align);
  };
  Int8PanelScratch scratch;
  scratch.panel = scratchBuffer(cfg.kBlock / 4, b.getI32Type());
  scratch.comp = scratchBuffer(cfg.kBlock / group, b.getI32Type());
  scratch.weightScales = scratchBuffer(cfg.kBlock / group, b.getF32Type());
  if (zeroPoints)
    scratch.offsets = scratchBuffer(cfg.kBlock / group, b.getI32Type());
  return scratch;
}

Value cpu::createDotTileScales(OpBuilder &b, Location loc, int64_t tileOutputs,
                               int64_t maxGroups, int64_t width) {
  int64_t padded = llvm::alignTo(maxGroups, width);
  auto type = MemRefType::get({tileOutputs, padded}, b.getF32Type());
  return memref::AllocaOp::create(b, loc, type, ValueRange{},
                                  b.getI64IntegerAttr(64));
}

namespace {

/// Fills mm.int8A->tileScales for the R x S tile at rows `rowsA` of A and
/// `rowsB` of B over K [kBegin, kEnd): [i * S + j][t] = the weight scale
/// (integerScale) of row j times the activation scale of row i, for the
/// t-th group of the range. A weight block of one group (mxfp4, int4 in
/// groups) takes its scales a vector of groups at a time, in the lanes
/// that one group's scale took before: the e8m0 decoding and its checks
/// are done once per vector of groups, not once per group and weight row
/// inside the tile's loop.
void fillTileScales(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                    int64_t width, ArrayRef<Value> rowsA, ArrayRef<Value> rowsB,
                    Value kBegin, Value kEnd) {
  const Int8Activations &acts = *mm.int8A;
  const DequantizedWeights &dq = *mm.dequant;
  int64_t cols = rowsB.size();
  Value gStep = indexConst(b, loc, acts.group);
  Value g0 = arith::DivUIOp::create(b, loc, kBegin, gStep);
  Value groups = arith::DivUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, kEnd, kBegin), gStep);
  Value zero = indexConst(b, loc, 0);
  auto at = [&](OpBuilder &ob, Location ol, int64_t i, int64_t j) {
    return indexConst(ob, ol, i * cols + j);
  };
  for (int64_t j = 0; j < cols; ++j) {
    Value n = rowsB[j];
    Value nBlock =
        arith::DivUIOp::create(b, loc, n, indexConst(b, loc, dq.blockN));
    if (dq.blockK == acts.group) {
      // Groups t of the range are the weight blocks g0 + t of row nBlock;
      // the last vector is masked (its lanes past the range are not read).
      emitFor(b, loc, zero, groups, indexConst(b, loc, width),
              [&](OpBuilder &vb, Location vl, Value t) {
                Value mask = laneMask(
                    vb, vl, arith::SubIOp::create(vb, vl, groups, t), width);
                Value g = arith::AddIOp::create(vb, vl, g0, t);
                Value ws = integerScale(
                    vb, vl, dq,
                    loadVector(vb, vl, dq.scales, {nBlock, g}, width, mask));
                for (int64_t i = 0, e = rowsA.size(); i < e; ++i) {
                  Value sa = loadVector(vb, vl, acts.scales, {rowsA[i], g},
                                        width, mask);
                  Value product = arith::MulFOp::create(vb, vl, ws, sa);
                  vector::StoreOp::create(vb, vl, product, acts.tileScales,
                                          ValueRange{at(vb, vl, i, j), t});
                }
              });
      continue;
    }
    // A weight block of several groups: one scale per group, as loaded.
    emitFor(b, loc, zero, groups, indexConst(b, loc, 1),
            [&](OpBuilder &sb, Location sl, Value t) {
              Value g = arith::AddIOp::create(sb, sl, g0, t);
              Value k = arith::MulIOp::create(sb, sl, g, gStep);
              Value kBlock = arith::DivUIOp::create(
                  sb, sl, k, indexConst(sb, sl, dq.blockK));
              Value ws = integerScale(
                  sb, sl, dq,
                  memref::LoadOp::create(sb, sl, dq.scales,
                                         ValueRange{nBlock, kBlock}));
              for (int64_t i = 0, e = rowsA.size(); i < e; ++i) {
                Value sa = memref::LoadOp::create(sb, sl, acts.scales,
                                                  ValueRange{rowsA[i], g});
                Value product = arith::MulFOp::create(sb, sl, ws, sa);
                memref::StoreOp::create(sb, sl, product, acts.tileScales,
                                        ValueRange{at(sb, sl, i, j), t});
              }
            });
  }
}

} // namespace

std::unique_ptr<PanelKernel>
cpu::makeInt8PanelKernel(const MatmulBuffers &mm, const PackedConfig &cfg,
                         Int8PanelScratch scratch) {
  return std::make_unique<Int8PanelKernel>(mm, cfg, scratch);
}

void cpu::emitInt8DotTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                          int64_t width, int64_t rows, int64_t cols, Value m0,
                          Value n0, Value kBegin, Value kEnd, Value first,
                          int64_t prefetchAhead) {
  const Int8Activations &acts = *mm.int8A;
  const DequantizedWeights &dq = *mm.dequant;
  int64_t g = acts.group, vec = 4 * width;
  assert(acts.unsignedWeights && "the dot tile's activations are signed");
  DotU8S8 dot(mm, width, acts);
  auto i32Vec = VectorType::get({width}, b.getI32Type());
  auto f32Vec = VectorType::get({width}, b.getF32Type());
  SmallVector<Value> rowsA, rowsB, ahead;
  for (int64_t i = 0; i < rows; ++i)
    rowsA.push_back(
        i == 0 ? m0 : arith::AddIOp::create(b, loc, m0, indexConst(b, loc, i)));
  for (int64_t j = 0; j < cols; ++j) {
    rowsB.push_back(
        j == 0 ? n0 : arith::AddIOp::create(b, loc, n0, indexConst(b, loc, j)));
    ahead.push_back(arith::AddIOp::create(b, loc, rowsB.back(),
                                          indexConst(b, loc, prefetchAhead)));
  }
  Value zeroI = splatConst(b, loc, i32Vec, b.getI32IntegerAttr(0));
  Value zeroF = splatConst(b, loc, f32Vec, b.getF32FloatAttr(0));
  Value gStep = indexConst(b, loc, g);
  // The weights are unsigned (offset) and the activations signed: the
  // offset is corrected per row of A and group (rowOffset), with no bias
  // term per weight row. Madd keeps a group's sums in i16 lanes (one
  // VPMADDWD per group) when they cannot overflow.
  bool sums16 = acts.dot == Int8Dot::Madd &&
                (g / vec) * maddPairBound(dq, acts) <= INT16_MAX;
  Value zeroAcc =
      sums16 ? splatConst(b, loc, dot.pairs, b.getI16IntegerAttr(0)) : zeroI;
  fillTileScales(b, loc, mm, width, rowsA, rowsB, kBegin, kEnd);
  SmallVector<Value> start(rows * cols, zeroF);
  auto groups = scf::ForOp::create(
      b, loc, kBegin, kEnd, gStep, start,
      [&](OpBuilder &gb, Location gl, Value k0, ValueRange facc) {
        // The group's corrections (see rowOffset): sumsA[i] * offsets[j],
        // or with sumsCorrect minus that in sumsA[i] as loaded.
        SmallVector<Value> offsets, sumsA;
        if (acts.sums) {
          Value kBlock = arith::DivUIOp::create(
              gb, gl, k0, indexConst(gb, gl, dq.blockK));
          Value gi = arith::DivUIOp::create(gb, gl, k0, gStep);
          for (Value n : acts.sumsCorrect ? ArrayRef<Value>() : rowsB) {
            Value nBlock = arith::DivUIOp::create(
                gb, gl, n, indexConst(gb, gl, dq.blockN));
            offsets.push_back(rowOffset(gb, gl, mm, nBlock, kBlock));
          }
          for (Value m : rowsA)
            sumsA.push_back(
                memref::LoadOp::create(gb, gl, acts.sums, ValueRange{m, gi}));
        }
        // Minus the correction of output (i, j), in lane 0 (the lanes are
        // summed at the end).
        auto negCorrection = [&](int64_t i, int64_t j) -> Value {
          Value c = sumsA[i];
          if (!acts.sumsCorrect) {
            Value product = arith::MulIOp::create(gb, gl, c, offsets[j]);
            Value zero =
                arith::ConstantOp::create(gb, gl, gb.getI32IntegerAttr(0));
            c = arith::SubIOp::create(gb, gl, zero, product);
          }
          return vector::InsertOp::create(gb, gl, c, zeroI,
                                          ArrayRef<int64_t>{0});
        };
        // Sums per output: on i32 lanes they start at minus the correction.
        SmallVector<Value> init(rows * cols, zeroAcc);
        for (int64_t i = 0; acts.sums && !sums16 && i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j)
            init[i * cols + j] = negCorrection(i, j);
        // A step covers one vector of 4W bytes of each row, or with
        // evenOdd two: the low and the high nibbles of 4W packed bytes.
        int64_t parts = acts.evenOdd ? 2 : 1;
        // One step: the sums `acc` plus the products at k.
        auto step = [&](OpBuilder &lb, Location ll, Value k,
                        ValueRange acc) -> SmallVector<Value> {
          Value word = arith::DivUIOp::create(lb, ll, k, indexConst(lb, ll, 4));
          // a[i * parts + p], w[j * parts + p]
          SmallVector<Value> a, w, next(acc.begin(), acc.end());
          for (Value m : rowsA)
            for (int64_t p = 0; p < parts; ++p) {
              Value at = p == 0 ? word
                                : arith::AddIOp::create(
                                      lb, ll, word, indexConst(lb, ll, width));
              a.push_back(
                  bitcastTo(lb, ll,
                            vector::LoadOp::create(lb, ll, i32Vec, acts.values,
                                                   ValueRange{m, at}),
                            lb.getI8Type()));
            }
          Value kb = dq.packed ? arith::DivUIOp::create(lb, ll, k,
                                                        indexConst(lb, ll, 2))
                               : k;
          for (int64_t j = 0; j < cols; ++j) {
            if (acts.evenOdd)
              w.append(loadWeightNibblePlanes(lb, ll, mm, rowsB[j], k, vec));
            else
              w.push_back(loadWeightBytes(lb, ll, mm, rowsB[j], k, vec));
            prefetchToL2(lb, ll, mm.b, ValueRange{ahead[j], kb});
          }
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
              for (int64_t p = 0; p < parts; ++p) {
                Value &out = next[i * cols + j];
                Value ai = a[i * parts + p], wj = w[j * parts + p];
                out = sums16 ? arith::AddIOp::create(
                                   lb, ll, out, dot.products(lb, ll, ai, wj))
                             : dot(lb, ll, out, ai, wj);
              }
          return next;
        };
        // A group of one step (mxfp4 on 8 lanes) needs no loop.
        SmallVector<Value> sums;
        if (g == parts * vec) {
          sums = step(gb, gl, k0, init);
        } else {
          Value groupEnd = arith::AddIOp::create(gb, gl, k0, gStep);
          auto loop = scf::ForOp::create(
              gb, gl, k0, groupEnd, indexConst(gb, gl, parts * vec), init,
              [&](OpBuilder &lb, Location ll, Value k, ValueRange acc) {
                scf::YieldOp::create(lb, ll, step(lb, ll, k, acc));
              });
          sums = SmallVector<Value>(loop.getResults());
        }
        // facc += float(sum) * (weight scale * row scale), the product from
        // the tile's scales (i16 sums: corrected here).
        Value t = arith::DivUIOp::create(
            gb, gl, arith::SubIOp::create(gb, gl, k0, kBegin), gStep);
        SmallVector<Value> next;
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j) {
            Value sum = sums[i * cols + j];
            if (sums16) {
              sum = dot.pairSums(gb, gl, sum);
              if (acts.sums)
                sum = arith::AddIOp::create(gb, gl, sum, negCorrection(i, j));
            }
            Value scale = vector::BroadcastOp::create(
                gb, gl, f32Vec,
                memref::LoadOp::create(
                    gb, gl, acts.tileScales,
                    ValueRange{indexConst(gb, gl, i * cols + j), t}));
            next.push_back(vector::FMAOp::create(
                gb, gl, arith::SIToFPOp::create(gb, gl, f32Vec, sum), scale,
                facc[i * cols + j]));
          }
        scf::YieldOp::create(gb, gl, next);
      });
  storeDotTile(b, loc, mm, rowsA, rowsB,
               SmallVector<Value>(groups.getResults()), first);
}

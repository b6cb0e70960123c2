//===- CapacityPlan.cpp - layout and capacity of moe.dispatch -------------===//
//
// moe-capacity-plan: for every moe.dispatch, evaluates three plans -- ragged
// (dropless, packed groups), padded (every group exactly C rows, drops over
// C) and blocked (dropless, groups rounded up to `block` rows) -- with the
// cost model of docs/CapacityPlanning.md, applies the chosen one to the op
// and to the moe.experts / moe.grouped_matmul ops whose row count follows
// it, and reports every candidate's figures as a remark and, optionally, in
// a JSON file.
//
// The expected per-expert loads come from a routing profile (histograms of
// assignments per expert) scaled to the op's T·k assignments by largest
// remainders, or are uniform without one. All figures of a candidate are
// averaged over the profile's histograms.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Support/FormatNumber.h"
#include "moe/Support/ReadFile.h"
#include "moe/Support/RoutingProfile.h"
#include "moe/Support/ToolMessages.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <numeric>
#include <vector>

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOECAPACITYPLAN
#include "moe/Dialect/MoE/Transforms/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

namespace {

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

/// Throughput of each layout's expert GEMMs relative to a dense batched GEMM
/// (docs/CapacityPlanning.md#cost-model).
constexpr double kPaddedEfficiency = 1.0;
constexpr double kBlockedEfficiency = 0.85;
constexpr double kRaggedEfficiency = 0.7;

/// The sizes of one moe.dispatch that the model needs.
struct Problem {
  int64_t tokens = 0;
  bool tokensFromOption = false;
  int64_t k = 0, experts = 0;
  /// Hidden size D and bytes per element of x; dynamic D counts as 1.
  int64_t hidden = 1, elementBytes = 4;
  /// FLOPs of the expert FFN per row, and where the sizes came from.
  double flopsPerRow = 0;
  std::string flopsSource;
  /// Expected assignments per expert, one list per histogram (integers
  /// summing to T·k).
  SmallVector<SmallVector<int64_t>> loads;

  int64_t assignments() const { return tokens * k; }
  int64_t bytesOfRows(int64_t rows) const {
    return rows * (hidden * elementBytes + 8) + 4 * (experts + 1);
  }
};

/// One candidate plan and its figures.
struct Candidate {
  StringRef name;
  DispatchLayout layout = DispatchLayout::ragged;
  DropPolicy policy = DropPolicy::none;
  int64_t capacity = 0, block = 0;
  /// N, the rows of the results (the allocated buffer).
  int64_t rows = 0;
  double computedRows = 0, usefulRows = 0, dropRate = 0, paddingWaste = 0;
  int64_t bufferBytes = 0;
  double cost = 0;
  /// Why mode=auto may not take it (empty: it may).
  std::string excluded;
};

/// Scales `histogram` to `total` integer assignments by largest remainders
/// (ties to the lower expert).
SmallVector<int64_t> scaleHistogram(ArrayRef<double> histogram, int64_t total) {
  double sum = std::accumulate(histogram.begin(), histogram.end(), 0.0);
  SmallVector<int64_t> loads;
  SmallVector<std::pair<double, size_t>> remainders;
  int64_t assigned = 0;
  for (auto [e, h] : llvm::enumerate(histogram)) {
    double quota = h * static_cast<double>(total) / sum;
    double whole = std::floor(quota);
    loads.push_back(static_cast<int64_t>(whole));
    assigned += loads.back();
    remainders.push_back({quota - whole, e});
  }
  llvm::sort(remainders, [](auto a, auto b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (int64_t i = 0; assigned < total; ++i, ++assigned)
    ++loads[remainders[i % remainders.size()].second];
  return loads;
}

double average(ArrayRef<SmallVector<int64_t>> loads,
               function_ref<double(ArrayRef<int64_t>)> figure) {
  double sum = 0;
  for (ArrayRef<int64_t> l : loads)
    sum += figure(l);
  return sum / static_cast<double>(loads.size());
}

/// Fills in the derived figures of `c`: waste, bytes and cost.
void finish(const Problem &p, Candidate &c, double efficiency) {
  c.paddingWaste =
      c.usefulRows > 0 ? (c.computedRows - c.usefulRows) / c.usefulRows : 0.0;
  c.bufferBytes = p.bytesOfRows(c.rows);
  // The compute part; the caller adds the memory part.
  c.cost = c.computedRows * p.flopsPerRow / efficiency;
}

Candidate evaluateRagged(const Problem &p) {
  Candidate c;
  c.name = "ragged";
  c.rows = p.assignments();
  c.computedRows = c.usefulRows = static_cast<double>(p.assignments());
  finish(p, c, kRaggedEfficiency);
  return c;
}

Candidate evaluatePadded(const Problem &p, DropPolicy policy,
                         int64_t capacity) {
  Candidate c;
  c.name = "padded";
  c.layout = DispatchLayout::padded;
  c.policy = policy;
  c.capacity = std::max<int64_t>(1, capacity);
  c.rows = p.experts * c.capacity;
  double total = static_cast<double>(p.assignments());
  c.dropRate = total == 0 ? 0.0 : average(p.loads, [&](ArrayRef<int64_t> l) {
    int64_t over = 0;
    for (int64_t n : l)
      over += std::max<int64_t>(0, n - c.capacity);
    return static_cast<double>(over) / total;
  });
  c.computedRows = static_cast<double>(c.rows);
  c.usefulRows = total * (1.0 - c.dropRate);
  finish(p, c, kPaddedEfficiency);
  return c;
}

Candidate evaluateBlocked(const Problem &p, int64_t block) {
  Candidate c;
  c.name = "blocked";
  c.layout = DispatchLayout::blocked;
  c.block = block;
  c.rows = p.assignments() + p.experts * (block - 1);
  c.computedRows = average(p.loads, [&](ArrayRef<int64_t> l) {
    int64_t rows = 0;
    for (int64_t n : l)
      rows += (n + block - 1) / block * block;
    return static_cast<double>(rows);
  });
  c.usefulRows = static_cast<double>(p.assignments());
  finish(p, c, kBlockedEfficiency);
  return c;
}

//===----------------------------------------------------------------------===//
// Applying a plan
//===----------------------------------------------------------------------===//

/// The type changes a new row count N implies: values whose type becomes
/// another, and uses that need a tensor.cast back to the type they had.
struct Retyping {
  SmallVector<std::pair<Value, Type>> values;
  SmallVector<std::pair<OpOperand *, Type>> casts;
};

/// `type` with dimension 0 set to `rows`.
RankedTensorType withRows(Type type, int64_t rows) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] = rows;
  return tensor.clone(shape);
}

/// Records the retyping of `v` to `newType` and of the values whose row
/// count follows it: moe.experts results (the type of their rows) and
/// moe.grouped_matmul results ([N, M]). moe.combine accepts any row count;
/// any other user keeps the old type through a tensor.cast, when the two
/// types are cast compatible. Fails with `why` otherwise.
LogicalResult planRetype(Value v, Type newType, Retyping &plan,
                         std::string &why) {
  if (v.getType() == newType)
    return success();
  plan.values.push_back({v, newType});
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (auto experts = dyn_cast<ExpertsOp>(user);
        experts && use.get() == experts.getRows()) {
      if (failed(planRetype(experts.getResult(), newType, plan, why)))
        return failure();
      continue;
    }
    if (auto matmul = dyn_cast<GroupedMatmulOp>(user);
        matmul && use.get() == matmul.getLhs()) {
      Type result = withRows(matmul.getResult().getType(),
                             cast<RankedTensorType>(newType).getDimSize(0));
      if (failed(planRetype(matmul.getResult(), result, plan, why)))
        return failure();
      continue;
    }
    if (isa<CombineOp>(user))
      continue;
    if (tensor::CastOp::areCastCompatible(newType, v.getType())) {
      plan.casts.push_back({&use, v.getType()});
      continue;
    }
    llvm::raw_string_ostream os(why);
    os << "its results feed '" << user->getName() << "', which needs "
       << v.getType();
    return failure();
  }
  return success();
}

/// The result types of `op` under a plan with `rows` rows, and the changes
/// they imply; fails with `why` when a user needs the current row count.
LogicalResult planResults(DispatchOp op, int64_t rows, Retyping &plan,
                          std::string &why) {
  return failure(
      failed(planRetype(op.getRows(), withRows(op.getRows().getType(), rows),
                        plan, why)) ||
      failed(planRetype(op.getRowTokens(),
                        withRows(op.getRowTokens().getType(), rows), plan,
                        why)) ||
      failed(planRetype(op.getRowWeights(),
                        withRows(op.getRowWeights().getType(), rows), plan,
                        why)));
}

/// The row count of candidate `c` in the result types: static, or dynamic
/// when T is (planned for the `tokens` option) and the layout's N depends on
/// it.
int64_t typedRows(const Problem &p, const Candidate &c) {
  int64_t t = p.tokensFromOption ? ShapedType::kDynamic : p.tokens;
  return DispatchOp::numRowsOf(c.layout, t, p.k, p.experts, c.capacity,
                               std::max<int64_t>(c.block, 1));
}

/// Rewrites `op` (and the ops in `plan`) to candidate `c`.
void apply(DispatchOp op, const Candidate &c, const Problem &p,
           const Retyping &plan) {
  OpBuilder b(op.getContext());
  for (auto [operand, oldType] : plan.casts) {
    b.setInsertionPoint(operand->getOwner());
    Value cast =
        tensor::CastOp::create(b, op.getLoc(), oldType, operand->get());
    operand->set(cast);
  }
  for (auto [value, type] : plan.values)
    value.setType(type);
  op.setDropPolicy(c.policy);
  op.removeCapacityFactorAttr();
  if (c.layout == DispatchLayout::padded)
    op.setCapacity(c.capacity);
  else
    op.removeCapacityAttr();
  op.setLayout(c.layout);
  if (c.layout == DispatchLayout::blocked)
    op.setBlock(c.block);
  else
    op.removeBlockAttr();
  NamedAttrList figures;
  figures.append("tokens", b.getI64IntegerAttr(p.tokens));
  figures.append("drop_rate", b.getF64FloatAttr(c.dropRate));
  figures.append("padding_waste", b.getF64FloatAttr(c.paddingWaste));
  figures.append("buffer_bytes", b.getI64IntegerAttr(c.bufferBytes));
  op->setAttr("moe.plan", figures.getDictionary(op.getContext()));
}

//===----------------------------------------------------------------------===//
// Reporting
//===----------------------------------------------------------------------===//

/// Rates and ratios in remarks and errors: 4 significant digits.
std::string formatRate(double v) { return formatNumber(v, 4); }

/// "padded (capacity 16, drop position)", "blocked (block 64)", "ragged".
std::string describe(const Candidate &c) {
  if (c.layout == DispatchLayout::padded)
    return (c.name + " (capacity " + Twine(c.capacity) + ", drop " +
            stringifyDropPolicy(c.policy) + ")")
        .str();
  if (c.layout == DispatchLayout::blocked)
    return (c.name + " (block " + Twine(c.block) + ")").str();
  return c.name.str();
}

std::string locationOf(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->getLoc().print(os);
  return s;
}

/// One planned op, for the report.
struct PlanRecord {
  std::string location, function;
  Problem problem;
  SmallVector<Candidate> candidates;
  /// The chosen candidate; none when the op was left unchanged.
  std::optional<size_t> choice;
  std::string reason;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

enum class Mode { Auto, Dropless, Padded, Blocked };

struct MoECapacityPlanPass
    : public moe::impl::MoECapacityPlanBase<MoECapacityPlanPass> {
  using MoECapacityPlanBase::MoECapacityPlanBase;

  void runOnOperation() override;

private:
  LogicalResult checkOptions(Mode &parsed);
  LogicalResult loadProfile(RoutingProfile &profile);
  FailureOr<Problem> describeProblem(DispatchOp op,
                                     const RoutingProfile *profile);
  LogicalResult plan(DispatchOp op, Mode mode, const RoutingProfile *profile,
                     PlanRecord &record);
  LogicalResult writeReport(ArrayRef<PlanRecord> records, Mode mode,
                            const RoutingProfile *profile);

  /// An error about the options or their files, at the module's location
  /// (not attached to the module, which would be printed whole).
  InFlightDiagnostic error() {
    return mlir::emitError(getOperation().getLoc()) << "moe-capacity-plan: ";
  }
};

LogicalResult MoECapacityPlanPass::checkOptions(Mode &parsed) {
  double factor = capacityFactor, rate = maxDropRate, balance = flopsPerByte;
  int64_t rows = blockRows, bound = tokenCount;
  if (!(std::isfinite(factor) && factor > 0))
    return error() << "capacity-factor = " << formatRate(factor)
                   << " must be finite and positive";
  if (rows < 1)
    return error() << "block = " << rows << " must be at least 1";
  if (rows > std::numeric_limits<int32_t>::max())
    return error() << "block = " << rows << " exceeds 2147483647";
  if (bound < 0)
    return error() << "tokens = " << bound
                   << " must be positive (or 0: only static T)";
  if (!(rate >= 0 && rate <= 1))
    return error() << "max-drop-rate = " << formatRate(rate)
                   << " must be in [0, 1]";
  if (!(std::isfinite(balance) && balance >= 0))
    return error() << "flops-per-byte = " << formatRate(balance)
                   << " must be finite and non-negative";
  std::optional<Mode> m = llvm::StringSwitch<std::optional<Mode>>(modeName)
                              .Case("auto", Mode::Auto)
                              .Case("dropless", Mode::Dropless)
                              .Case("padded", Mode::Padded)
                              .Case("blocked", Mode::Blocked)
                              .Default(std::nullopt);
  if (!m)
    return error() << "mode = '" << modeName.getValue()
                   << "' must be auto, dropless, padded or blocked";
  parsed = *m;
  return success();
}

LogicalResult MoECapacityPlanPass::loadProfile(RoutingProfile &profile) {
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file =
      readRegularFile(profilePath, kMaxTextInputBytes);
  if (!file)
    return error() << "cannot read routing profile '" << profilePath.getValue()
                   << "': " << llvm::toString(file.takeError());
  llvm::Expected<RoutingProfile> parsed =
      parseRoutingProfile((*file)->getBuffer());
  if (!parsed)
    return error() << "routing profile '" << profilePath.getValue() << "' "
                   << llvm::toString(parsed.takeError());
  profile = std::move(*parsed);
  return success();
}

FailureOr<Problem>
MoECapacityPlanPass::describeProblem(DispatchOp op,
                                     const RoutingProfile *profile) {
  Problem p;
  auto xType = cast<RankedTensorType>(op.getX().getType());
  auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
  p.k = indicesType.getDimSize(1);
  p.experts = op.getNumExperts();
  p.tokens = indicesType.getDimSize(0);
  if (ShapedType::isDynamic(p.tokens))
    p.tokens = xType.getDimSize(0);
  if (ShapedType::isDynamic(p.tokens)) {
    if (tokenCount == 0)
      return op.emitError()
             << "moe-capacity-plan: the number of tokens T is dynamic; give "
                "the pass option tokens=N (the largest T to plan for)";
    p.tokens = tokenCount;
    p.tokensFromOption = true;
  }
  std::optional<int64_t> assignments = llvm::checkedMul(p.tokens, p.k);
  if (!assignments || *assignments > std::numeric_limits<int32_t>::max())
    return op.emitError() << "moe-capacity-plan: T·k = " << p.tokens << "·"
                          << p.k << " exceeds 2147483647: row offsets are i32";
  if (!xType.isDynamicDim(1))
    p.hidden = xType.getDimSize(1);
  p.elementBytes =
      std::max<int64_t>(1, xType.getElementType().getIntOrFloatBitWidth() / 8);

  // FLOPs per row from the moe.experts that reads the rows: 2·D·F per
  // projection, three projections when gated, two otherwise.
  ExpertsOp experts;
  for (Operation *user : op.getRows().getUsers())
    if (auto e = dyn_cast<ExpertsOp>(user); e && e.getRows() == op.getRows())
      experts = e;
  if (experts) {
    int64_t f = cast<RankedTensorType>(experts.getW1().getType()).getDimSize(1);
    if (ShapedType::isDynamic(f))
      f = 1;
    p.flopsPerRow = 2.0 * p.hidden * f * (experts.isGated() ? 3 : 2);
    p.flopsSource = experts.isGated() ? "moe.experts (gated)" : "moe.experts";
  } else {
    p.flopsPerRow = 2.0 * p.hidden * (4.0 * p.hidden) * 2;
    p.flopsSource = "assumed: non-gated FFN of inner size 4·D";
  }

  if (profile && profile->experts != p.experts)
    return op.emitError() << "moe-capacity-plan: routing profile '"
                          << profilePath.getValue() << "' is for "
                          << profile->experts << " experts, but the op has "
                          << p.experts;
  if (profile) {
    for (ArrayRef<double> h : profile->histograms)
      p.loads.push_back(scaleHistogram(h, p.assignments()));
  } else {
    SmallVector<double> uniform(p.experts, 1.0);
    p.loads.push_back(scaleHistogram(uniform, p.assignments()));
  }
  return p;
}

LogicalResult MoECapacityPlanPass::plan(DispatchOp op, Mode mode,
                                        const RoutingProfile *profile,
                                        PlanRecord &record) {
  record.location = locationOf(op);
  if (auto fn = op->getParentOfType<SymbolOpInterface>())
    record.function = fn.getName().str();
  auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
  if (skipDynamic && tokenCount == 0 && indicesType.isDynamicDim(0) &&
      cast<RankedTensorType>(op.getX().getType()).isDynamicDim(0)) {
    record.reason = "left unchanged: T is dynamic and the option tokens is "
                    "not given";
    op.emitRemark() << "capacity plan: " << record.reason;
    return success();
  }
  FailureOr<Problem> problem = describeProblem(op, profile);
  if (failed(problem))
    return failure();
  Problem &p = *problem;
  DropPolicy dropPolicy = op.getDropPolicy() == DropPolicy::score
                              ? DropPolicy::score
                              : DropPolicy::position;
  // With preserve-drops, an op that drops keeps its capacity C: the padded
  // candidate uses it instead of capacity-factor.
  std::optional<int64_t> ownCapacity = op.getStaticCapacity();
  bool drops = op.getDropPolicy() != DropPolicy::none;
  SmallVector<Candidate> candidates = {
      evaluateRagged(p),
      preserveDrops && ownCapacity
          ? evaluatePadded(p, dropPolicy, *ownCapacity)
          : evaluatePadded(p, dropPolicy,
                           DispatchOp::capacityFromFactor(
                               capacityFactor, p.tokens, p.k, p.experts)),
      evaluateBlocked(p, blockRows)};
  SmallVector<Retyping> retypings(candidates.size());
  for (auto [c, retyping] : llvm::zip(candidates, retypings)) {
    c.cost += flopsPerByte * static_cast<double>(c.bufferBytes);
    // Row offsets are i32; then the users must take the new row count.
    std::string why;
    if (c.rows > std::numeric_limits<int32_t>::max())
      why = "N = " + std::to_string(c.rows) + " rows exceed 2147483647";
    else
      (void)planResults(op, typedRows(p, c), retyping, why);
    if (why.empty() && preserveDrops) {
      bool padded = c.layout == DispatchLayout::padded;
      if (!drops && padded)
        why = "preserve-drops: the op drops no assignment";
      else if (drops && !ownCapacity)
        why = "preserve-drops: the op's capacity depends on the dynamic T";
      else if (drops && !padded)
        why = "preserve-drops: the op drops assignments over capacity " +
              std::to_string(*ownCapacity);
    }
    if (!why.empty())
      c.excluded = "not applicable: " + why;
    else if (c.dropRate > maxDropRate)
      c.excluded = "drop rate over max-drop-rate " + formatRate(maxDropRate);
  }

  // The choice: forced, or the cheapest eligible one, ties in the order
  // ragged, blocked, padded.
  size_t choice = 0;
  std::string reason;
  if (mode != Mode::Auto) {
    choice = mode == Mode::Dropless ? 0 : mode == Mode::Padded ? 1 : 2;
    const Candidate &forced = candidates[choice];
    if (StringRef(forced.excluded).starts_with("not applicable"))
      return op.emitError() << "moe-capacity-plan: mode=" << modeName.getValue()
                            << " cannot apply layout " << forced.name << ": "
                            << StringRef(forced.excluded).drop_front(16);
    reason = "forced by mode=" + modeName;
  } else {
    std::optional<size_t> best;
    for (size_t i : {0u, 2u, 1u})
      if (candidates[i].excluded.empty() &&
          (!best || candidates[i].cost < candidates[*best].cost))
        best = i;
    if (!best) {
      // Only when the op's results feed something that needs their current
      // row count and no candidate keeps it.
      record.reason = "left unchanged, " + candidates[0].excluded;
      op.emitRemark() << "capacity plan for T = " << p.tokens << ": "
                      << record.reason;
      record.problem = std::move(p);
      record.candidates = std::move(candidates);
      return success();
    }
    choice = *best;
    reason = "lowest cost with drop rate at most " + formatRate(maxDropRate);
  }
  const Candidate &chosen = candidates[choice];

  // The remark: the choice, then every candidate's figures.
  {
    InFlightDiagnostic remark = op.emitRemark();
    remark << "capacity plan for T = " << p.tokens
           << (p.tokensFromOption ? " (option tokens)" : "") << ", k = " << p.k
           << ", E = " << p.experts << ": " << describe(chosen) << ", "
           << reason;
    for (const Candidate &c : candidates) {
      remark << "; " << describe(c) << ": drop rate " << formatRate(c.dropRate)
             << ", padding waste " << formatRate(c.paddingWaste) << ", "
             << c.bufferBytes << " bytes, time "
             << formatRate(chosen.cost > 0 ? c.cost / chosen.cost : 1.0);
      if (!c.excluded.empty())
        remark << " (" << c.excluded << ")";
    }
  }

  apply(op, chosen, p, retypings[choice]);
  ++numPlanned;
  if (chosen.layout == DispatchLayout::ragged)
    ++numRagged;
  else if (chosen.layout == DispatchLayout::padded)
    ++numPadded;
  else
    ++numBlocked;

  record.problem = std::move(p);
  record.candidates = std::move(candidates);
  record.choice = choice;
  record.reason = reason;
  return success();
}

LogicalResult MoECapacityPlanPass::writeReport(ArrayRef<PlanRecord> records,
                                               Mode mode,
                                               const RoutingProfile *profile) {
  llvm::Error written = writeOutputFile(reportPath, [&](raw_ostream &os) {
    llvm::json::OStream j(os, /*IndentSize=*/2);
    j.object([&] {
      j.attributeObject("options", [&] {
        j.attribute("capacity_factor", capacityFactor.getValue());
        j.attribute("tokens", tokenCount.getValue());
        j.attribute("block", blockRows.getValue());
        j.attribute("profile", profilePath.getValue());
        j.attribute("histograms",
                    profile ? static_cast<int64_t>(profile->histograms.size())
                            : 0);
        j.attribute("mode", modeName.getValue());
        j.attribute("max_drop_rate", maxDropRate.getValue());
        j.attribute("preserve_drops", preserveDrops.getValue());
        j.attribute("skip_dynamic", skipDynamic.getValue());
        j.attribute("flops_per_byte", flopsPerByte.getValue());
      });
      j.attributeObject("efficiency", [&] {
        j.attribute("ragged", kRaggedEfficiency);
        j.attribute("padded", kPaddedEfficiency);
        j.attribute("blocked", kBlockedEfficiency);
      });
      j.attributeArray("dispatches", [&] {
        for (const PlanRecord &r : records) {
          const Problem &p = r.problem;
          j.object([&] {
            j.attribute("location", r.location);
            j.attribute("function", r.function);
            if (r.candidates.empty()) {
              j.attribute("reason", r.reason);
              j.attribute("choice", nullptr);
              return;
            }
            j.attribute("tokens", p.tokens);
            j.attribute("tokens_from", p.tokensFromOption ? "option" : "type");
            j.attribute("k", p.k);
            j.attribute("experts", p.experts);
            j.attribute("hidden", p.hidden);
            j.attribute("element_bytes", p.elementBytes);
            j.attribute("flops_per_row", p.flopsPerRow);
            j.attribute("flops_from", p.flopsSource);
            j.attributeArray("loads", [&] {
              for (ArrayRef<int64_t> l : p.loads)
                j.array([&] {
                  for (int64_t n : l)
                    j.value(n);
                });
            });
            j.attributeArray("candidates", [&] {
              for (const Candidate &c : r.candidates)
                j.object([&] {
                  j.attribute("layout", c.name);
                  j.attribute("drop_policy", stringifyDropPolicy(c.policy));
                  j.attribute("capacity", c.capacity
                                              ? llvm::json::Value(c.capacity)
                                              : llvm::json::Value(nullptr));
                  j.attribute("block", c.block ? llvm::json::Value(c.block)
                                               : llvm::json::Value(nullptr));
                  j.attribute("rows", c.rows);
                  j.attribute("computed_rows", c.computedRows);
                  j.attribute("useful_rows", c.usefulRows);
                  j.attribute("drop_rate", c.dropRate);
                  j.attribute("padding_waste", c.paddingWaste);
                  j.attribute("buffer_bytes", c.bufferBytes);
                  j.attribute("cost", c.cost);
                  j.attribute("eligible", c.excluded.empty());
                  j.attribute("excluded", c.excluded.empty()
                                              ? llvm::json::Value(nullptr)
                                              : llvm::json::Value(c.excluded));
                });
            });
            j.attribute("choice", r.choice ? llvm::json::Value(
                                                 r.candidates[*r.choice].name)
                                           : llvm::json::Value(nullptr));
            j.attribute("reason", r.reason);
          });
        }
      });
    });
    os << "\n";
  });
  if (written)
    return error() << "cannot write report '" << reportPath.getValue()
                   << "': " << llvm::toString(std::move(written));
  return success();
}

void MoECapacityPlanPass::runOnOperation() {
  Mode parsedMode;
  if (failed(checkOptions(parsedMode)))
    return signalPassFailure();
  RoutingProfile profile;
  bool hasProfile = !profilePath.empty();
  if (hasProfile && failed(loadProfile(profile)))
    return signalPassFailure();

  getOperation().walk([&](LayerOp layer) {
    layer.emitRemark() << "moe-capacity-plan plans moe.dispatch: run "
                          "moe-decompose first to plan this layer";
    ++numLayersSkipped;
  });

  SmallVector<DispatchOp> ops;
  getOperation().walk([&](DispatchOp op) { ops.push_back(op); });
  std::vector<PlanRecord> records(ops.size());
  // The first op that cannot be planned stops the pass: one error.
  for (auto [op, record] : llvm::zip(ops, records))
    if (failed(plan(op, parsedMode, hasProfile ? &profile : nullptr, record)))
      return signalPassFailure();
  if (!reportPath.empty() &&
      failed(writeReport(records, parsedMode, hasProfile ? &profile : nullptr)))
    return signalPassFailure();
}

} // namespace

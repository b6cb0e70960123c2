// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// Position drops with a capacity factor and a dynamic T:
// C = ceil(1.25 · T · 2 / 4) in f64 from the runtime T (clamped to N); the
// keep mask is decided in (j, t) order -- the choice loop outside, the token
// loop inside -- counting each valid expert's kept assignments; then a
// counting sort: per-expert counts, the prefix sum into offsets[e + 1], and
// the placement in (t, j) order at offsets[e] + placed[e]; the rows are
// gathered from x, zero where the token is -1.

// CHECK-DAG: #[[BYROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @dispatch_position
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>, %[[I:.*]]: tensor<?x2xi32>, %[[W:.*]]: tensor<?x2xf32>)
// CHECK: %[[T:.*]] = tensor.dim %[[I]], %{{.*}}
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]] : index to i64
// CHECK: %[[TF:.*]] = arith.sitofp %[[TI]] : i64 to f64
// CHECK: %[[CF:.*]] = arith.constant 1.250000e+00 : f64
// CHECK: %[[A:.*]] = arith.mulf %[[CF]], %[[TF]] : f64
// CHECK: %[[K:.*]] = arith.constant 2.000000e+00 : f64
// CHECK: %[[B:.*]] = arith.mulf %[[A]], %[[K]] : f64
// CHECK: %[[E:.*]] = arith.constant 4.000000e+00 : f64
// CHECK: %[[Q:.*]] = arith.divf %[[B]], %[[E]] : f64
// CHECK: %[[CEIL:.*]] = math.ceil %[[Q]] : f64
// CHECK: arith.minimumf %[[CEIL]]
// CHECK: %[[C:.*]] = arith.trunci %{{.*}} : i64 to i32
// CHECK: %[[KEEP:.*]]:2 = scf.for %[[J:[^ ]*]] = %{{.*}} to %{{.*}} step
// CHECK-SAME: -> (tensor<?x2xi1>, tensor<4xi32>)
// CHECK: scf.for %[[TT:[^ ]*]] = %{{.*}} to %[[T]] step %{{.*}} iter_args(%[[KACC:[^ ]*]] = %{{.*}}, %[[SEEN:[^ ]*]] = %{{.*}})
// CHECK: %[[EXP:.*]] = tensor.extract %[[I]][%[[TT]], %[[J]]]
// CHECK: arith.cmpi sge, %[[EXP]]
// CHECK: %[[NE:.*]] = arith.constant 4 : i32
// CHECK: arith.cmpi slt, %[[EXP]], %[[NE]] : i32
// CHECK: scf.if
// CHECK: %[[CNT:.*]] = tensor.extract %[[SEEN]]
// CHECK: %[[FITS:.*]] = arith.cmpi slt, %[[CNT]], %[[C]] : i32
// CHECK: tensor.insert %[[FITS]] into %[[KACC]][%[[TT]], %[[J]]]
// CHECK: %[[COUNTS:.*]] = scf.for
// CHECK: tensor.extract %[[KEEP]]#0
// CHECK: %[[OFFS:.*]]:2 = scf.for %[[EE:[^ ]*]] = {{.*}} -> (tensor<5xi32>, i32)
// CHECK: %[[CE:.*]] = tensor.extract %[[COUNTS]][%[[EE]]]
// CHECK: %[[END:.*]] = arith.addi %{{.*}}, %[[CE]] : i32
// CHECK: %[[NEXT:.*]] = arith.addi %[[EE]], %{{.*}} : index
// CHECK: tensor.insert %[[END]] into %{{.*}}[%[[NEXT]]] : tensor<5xi32>
// CHECK: %[[N:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[NONE:.*]] = arith.constant -1 : i32
// CHECK: linalg.fill ins(%[[NONE]] : i32) outs(%{{.*}} : tensor<?xi32>)
// CHECK: %[[PLACED:.*]]:3 = scf.for %[[PT:[^ ]*]] = %{{.*}} to %[[T]] step
// CHECK: scf.for %[[PJ:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[TOKS:[^ ]*]] = %{{.*}}, %[[WTS:[^ ]*]] = %{{.*}}, %[[DONE:[^ ]*]] = %{{.*}})
// CHECK: tensor.extract %[[KEEP]]#0[%[[PT]], %[[PJ]]]
// CHECK: %[[START:.*]] = tensor.extract %[[OFFS]]#0
// CHECK: %[[DONEE:.*]] = tensor.extract %[[DONE]]
// CHECK: %[[SLOT:.*]] = arith.addi %[[START]], %[[DONEE]] : i32
// CHECK: %[[SLOTI:.*]] = arith.index_cast %[[SLOT]] : i32 to index
// CHECK: %[[TOK:.*]] = arith.index_cast %[[PT]] : index to i32
// CHECK: %[[WV:.*]] = tensor.extract %[[W]][%[[PT]], %[[PJ]]]
// CHECK: tensor.insert %[[TOK]] into %[[TOKS]][%[[SLOTI]]]
// CHECK: tensor.insert %[[WV]] into %[[WTS]][%[[SLOTI]]]
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#[[BYROW]], {{.*}}]{{.*}} ins(%[[PLACED]]#0 : tensor<?xi32>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: %[[VALID:.*]] = arith.cmpi sge
// CHECK: %[[COL:.*]] = linalg.index 1
// CHECK: tensor.extract %[[X]][%{{.*}}, %[[COL]]]
// CHECK: arith.select %[[VALID]]
// CHECK: return %[[ROWS]], %[[OFFS]]#0, %[[PLACED]]#0, %[[PLACED]]#1
func.func @dispatch_position(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>)
    -> (tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop position capacity_factor 1.25
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %off, %tok, %rw : tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
}

// -----

// Score drops with a fixed capacity, bf16 rows and weights: the weights are
// converted to f32; an assignment is kept when fewer than C = 3 assignments
// of the same expert precede it: a higher weight, or an equal weight and an
// earlier (j, t).

// CHECK-LABEL: func.func @dispatch_score
// CHECK-SAME: (%[[X:.*]]: tensor<6x16xbf16>, %[[I:.*]]: tensor<6x2xi32>, %[[W:.*]]: tensor<6x2xbf16>)
// CHECK: %[[WF:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<6x2xbf16>) outs(%{{.*}} : tensor<6x2xf32>)
// CHECK: arith.extf
// CHECK: %[[CAP:.*]] = arith.constant 3 : i64
// CHECK: %[[C64:.*]] = arith.minsi %[[CAP]], %{{.*}} : i64
// CHECK: %[[C:.*]] = arith.trunci %[[C64]] : i64 to i32
// CHECK-NOT: math.ceil
// CHECK: scf.for %[[T:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for %[[J:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[EXP:.*]] = tensor.extract %[[I]][%[[T]], %[[J]]]
// CHECK: scf.if
// CHECK: %[[WV:.*]] = tensor.extract %[[WF]][%[[T]], %[[J]]]
// CHECK: %[[RANK:.*]] = scf.for %[[T2:[^ ]*]] =
// CHECK: scf.for %[[J2:[^ ]*]] =
// CHECK: %[[WV2:.*]] = tensor.extract %[[WF]][%[[T2]], %[[J2]]]
// CHECK: %[[EXP2:.*]] = tensor.extract %[[I]][%[[T2]], %[[J2]]]
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[EXP2]], %[[EXP]] : i32
// CHECK: %[[JLT:.*]] = arith.cmpi ult, %[[J2]], %[[J]] : index
// CHECK: %[[JEQ:.*]] = arith.cmpi eq, %[[J2]], %[[J]] : index
// CHECK: %[[TLT:.*]] = arith.cmpi ult, %[[T2]], %[[T]] : index
// CHECK: %[[JT:.*]] = arith.andi %[[JEQ]], %[[TLT]]
// CHECK: %[[EARLIER:.*]] = arith.ori %[[JLT]], %[[JT]]
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[WV2]], %[[WV]] : f32
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %[[WV2]], %[[WV]] : f32
// CHECK: %[[TIE:.*]] = arith.andi %[[EQ]], %[[EARLIER]]
// CHECK: %[[PRE:.*]] = arith.ori %[[GT]], %[[TIE]]
// CHECK: arith.andi %[[SAME]], %[[PRE]]
// CHECK: arith.extui
// CHECK: arith.cmpi slt, %[[RANK]], %[[C]] : i32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<12x16xbf16>)
// CHECK: tensor.extract %[[X]]
// CHECK: arith.constant 0.000000e+00 : bf16
func.func @dispatch_score(%x: tensor<6x16xbf16>, %i: tensor<6x2xi32>, %w: tensor<6x2xbf16>)
    -> (tensor<12x16xbf16>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop score capacity 3
      : tensor<6x16xbf16>, tensor<6x2xi32>, tensor<6x2xbf16>
      -> tensor<12x16xbf16>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>
  return %rows, %off, %tok, %rw : tensor<12x16xbf16>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>
}

// -----

// Dropless: the keep mask is just "the expert is in [0, E)"; no capacity.

// CHECK-LABEL: func.func @dispatch_dropless
// CHECK-SAME: (%{{.*}}: tensor<6x16xf32>, %[[I:.*]]: tensor<6x2xi32>
// CHECK-NOT: math.ceil
// CHECK-NOT: arith.trunci
// CHECK: %[[KEEP:.*]] = linalg.generic {{.*}} ins(%[[I]] : tensor<6x2xi32>) outs(%{{.*}} : tensor<6x2xi1>)
// CHECK-NEXT: ^bb0(%[[E:.*]]: i32, %{{.*}}: i1):
// CHECK: arith.cmpi sge, %[[E]]
// CHECK: %[[NE:.*]] = arith.constant 3 : i32
// CHECK: arith.cmpi slt, %[[E]], %[[NE]]
// CHECK: scf.for
// CHECK: tensor.extract %[[KEEP]]
// CHECK: return
func.func @dispatch_dropless(%x: tensor<6x16xf32>, %i: tensor<6x2xi32>, %w: tensor<6x2xf32>)
    -> (tensor<12x16xf32>, tensor<4xi32>, tensor<12xi32>, tensor<12xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 3
      : tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>
      -> tensor<12x16xf32>, tensor<4xi32>, tensor<12xi32>, tensor<12xf32>
  return %rows, %off, %tok, %rw : tensor<12x16xf32>, tensor<4xi32>, tensor<12xi32>, tensor<12xf32>
}

// -----

// Padded layout: every group is C = 3 rows, so offsets are the constant
// [0, 3, 6, 9, 12] and N = E·C = 12 even with a dynamic T; the keep mask
// uses the same C; no per-expert count feeds the offsets. Rows are placed at
// offsets[e] + placed[e] into buffers of 12 rows filled with token -1 and
// weight 0, so a group's unused slots stay padding.

// CHECK-LABEL: func.func @dispatch_padded
// CHECK: %[[C:.*]] = arith.constant 3 : i32
// CHECK-NOT: math.ceil
// CHECK: %[[KEEP:.*]]:2 = scf.for
// CHECK: arith.cmpi slt, %{{.*}}, %[[C]] : i32
// CHECK-NOT: scf.for
// CHECK: %[[OFFS:.*]] = arith.constant dense<[0, 3, 6, 9, 12]> : tensor<5xi32>
// CHECK: %[[NONE:.*]] = arith.constant -1 : i32
// CHECK: linalg.fill ins(%[[NONE]] : i32) outs(%{{.*}} : tensor<12xi32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<12xf32>)
// CHECK: %[[PLACED:.*]]:3 = scf.for
// CHECK: tensor.extract %[[KEEP]]#0
// CHECK: %[[START:.*]] = tensor.extract %[[OFFS]]
// CHECK: arith.addi %[[START]], %{{.*}} : i32
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} ins(%[[PLACED]]#0 : tensor<12xi32>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: return %[[ROWS]], %[[OFFS]], %[[PLACED]]#0, %[[PLACED]]#1
func.func @dispatch_padded(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>)
    -> (tensor<12x16xf32>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop position capacity 3 layout padded
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<12x16xf32>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>
  return %rows, %off, %tok, %rw : tensor<12x16xf32>, tensor<5xi32>, tensor<12xi32>, tensor<12xf32>
}

// -----

// Blocked layout: the prefix sum adds each count rounded up to a multiple of
// the block, ceil(n / 8) · 8 = ((n + 7) / 8) · 8 (unsigned), and the row
// buffers have N = T·k + E·(block - 1) = T·2 + 4·7 rows.

// CHECK-LABEL: func.func @dispatch_blocked
// CHECK-SAME: (%{{.*}}: tensor<?x16xf32>, %[[I:.*]]: tensor<?x2xi32>
// CHECK: %[[T:.*]] = tensor.dim %[[I]], %{{.*}}
// CHECK: %[[COUNTS:.*]] = scf.for
// CHECK: %[[OFFS:.*]]:2 = scf.for %[[E:[^ ]*]] = {{.*}} -> (tensor<5xi32>, i32)
// CHECK: %[[N:.*]] = tensor.extract %[[COUNTS]][%[[E]]]
// CHECK: %[[B:.*]] = arith.constant 8 : i32
// CHECK: %[[BM1:.*]] = arith.constant 7 : i32
// CHECK: %[[UP:.*]] = arith.addi %[[N]], %[[BM1]] : i32
// CHECK: %[[TILES:.*]] = arith.divui %[[UP]], %[[B]] : i32
// CHECK: %[[SIZE:.*]] = arith.muli %[[TILES]], %[[B]] : i32
// CHECK: arith.addi %{{.*}}, %[[SIZE]] : i32
// CHECK: %[[TK:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[PAD:.*]] = arith.constant 28 : index
// CHECK: %[[ROWS:.*]] = arith.addi %[[TK]], %[[PAD]] : index
// CHECK: tensor.empty(%[[ROWS]]) : tensor<?xi32>
// CHECK: return
func.func @dispatch_blocked(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>)
    -> (tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 layout blocked block 8
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %off, %tok, %rw : tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
}

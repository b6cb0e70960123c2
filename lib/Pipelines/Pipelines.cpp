//===- Pipelines.cpp - moe pass pipelines ---------------------------------===//

#include "moe/Pipelines/Pipelines.h"

void mlir::moe::registerMoEPipelines() {}

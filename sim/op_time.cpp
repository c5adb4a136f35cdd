#include "sim/op_time.hpp"

namespace aiscale {

const GroupPlacement& placement_of(const Placements& g, Group group) {
  switch (group) {
    case Group::tp:
      return g.tp;
    case Group::cp:
      return g.cp;
    case Group::dp:
      return g.dp;
    case Group::pp:
      return g.pp;
    case Group::ep:
      return g.ep;
    case Group::etp:
      return g.etp;
    case Group::edp:
      return g.edp;
  }
  return g.tp;
}

double op_time(const Op& o, const ComputeModel& cm, const CollectiveModel& coll, const Placements& g) {
  switch (o.kind) {
    case OpKind::gemm:
      return cm.gemm_time(o.m, o.n, o.k, o.batch);
    case OpKind::attention:
      return cm.flash_attention_time(o.flops, o.phase == Phase::backward, o.n);
    case OpKind::memory:
      return cm.memory_time(o.bytes);
    case OpKind::collective:
      return coll.time(o.coll, o.bytes, placement_of(g, o.group));
  }
  return 0;
}

}  // namespace aiscale

// Links the contract's generated message classes into the binary, so that
// ApiConfig parses and prints answers with them rather than with
// DynamicMessage whenever the loaded contract has the same shape
// (api_config.cc, CompiledPrototype). A reloaded contract that differs
// falls back to DynamicMessage by itself.
//
// Nothing here runs: taking one address per generated file keeps that
// file's object, and the registration of its descriptors, in the link.

#include "fineprint/action/v1/action.pb.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "fineprint/identity/v1/identity.pb.h"
#include "fineprint/monitoring/v1/monitoring.pb.h"
#include "fineprint/notification/v1/notification.pb.h"

namespace fineprint::gateway::api {
namespace {

__attribute__((used)) const void* const kLinked[] = {
    reinterpret_cast<const void*>(&action::v1::Action::descriptor),
    reinterpret_cast<const void*>(&analysis::v1::Document::descriptor),
    reinterpret_cast<const void*>(&identity::v1::User::descriptor),
    reinterpret_cast<const void*>(&monitoring::v1::Watch::descriptor),
    reinterpret_cast<const void*>(&notification::v1::Notification::descriptor),
};

}  // namespace
}  // namespace fineprint::gateway::api

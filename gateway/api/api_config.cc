#include "gateway/api/api_config.h"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fineprint/api/v1/options.pb.h"
#include "gateway/transcode/caching_type_resolver.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace fineprint::gateway::api {
namespace {

namespace pb = ::google::protobuf;

// Options do not change how a message is encoded or printed as JSON (the
// JSON name is a field of its own); they may differ in form between a
// loaded and a compiled descriptor, so they are left out of the comparison.
void StripOptions(pb::EnumDescriptorProto& e) {
  e.clear_options();
  for (auto& v : *e.mutable_value()) v.clear_options();
  e.clear_reserved_range();
  e.clear_reserved_name();
}

void StripOptions(pb::DescriptorProto& m) {
  m.clear_options();
  for (auto& f : *m.mutable_field()) f.clear_options();
  for (auto& o : *m.mutable_oneof_decl()) o.clear_options();
  for (auto& n : *m.mutable_nested_type()) StripOptions(n);
  for (auto& e : *m.mutable_enum_type()) StripOptions(e);
  m.clear_reserved_range();
  m.clear_reserved_name();
}

// Whether `loaded` and `compiled` (and every message and enum they reach)
// have the same shape: same fields, numbers, types, names and JSON names.
bool SameShape(const pb::Descriptor* loaded, const pb::Descriptor* compiled,
               std::set<std::string>& checked) {
  if (!checked.insert(loaded->full_name()).second) return true;
  if (compiled == nullptr ||
      loaded->file()->syntax() != compiled->file()->syntax()) {
    return false;
  }
  pb::DescriptorProto a, b;
  loaded->CopyTo(&a);
  compiled->CopyTo(&b);
  for (int i = 0; i < loaded->field_count(); ++i) {
    // CopyTo leaves json_name out unless asked; it is what JSON prints.
    a.mutable_field(i)->set_json_name(loaded->field(i)->json_name());
  }
  for (int i = 0; i < compiled->field_count(); ++i) {
    b.mutable_field(i)->set_json_name(compiled->field(i)->json_name());
  }
  StripOptions(a);
  StripOptions(b);
  if (a.SerializeAsString() != b.SerializeAsString()) return false;
  for (int i = 0; i < loaded->field_count(); ++i) {
    const pb::FieldDescriptor* f = loaded->field(i);
    const pb::FieldDescriptor* g = compiled->field(i);
    if (f->message_type() != nullptr &&
        !SameShape(f->message_type(), g->message_type(), checked)) {
      return false;
    }
    if (f->enum_type() != nullptr) {
      pb::EnumDescriptorProto x, y;
      f->enum_type()->CopyTo(&x);
      g->enum_type()->CopyTo(&y);
      StripOptions(x);
      StripOptions(y);
      if (f->enum_type()->full_name() != g->enum_type()->full_name() ||
          x.SerializeAsString() != y.SerializeAsString()) {
        return false;
      }
    }
  }
  return true;
}

// The compiled-in prototype of `loaded`'s type, if this binary has one of
// the same shape (see //gateway/api:compiled_contract).
const pb::Message* CompiledPrototype(const pb::Descriptor* loaded) {
  const pb::Descriptor* compiled =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
          loaded->full_name());
  std::set<std::string> checked;
  if (compiled == nullptr || !SameShape(loaded, compiled, checked)) {
    return nullptr;
  }
  return pb::MessageFactory::generated_factory()->GetPrototype(compiled);
}

class CollectingErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    if (!text.empty()) text += "; ";
    absl::StrAppend(&text, filename, ": ", element_name, ": ", message);
  }
  std::string text;
};

absl::Status BuildFile(pb::DescriptorPool& pool,
                       const pb::FileDescriptorProto& file) {
  if (pool.FindFileByName(file.name()) != nullptr) return absl::OkStatus();
  CollectingErrors errors;
  if (pool.BuildFileCollectingErrors(file, &errors) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "descriptor set: cannot build ", file.name(), ": ", errors.text));
  }
  return absl::OkStatus();
}

// Error details in a grpc-status-details-bin trailer must render as JSON,
// so google.rpc's messages are added from the compiled-in descriptors when
// the contract does not import them itself.
absl::Status AddCompiledFile(pb::DescriptorPool& pool,
                             const pb::FileDescriptor* file) {
  if (pool.FindFileByName(file->name()) != nullptr) return absl::OkStatus();
  for (int i = 0; i < file->dependency_count(); ++i) {
    if (absl::Status s = AddCompiledFile(pool, file->dependency(i)); !s.ok())
      return s;
  }
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  return BuildFile(pool, proto);
}

// Resolves `path` as a chain of singular message fields ending in a
// singular non-message field (or a well-known wrapper-like message).
absl::Status CheckBindingPath(const pb::Descriptor* message,
                              const std::vector<std::string>& path,
                              absl::string_view pattern) {
  const pb::Descriptor* current = message;
  for (size_t i = 0; i < path.size(); ++i) {
    const pb::FieldDescriptor* field = current->FindFieldByName(path[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(pattern, ": ", current->full_name(), " has no field \"",
                       path[i], "\""));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat(pattern, ": path variable binds repeated field ",
                       field->full_name()));
    }
    if (i + 1 < path.size()) {
      if (field->message_type() == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            pattern, ": ", field->full_name(), " is not a message"));
      }
      current = field->message_type();
    }
  }
  return absl::OkStatus();
}

struct RuleView {
  std::string method;
  std::string path;
};

absl::StatusOr<RuleView> PatternOf(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return RuleView{"GET", rule.get()};
    case google::api::HttpRule::kPut:
      return RuleView{"PUT", rule.put()};
    case google::api::HttpRule::kPost:
      return RuleView{"POST", rule.post()};
    case google::api::HttpRule::kDelete:
      return RuleView{"DELETE", rule.delete_()};
    case google::api::HttpRule::kPatch:
      return RuleView{"PATCH", rule.patch()};
    case google::api::HttpRule::kCustom:
      return RuleView{rule.custom().kind(), rule.custom().path()};
    case google::api::HttpRule::PATTERN_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("HttpRule without a pattern");
}

absl::Status AddRule(routing::RouteTableBuilder& builder,
                     const pb::MethodDescriptor& method,
                     const google::api::HttpRule& rule, int64_t id) {
  absl::StatusOr<RuleView> view = PatternOf(rule);
  if (!view.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method.full_name(), ": ", view.status().message()));
  }
  const pb::Descriptor* input = method.input_type();
  if (!rule.body().empty() && rule.body() != "*" &&
      input->FindFieldByName(rule.body()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(method.full_name(), ": body \"", rule.body(),
                     "\" is not a field of ", input->full_name()));
  }
  if (!rule.response_body().empty() &&
      method.output_type()->FindFieldByName(rule.response_body()) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        method.full_name(), ": response_body \"", rule.response_body(),
        "\" is not a field of ", method.output_type()->full_name()));
  }
  absl::StatusOr<routing::PathTemplate> parsed =
      routing::ParsePathTemplate(view->path);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method.full_name(), ": ", parsed.status().message()));
  }
  for (const auto& var : parsed->variables) {
    if (absl::Status s = CheckBindingPath(input, var.field_path, view->path);
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(method.full_name(), ": ", s.message()));
    }
  }
  routing::RouteTarget target;
  target.rpc_method = method.full_name();
  target.body = rule.body();
  target.response_body = rule.response_body();
  target.id = id;
  if (absl::Status s = builder.Add(view->method, view->path, std::move(target));
      !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat(method.full_name(), ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

ApiConfig::ApiConfig() = default;
ApiConfig::~ApiConfig() = default;

absl::StatusOr<std::shared_ptr<const ApiConfig>> ApiConfig::FromFile(
    const std::string& descriptor_set_path, const ApiConfigOptions& options) {
  std::ifstream in(descriptor_set_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open descriptor set ", descriptor_set_path));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  pb::FileDescriptorSet set;
  if (!set.ParseFromString(bytes.str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a FileDescriptorSet: ", descriptor_set_path));
  }
  return FromDescriptorSet(set, options);
}

absl::StatusOr<std::shared_ptr<const ApiConfig>> ApiConfig::FromDescriptorSet(
    const pb::FileDescriptorSet& set, const ApiConfigOptions& options) {
  std::shared_ptr<ApiConfig> config(new ApiConfig());
  config->pool_ = std::make_unique<pb::DescriptorPool>();
  pb::DescriptorPool& pool = *config->pool_;
  // Files may come in any order; retry until no progress is made.
  std::vector<const pb::FileDescriptorProto*> pending;
  for (const auto& f : set.file()) pending.push_back(&f);
  while (!pending.empty()) {
    std::vector<const pb::FileDescriptorProto*> next;
    for (const auto* f : pending) {
      bool ready = true;
      for (const auto& dep : f->dependency()) {
        if (pool.FindFileByName(dep) == nullptr) ready = false;
      }
      if (!ready) {
        next.push_back(f);
        continue;
      }
      if (absl::Status s = BuildFile(pool, *f); !s.ok()) return s;
    }
    if (next.size() == pending.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "descriptor set: unresolved imports of ", next.front()->name()));
    }
    pending = std::move(next);
  }
  for (const pb::FileDescriptor* extra :
       {google::rpc::Status::descriptor()->file(),
        google::rpc::ErrorInfo::descriptor()->file()}) {
    if (absl::Status s = AddCompiledFile(pool, extra); !s.ok()) return s;
  }
  config->factory_ = std::make_unique<pb::DynamicMessageFactory>(&pool);
  config->resolver_ = std::make_unique<transcode::CachingTypeResolver>(
      std::unique_ptr<pb::util::TypeResolver>(
          pb::util::NewTypeResolverForDescriptorPool(
              std::string(kTypeUrlPrefix), &pool)));

  routing::RouteTableBuilder builder(options.routes);
  for (const auto& file : set.file()) {
    const pb::FileDescriptor* fd = pool.FindFileByName(file.name());
    config->files_.push_back(fd);
    for (int s = 0; s < fd->service_count(); ++s) {
      const pb::ServiceDescriptor* service = fd->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        // Re-parse through the compiled-in MethodOptions so the extensions
        // resolve no matter how the pool was built.
        pb::MethodOptions opts;
        opts.ParseFromString(method->options().SerializeAsString());
        if (!opts.HasExtension(google::api::http)) continue;
        if (method->client_streaming()) {
          return absl::InvalidArgumentError(
              absl::StrCat(method->full_name(),
                           ": client streaming cannot be mapped to HTTP"));
        }
        const int64_t id = static_cast<int64_t>(config->methods_.size());
        MethodInfo info;
        info.method = method;
        info.service = service->full_name();
        info.grpc_path =
            absl::StrCat("/", service->full_name(), "/", method->name());
        const auto& auth = opts.GetExtension(fineprint::api::v1::auth);
        info.is_public = auth.public_();
        info.roles.assign(auth.roles().begin(), auth.roles().end());
        int code = opts.GetExtension(fineprint::api::v1::http_success_code);
        if (code != 0) {
          if (code < 200 || code > 299) {
            return absl::InvalidArgumentError(
                absl::StrCat(method->full_name(), ": http_success_code ", code,
                             " is not 2xx"));
          }
          info.success_code = code;
        }
        info.response_prototype = CompiledPrototype(method->output_type());
        info.response_compiled = info.response_prototype != nullptr;
        if (!info.response_compiled) {
          info.response_prototype =
              config->factory_->GetPrototype(method->output_type());
        }
        config->methods_.push_back(std::move(info));
        const google::api::HttpRule& rule =
            opts.GetExtension(google::api::http);
        if (absl::Status st = AddRule(builder, *method, rule, id); !st.ok())
          return st;
        for (const auto& extra : rule.additional_bindings()) {
          if (extra.additional_bindings_size() > 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                method->full_name(), ": additional_bindings cannot nest"));
          }
          if (absl::Status st = AddRule(builder, *method, extra, id); !st.ok())
            return st;
        }
      }
    }
  }
  config->routes_ = builder.Build();
  return std::shared_ptr<const ApiConfig>(std::move(config));
}

std::vector<std::string> ApiConfig::services() const {
  std::set<std::string> names;
  for (const auto& m : methods_) names.insert(m.service);
  return {names.begin(), names.end()};
}

}  // namespace fineprint::gateway::api

#include "gateway/openapi/openapi.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gateway/openapi/json_schema.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace fineprint::gateway::openapi {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;
using routing::TemplateSegment;

using json::Bool;
using json::Obj;
using json::Put;
using json::Str;

// "orgs" -> "org", "watches" -> "watch", "policies" -> "policy".
std::string Singular(std::string s) {
  if (absl::EndsWith(s, "ies") && s.size() > 3)
    return s.substr(0, s.size() - 3) + "y";
  for (const char* suffix : {"ches", "shes", "sses", "xes"}) {
    if (absl::EndsWith(s, suffix)) return s.substr(0, s.size() - 2);
  }
  if (s.size() > 1 && s.back() == 's') s.pop_back();
  return s;
}

class Generator {
 public:
  explicit Generator(const api::ApiConfig& config) : config_(config) {}

  pb::Value Schema(const FD* f) { return schemas_.Field(f); }
  pb::Value MessageRef(const pb::Descriptor* d) { return schemas_.Message(d); }

  // The OpenAPI path and its path parameters for one route.
  std::string PathFor(const routing::Route& route,
                      std::vector<pb::Value>& params) {
    const auto& segs = route.path.segments;
    std::vector<std::string> parts(segs.size());
    std::set<std::string> used;
    std::vector<bool> bound(segs.size(), false);
    for (const auto& var : route.path.variables) {
      std::string field = absl::StrJoin(var.field_path, ".");
      for (int i = var.start_segment; i < var.end_segment; ++i) {
        bound[i] = true;
        if (segs[i].kind == TemplateSegment::Kind::kLiteral) {
          parts[i] = segs[i].literal;
          continue;
        }
        std::string name = field;
        if (var.end_segment - var.start_segment > 1 && i > 0 &&
            segs[i].kind == TemplateSegment::Kind::kSingle &&
            segs[i - 1].kind == TemplateSegment::Kind::kLiteral) {
          name = Singular(segs[i - 1].literal) + "_id";
        }
        while (!used.insert(name).second) name += "_";
        parts[i] = absl::StrCat("{", name, "}");
        std::string doc = absl::StrCat(
            "Part of `", field, "` (`", route.path.ToString(), "`)",
            segs[i].kind == TemplateSegment::Kind::kMulti ? "; may contain '/'."
                                                          : ".");
        params.push_back(Obj({{"name", Str(name)},
                              {"in", Str("path")},
                              {"required", Bool(true)},
                              {"description", Str(doc)},
                              {"schema", Obj({{"type", Str("string")}})}}));
      }
    }
    std::string path;
    for (size_t i = 0; i < segs.size(); ++i) {
      if (!bound[i]) {
        parts[i] =
            segs[i].kind == TemplateSegment::Kind::kLiteral  ? segs[i].literal
            : segs[i].kind == TemplateSegment::Kind::kSingle ? "{_wildcard}"
                                                             : "{_rest}";
      }
      absl::StrAppend(&path, "/", parts[i]);
    }
    if (segs.empty()) path = "/";
    if (!route.path.verb.empty()) absl::StrAppend(&path, ":", route.path.verb);
    return path;
  }

  // Top-level (and nested, dotted) fields a client may send as query
  // parameters: everything not carried by the path or the body.
  void QueryParams(const pb::Descriptor* d, const std::string& prefix,
                   const std::set<std::string>& excluded, int depth,
                   std::vector<pb::Value>& params) {
    if (depth > 3) return;
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      std::string name = prefix + f->name();
      if (excluded.count(name)) continue;
      const bool plain_message =
          f->type() == FD::TYPE_MESSAGE && !f->is_map() &&
          !absl::StartsWith(f->message_type()->full_name(), "google.protobuf.");
      if (plain_message) {
        if (!f->is_repeated()) {
          QueryParams(f->message_type(), name + ".", excluded, depth + 1,
                      params);
        }
        continue;
      }
      if (f->is_map()) continue;
      pb::Value p = Obj({{"name", Str(prefix + f->json_name())},
                         {"in", Str("query")},
                         {"schema", Schema(f)}});
      if (f->is_repeated()) {
        Put(p, "style") = Str("form");
        Put(p, "explode") = Bool(true);
      }
      params.push_back(p);
    }
  }

  pb::Value Operation(const routing::Route& route, const api::MethodInfo& info,
                      int binding_index, std::vector<pb::Value> params) {
    const pb::MethodDescriptor* m = info.method;
    pb::Value op = Obj({});
    std::string op_id = absl::StrCat(m->service()->name(), "_", m->name());
    if (binding_index > 0) absl::StrAppend(&op_id, "_", binding_index);
    Put(op, "operationId") = Str(op_id);
    pb::Value tags;
    *tags.mutable_list_value()->add_values() = Str(m->service()->name());
    Put(op, "tags") = tags;
    std::string doc = LeadingComment(m);
    if (!doc.empty()) {
      Put(op, "summary") = Str(doc.substr(0, doc.find('\n')));
      Put(op, "description") = Str(doc);
    }
    std::set<std::string> excluded;
    for (const auto& v : route.path.variables)
      excluded.insert(absl::StrJoin(v.field_path, "."));
    const std::string& body = route.target.body;
    if (body != "*") {
      if (!body.empty()) excluded.insert(body);
      QueryParams(m->input_type(), "", excluded, 0, params);
    }
    pb::Value list;
    for (auto& p : params) *list.mutable_list_value()->add_values() = p;
    Put(op, "parameters") = list;
    if (!body.empty()) {
      pb::Value schema = body == "*"
                             ? MessageRef(m->input_type())
                             : Schema(m->input_type()->FindFieldByName(body));
      Put(op, "requestBody") =
          Obj({{"required", Bool(true)},
               {"content",
                Obj({{"application/json", Obj({{"schema", schema}})}})}});
    }
    const pb::Descriptor* out = m->output_type();
    pb::Value out_schema =
        route.target.response_body.empty()
            ? MessageRef(out)
            : Schema(out->FindFieldByName(route.target.response_body));
    pb::Value ok = Obj({{"description", Str("Success.")}});
    if (m->server_streaming()) {
      // OpenAPI 3.1 has no schema for the items of a stream (3.2's
      // `itemSchema` is not valid here), so each form is a string whose
      // description names its item type, and the item schema itself rides
      // along as an `x-` extension that tools may read.
      std::string item = "response value";
      if (auto it = out_schema.struct_value().fields().find("$ref");
          it != out_schema.struct_value().fields().end()) {
        item = absl::StrCat("`",
                            absl::StripPrefix(it->second.string_value(),
                                              "#/components/schemas/"),
                            "`");
      }
      Put(ok, "description") = Str(
          "A stream of messages, sent as they arrive. By default NDJSON: one "
          "JSON "
          "value per line. With `Accept: text/event-stream`, server-sent "
          "events: one "
          "event per message whose `data:` line is the JSON value. An error "
          "after the "
          "first message ends the stream in-band: a `{\"error\": "
          "<google.rpc.Status>}` "
          "line, or an `event: error` whose data is the google.rpc.Status.");
      pb::Value ndjson =
          Obj({{"schema",
                Obj({{"type", Str("string")},
                     {
                         "description",
                         Str(absl::StrCat(
                             "Newline-delimited JSON; each line is one ", item,
                             " (or a final {\"error\": google.rpc.Status}).")),
                     }})},
               {"x-item-schema", out_schema}});
      pb::Value sse =
          Obj({{"schema",
                Obj({{"type", Str("string")},
                     {
                         "description",
                         Str(absl::StrCat(
                             "text/event-stream; each event's `data:` is one ",
                             item,
                             "; `event: error` carries a google.rpc.Status and "
                             "ends "
                             "the stream.")),
                     }})},
               {"x-item-schema", out_schema}});
      Put(ok, "content") =
          Obj({{"application/x-ndjson", ndjson}, {"text/event-stream", sse}});
    } else if (info.success_code != 204) {
      Put(ok, "content") =
          Obj({{"application/json", Obj({{"schema", out_schema}})}});
    }
    pb::Value responses = Obj({});
    Put(responses, std::to_string(info.success_code)) = ok;
    Put(responses, "default") =
        Obj({{"description", Str("Error (google.rpc.Status).")},
             {"content",
              Obj({{"application/json",
                    Obj({{"schema",
                          Obj({{"$ref", Str("#/components/schemas/"
                                            "google.rpc.Status")}})}})}})}});
    Put(op, "responses") = responses;
    pb::Value security;
    if (!info.is_public) {
      pb::Value no_scopes;
      no_scopes.mutable_list_value();
      *security.mutable_list_value()->add_values() =
          Obj({{"bearerAuth", no_scopes}});
      *security.mutable_list_value()->add_values() =
          Obj({{"apiKey", no_scopes}});
      if (!info.roles.empty()) {
        Put(op, "x-fineprint-roles") = Str(absl::StrJoin(info.roles, ","));
      }
    } else {
      security.mutable_list_value();
    }
    Put(op, "security") = security;
    return op;
  }

  absl::StatusOr<std::string> Run(const OpenApiOptions& options) {
    pb::Value doc = Obj({{"openapi", Str("3.1.0")},
                         {"info", Obj({{"title", Str(options.title)},
                                       {"version", Str(options.version)}})}});
    if (!options.server_url.empty()) {
      pb::Value servers;
      *servers.mutable_list_value()->add_values() =
          Obj({{"url", Str(options.server_url)}});
      Put(doc, "servers") = servers;
    }
    pb::Value paths = Obj({});
    std::map<int64_t, int> bindings_seen;
    for (const routing::Route& route : config_.routes().routes()) {
      const api::MethodInfo& info = config_.method(route.target.id);
      std::vector<pb::Value> params;
      std::string path = PathFor(route, params);
      std::string method = absl::AsciiStrToLower(route.http_method);
      pb::Value& item = Put(paths, path);
      if (!item.has_struct_value()) item = Obj({});
      Put(item, method) =
          Operation(route, info, bindings_seen[route.target.id]++, params);
    }
    Put(doc, "paths") = paths;
    MessageRef(config_.pool().FindMessageTypeByName("google.rpc.Status"));
    pb::Value schemas = Obj({});
    for (const auto& [name, schema] : schemas_.defined())
      Put(schemas, name) = schema;
    Put(doc, "components") =
        Obj({{"schemas", schemas},
             {"securitySchemes",
              Obj({{"bearerAuth", Obj({{"type", Str("http")},
                                       {"scheme", Str("bearer")},
                                       {"bearerFormat", Str("JWT")}})},
                   {"apiKey", Obj({{"type", Str("apiKey")},
                                   {"in", Str("header")},
                                   {"name", Str("x-api-key")}})}})}});
    std::string json;
    pb::util::JsonPrintOptions print;
    auto st = pb::util::MessageToJsonString(doc, &json, print);
    if (!st.ok()) return absl::InternalError("cannot render OpenAPI document");
    return json;
  }

 private:
  const api::ApiConfig& config_;
  JsonSchemas schemas_;
};

}  // namespace

absl::StatusOr<std::string> GenerateOpenApi(const api::ApiConfig& config,
                                            const OpenApiOptions& options) {
  return Generator(config).Run(options);
}

}  // namespace fineprint::gateway::openapi

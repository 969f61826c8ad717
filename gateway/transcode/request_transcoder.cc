#include "gateway/transcode/request_transcoder.h"

#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/routing/path_codec.h"
#include "gateway/transcode/field_setter.h"
#include "gateway/transcode/json_syntax.h"
#include "gateway/transcode/json_values.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

std::string ToStd(const pb::util::Status& s) {
  return std::string(s.message().data(), s.message().size());
}

// A parsed query key: `a.b.c` or `a.b[key]`.
struct QueryKey {
  std::vector<std::string> path;
  bool has_map_key = false;
  std::string map_key;
};

absl::Status ParseKey(absl::string_view raw, QueryKey* key) {
  absl::string_view dotted = raw;
  size_t bracket = raw.find('[');
  if (bracket != absl::string_view::npos) {
    if (raw.back() != ']' || bracket + 1 >= raw.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed query parameter name \"", raw, "\""));
    }
    key->has_map_key = true;
    key->map_key =
        std::string(raw.substr(bracket + 1, raw.size() - bracket - 2));
    dotted = raw.substr(0, bracket);
  }
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed query parameter name \"", raw, "\""));
    }
    key->path.emplace_back(part);
  }
  return absl::OkStatus();
}

// True if `path` equals or lies below `prefix` (by proto field names).
bool Covers(const std::vector<std::string>& prefix,
            const std::vector<const FD*>& fields) {
  if (prefix.size() > fields.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (fields[i]->name() != prefix[i]) return false;
  }
  return true;
}

absl::Status ApplyQuery(absl::string_view query, const HttpRequestParts& parts,
                        const RequestOptions& options,
                        pb::util::TypeResolver* resolver, pb::Message* out) {
  std::set<std::string> seen;
  for (absl::string_view piece :
       absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = piece.find('=');
    absl::string_view raw_key = piece.substr(0, eq);
    absl::string_view raw_value = eq == absl::string_view::npos
                                      ? absl::string_view()
                                      : piece.substr(eq + 1);
    auto key_text = routing::FormDecode(raw_key);
    auto value = routing::FormDecode(raw_value);
    if (!key_text || !value) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed percent escape in query parameter \"", raw_key, "\""));
    }
    if (!text::IsValidUtf8(*key_text)) {
      return absl::InvalidArgumentError(
          "query parameter name is not valid UTF-8");
    }
    QueryKey key;
    if (absl::Status s = ParseKey(*key_text, &key); !s.ok()) return s;

    auto reject = [&](absl::string_view why) -> absl::Status {
      if (options.allow_unknown_query_params) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", *key_text, "\": ", why));
    };
    if (parts.body_field == "*") {
      absl::Status s =
          reject("not allowed, the request body carries every field");
      if (!s.ok()) return s;
      continue;
    }
    // Resolve names first without touching `out`, so a rejected parameter
    // leaves no empty submessages behind.
    std::vector<const FD*> fields;
    const pb::Descriptor* d = out->GetDescriptor();
    bool resolvable = true;
    for (size_t i = 0; i < key.path.size(); ++i) {
      const FD* f = FindField(d, key.path[i]);
      if (f == nullptr) {
        resolvable = false;
        break;
      }
      fields.push_back(f);
      if (i + 1 < key.path.size()) {
        if (f->cpp_type() != FD::CPPTYPE_MESSAGE || f->is_repeated() ||
            IsStringSettable(f)) {
          resolvable = false;
          break;
        }
        d = f->message_type();
      }
    }
    if (!resolvable) {
      if (absl::Status s = reject("no such field"); !s.ok()) return s;
      continue;
    }
    if (!parts.body_field.empty() &&
        Covers({std::string(parts.body_field)}, fields)) {
      if (absl::Status s = reject("the field is carried by the request body");
          !s.ok()) {
        return s;
      }
      continue;
    }
    bool bound = false;
    if (parts.bindings != nullptr) {
      for (const auto& b : *parts.bindings) {
        if (Covers(b.field_path, fields)) bound = true;
      }
    }
    if (bound) {
      if (absl::Status s = reject("the field is bound by the URL path");
          !s.ok())
        return s;
      continue;
    }
    const FD* leaf = fields.back();
    if (!IsStringSettable(leaf) && !leaf->is_map()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", *key_text,
                       "\": message fields are set through "
                       "their subfields (e.g. \"",
                       *key_text, ".field\")"));
    }
    std::string canonical;
    for (const FD* f : fields) absl::StrAppend(&canonical, f->name(), ".");
    if (key.has_map_key) absl::StrAppend(&canonical, "[", key.map_key, "]");
    if (!leaf->is_repeated() && !seen.insert(canonical).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", *key_text,
                       "\" is repeated but the field is not"));
    }
    pb::Message* owner = nullptr;
    const FD* field = nullptr;
    if (absl::Status s = ResolvePath(out, key.path, &owner, &field); !s.ok())
      return s;
    if (absl::Status s =
            SetFromString(owner, field, *value, *key_text, resolver,
                          key.has_map_key ? &key.map_key : nullptr);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyBody(const HttpRequestParts& parts,
                       const RequestOptions& options,
                       pb::util::TypeResolver* resolver, pb::Message* out) {
  if (parts.body_field.empty()) return absl::OkStatus();
  absl::string_view body = parts.body;
  size_t bad = text::FindInvalidUtf8(body);
  if (bad != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request body is not valid UTF-8 (byte offset ", bad, ")"));
  }
  if (body.find_first_not_of(" \t\r\n") == absl::string_view::npos) {
    return absl::OkStatus();  // an empty body sets nothing
  }
  if (absl::Status s = CheckJsonSyntax(body); !s.ok()) return s;
  // protobuf's converter alone would take "yes" for a bool and the last of
  // duplicate keys, and names no field when it rejects a value.
  JsonValueOptions check;
  check.allow_unknown_fields = options.allow_unknown_json_fields;
  check.resolver = resolver;
  if (parts.body_field == "*") {
    if (absl::Status s = CheckJsonValues(body, out->GetDescriptor(), check);
        !s.ok()) {
      return s;
    }
    return ParseJsonInto(body, options.allow_unknown_json_fields, resolver,
                         out);
  }
  const FD* field =
      out->GetDescriptor()->FindFieldByName(std::string(parts.body_field));
  if (field == nullptr) {
    return absl::InternalError(
        absl::StrCat("body field ", parts.body_field, " not found"));
  }
  if (field->cpp_type() == FD::CPPTYPE_MESSAGE && !field->is_repeated()) {
    check.path_prefix = field->name();
    if (absl::Status s = CheckJsonValues(body, field->message_type(), check);
        !s.ok()) {
      return s;
    }
    return ParseJsonInto(body, options.allow_unknown_json_fields, resolver,
                         out->GetReflection()->MutableMessage(out, field));
  }
  if (absl::Status s = CheckJsonFieldValue(body, field, check); !s.ok())
    return s;
  // Scalars and repeated fields: parse `{"<field>": <body>}`.
  // The wrapper must not let a crafted body smuggle in sibling fields.
  std::string wrapped =
      absl::StrCat("{\"", field->json_name(), "\":", body, "\n}");
  std::unique_ptr<pb::Message> temp(out->New());
  if (absl::Status s = ParseJsonInto(wrapped, options.allow_unknown_json_fields,
                                     resolver, temp.get());
      !s.ok()) {
    return s;
  }
  std::vector<const FD*> set_fields;
  temp->GetReflection()->ListFields(*temp, &set_fields);
  for (const FD* f : set_fields) {
    if (f != field) {
      return absl::InvalidArgumentError(
          "malformed JSON request body: expected a single JSON value");
    }
  }
  out->MergeFrom(*temp);
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseJsonInto(absl::string_view json, bool allow_unknown_fields,
                           pb::util::TypeResolver* resolver, pb::Message* out) {
  pb::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = allow_unknown_fields;
  std::string binary;
  pb::util::Status st = pb::util::JsonToBinaryString(
      resolver,
      absl::StrCat("type.googleapis.com/", out->GetDescriptor()->full_name()),
      pb::StringPiece(json.data(), json.size()), &binary, opts);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON request body: ", ToStd(st)));
  }
  std::unique_ptr<pb::Message> parsed(out->New());
  if (!parsed->ParseFromString(binary)) {
    return absl::InvalidArgumentError("malformed JSON request body");
  }
  out->MergeFrom(*parsed);
  return absl::OkStatus();
}

absl::Status TranscodeRequest(const HttpRequestParts& parts,
                              const RequestOptions& options,
                              pb::util::TypeResolver* resolver,
                              pb::Message* out) {
  if (absl::Status s = ApplyBody(parts, options, resolver, out); !s.ok())
    return s;
  if (parts.bindings != nullptr) {
    for (const auto& b : *parts.bindings) {
      pb::Message* owner = nullptr;
      const FD* field = nullptr;
      std::string name = absl::StrJoin(b.field_path, ".");
      if (absl::Status s = ResolvePath(out, b.field_path, &owner, &field);
          !s.ok()) {
        return absl::InternalError(
            absl::StrCat("path variable ", name, ": ", s.message()));
      }
      if (absl::Status s = SetFromString(owner, field, b.value, name, resolver);
          !s.ok()) {
        return s;
      }
    }
  }
  return ApplyQuery(parts.query, parts, options, resolver, out);
}

}  // namespace fineprint::gateway::transcode

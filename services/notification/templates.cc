#include "services/notification/templates.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"

namespace fineprint::notification {

using google::protobuf::FieldDescriptor;

absl::StatusOr<std::string> FieldText(const google::protobuf::Message& message,
                                      absl::string_view path) {
  const google::protobuf::Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr) {
      return absl::NotFoundError(absl::StrCat("no field ", path));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field ", path, " is repeated"));
    }
    const auto* reflection = current->GetReflection();
    const bool last = i + 1 == parts.size();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) {
        return absl::InvalidArgumentError(
            absl::StrCat("field ", path, " is a message"));
      }
      if (!reflection->HasField(*current, field)) return std::string();
      current = &reflection->GetMessage(*current, field);
      continue;
    }
    if (!last) return absl::NotFoundError(absl::StrCat("no field ", path));
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return reflection->GetString(*current, field);
      case FieldDescriptor::CPPTYPE_INT32:
        return absl::StrCat(reflection->GetInt32(*current, field));
      case FieldDescriptor::CPPTYPE_INT64:
        return absl::StrCat(reflection->GetInt64(*current, field));
      case FieldDescriptor::CPPTYPE_UINT32:
        return absl::StrCat(reflection->GetUInt32(*current, field));
      case FieldDescriptor::CPPTYPE_UINT64:
        return absl::StrCat(reflection->GetUInt64(*current, field));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return absl::StrCat(reflection->GetDouble(*current, field));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return absl::StrCat(reflection->GetFloat(*current, field));
      case FieldDescriptor::CPPTYPE_BOOL:
        return std::string(reflection->GetBool(*current, field) ? "true"
                                                                : "false");
      case FieldDescriptor::CPPTYPE_ENUM:
        return reflection->GetEnum(*current, field)->name();
      default:
        break;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("field ", path, " has no text form"));
  }
  return absl::NotFoundError(absl::StrCat("no field ", path));
}

absl::StatusOr<std::string> Render(absl::string_view text,
                                   const google::protobuf::Message& message) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      out.push_back('{');
      i += 2;
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("unterminated { in template");
    }
    absl::StatusOr<std::string> value =
        FieldText(message, text.substr(i + 1, close - i - 1));
    if (!value.ok()) return value.status();
    out += *value;
    i = close + 1;
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

}  // namespace fineprint::notification

#include "gateway/asyncapi/asyncapi.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "events/contract/event_contract.h"
#include "events/relay/cloudevents.h"
#include "events/relay/outbox_record.h"
#include "events/topics/declared_topics.h"
#include "fineprint/api/v1/options.pb.h"
#include "gateway/openapi/json_schema.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/log/log.h"

namespace fineprint::gateway::asyncapi {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;
using openapi::LeadingComment;
using openapi::json::Append;
using openapi::json::Num;
using openapi::json::Obj;
using openapi::json::Put;
using openapi::json::Str;

// Kafka bindings as of AsyncAPI 3.0.
constexpr absl::string_view kKafkaBindingVersion = "0.5.0";
constexpr absl::string_view kHeadersSchema = "CloudEventsKafkaHeaders";

// Fixed example values, so the document is the same on every edge.
constexpr absl::string_view kExampleEventId =
    "3f1c2d9e-8b7a-4c61-9d2e-5a0b7c4e1f20";
constexpr absl::string_view kExampleTraceparent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr int64_t kExampleUnixSeconds = 1767225600;  // 2026-01-01T00:00:00Z
// SHA-256 of the empty string.
constexpr absl::string_view kExampleSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Event {
  const pb::Descriptor* descriptor;
  events::EventContract contract;
};

std::string ExampleAggregateId(absl::string_view aggregate) {
  return absl::StrCat(aggregate, "-1");
}

events::OutboxRecord ExampleRecord(const events::EventContract& contract,
                                   bool traced) {
  events::OutboxRecord r;
  r.event_id = std::string(kExampleEventId);
  r.topic = contract.topic;
  r.aggregate_type = contract.aggregate;
  r.aggregate_id = ExampleAggregateId(contract.aggregate);
  r.seq = 1;
  r.event_type = contract.type;
  r.source = contract.service;
  r.occurred_at = absl::FromUnixSeconds(kExampleUnixSeconds);
  if (traced) r.traceparent = std::string(kExampleTraceparent);
  return r;
}

// What each header the relay writes means. A header without an entry here
// gets no description, which //gateway/asyncapi:asyncapi_test refuses: a
// new header must be documented for consumers.
pb::Value HeaderSchema(absl::string_view name, absl::string_view value) {
  pb::Value s = Obj({{"type", Str("string")}});
  auto describe = [&](absl::string_view text) {
    Put(s, "description") = Str(text);
  };
  if (name == "ce_specversion") {
    describe("CloudEvents specification version.");
    Put(s, "const") = Str(value);
  } else if (name == "ce_id") {
    describe(
        "Event id (UUID), fixed when the event was written to the outbox. "
        "Delivery is at-least-once: deduplicate on it.");
    Put(s, "format") = Str("uuid");
  } else if (name == "ce_source") {
    describe("The producing service, `/fineprint/<service>`.");
    Put(s, "pattern") = Str("^/fineprint/[a-z][a-z0-9_]*$");
  } else if (name == "ce_type") {
    describe(
        "Full proto name of the payload message; decode the value as this "
        "type. Skip types you do not know: producers add types without "
        "notice.");
  } else if (name == "ce_time") {
    describe("When the event was written (RFC 3339, UTC).");
    Put(s, "format") = Str("date-time");
  } else if (name == "ce_subject") {
    describe("The aggregate id, the same as the record key.");
  } else if (name == "content-type") {
    describe(
        "Media type of the record value: the payload message's protobuf "
        "binary encoding (CloudEvents binary content mode).");
    Put(s, "const") = Str(value);
  } else if (name == "ce_fpseq") {
    describe(
        "Extension attribute: the event's position in its aggregate's "
        "history (1, 2, ...), decimal. Per key it increases by one; a gap "
        "means a missed event.");
    Put(s, "pattern") = Str("^[1-9][0-9]*$");
  } else if (name == "traceparent") {
    describe(
        "W3C trace context of the call that caused the event; absent when "
        "it had none.");
    Put(s, "pattern") =
        Str("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");
  } else if (name == "tracestate") {
    describe("W3C trace state that came with traceparent, if any.");
  }
  return s;
}

// Headers of every record: the relay's own output for an example record,
// so the schema cannot list a header the relay does not write. Required are
// those written without trace context.
pb::Value HeadersSchema() {
  events::EventContract contract{.type = "fineprint.example.events.v1.Example",
                                 .service = "example",
                                 .aggregate = "example",
                                 .topic = "fineprint.example.example.v1"};
  events::OutboxRecord traced = ExampleRecord(contract, true);
  traced.tracestate = "fineprint=1";
  pb::Value schema = Obj({{"type", Str("object")}});
  Put(schema, "description") =
      Str("CloudEvents 1.0 attributes, Kafka protocol binding, binary content "
          "mode: one header per attribute, values UTF-8.");
  pb::Value& props = Put(schema, "properties");
  props = Obj({});
  for (const auto& [name, value] : events::CloudEventHeaders(traced)) {
    Put(props, name) = HeaderSchema(name, value);
  }
  pb::Value& required = Put(schema, "required");
  for (const auto& [name, value] :
       events::CloudEventHeaders(ExampleRecord(contract, false))) {
    Append(required, Str(name));
  }
  return schema;
}

// Field name -> resource pattern of the first comment that gives one
// ("organization" -> "orgs/{org}"): comments often name the pattern once,
// on one event, and say only "Resource name of the organisation." elsewhere.
using Patterns = std::map<std::string, std::string>;

// The first backquoted resource pattern of a comment, or "".
std::string PatternIn(const std::string& doc) {
  for (size_t open = doc.find('`'); open != std::string::npos;) {
    const size_t close = doc.find('`', open + 1);
    if (close == std::string::npos) break;
    std::string quoted = doc.substr(open + 1, close - open - 1);
    if (absl::StrContains(quoted, '{') && absl::StrContains(quoted, '/'))
      return quoted;
    open = doc.find('`', close + 1);
  }
  return "";
}

void LearnPatterns(const pb::Descriptor* d, Patterns& patterns) {
  for (int i = 0; i < d->field_count(); ++i) {
    std::string pattern = PatternIn(LeadingComment(d->field(i)));
    if (!pattern.empty()) patterns.emplace(d->field(i)->name(), pattern);
  }
}

// An example string for a field: its resource pattern with every variable
// filled in (`orgs/{org}/users/{user}` -> "orgs/org-1/users/user-1"), or a
// value suggested by its name.
std::string ExampleString(const FD* f, const Patterns& patterns) {
  std::string pattern = PatternIn(LeadingComment(f));
  if (pattern.empty()) {
    if (auto it = patterns.find(f->name()); it != patterns.end())
      pattern = it->second;
  }
  if (!pattern.empty()) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
      const size_t end = pattern.find('}', i);
      if (pattern[i] == '{' && end != std::string::npos) {
        absl::StrAppend(&out, pattern.substr(i + 1, end - i - 1), "-1");
        i = end;
      } else {
        out.push_back(pattern[i]);
      }
    }
    return out;
  }
  const std::string& name = f->name();
  if (absl::EndsWith(name, "sha256")) return std::string(kExampleSha256);
  if (name == "email" || absl::EndsWith(name, "_email"))
    return "ada@example.com";
  if (name == "url" || absl::EndsWith(name, "_url"))
    return "https://example.com/terms";
  return absl::StrCat("example ", name);
}

bool IsWrapper(const pb::Descriptor* d) {
  return d->full_name() != "google.protobuf.Value" &&
         d->full_name() != "google.protobuf.ListValue" &&
         absl::EndsWith(d->full_name(), "Value") && d->field_count() == 1;
}

void FillExample(pb::Message& m, int depth, const Patterns& patterns);

// Sets (or, for repeated fields, adds) one example value of `f`.
void SetExample(pb::Message& m, const FD* f, int depth,
                const Patterns& patterns) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return rep ? r->AddInt32(&m, f, 1) : r->SetInt32(&m, f, 1);
    case FD::CPPTYPE_INT64:
      return rep ? r->AddInt64(&m, f, 1) : r->SetInt64(&m, f, 1);
    case FD::CPPTYPE_UINT32:
      return rep ? r->AddUInt32(&m, f, 1) : r->SetUInt32(&m, f, 1);
    case FD::CPPTYPE_UINT64:
      return rep ? r->AddUInt64(&m, f, 1) : r->SetUInt64(&m, f, 1);
    case FD::CPPTYPE_DOUBLE:
      return rep ? r->AddDouble(&m, f, 0.5) : r->SetDouble(&m, f, 0.5);
    case FD::CPPTYPE_FLOAT:
      return rep ? r->AddFloat(&m, f, 0.5f) : r->SetFloat(&m, f, 0.5f);
    case FD::CPPTYPE_BOOL:
      return rep ? r->AddBool(&m, f, true) : r->SetBool(&m, f, true);
    case FD::CPPTYPE_ENUM: {
      // The first meaningful value; proto3 omits the zero default.
      const pb::EnumDescriptor* e = f->enum_type();
      const pb::EnumValueDescriptor* v = e->value(0);
      for (int i = 0; i < e->value_count(); ++i) {
        if (e->value(i)->number() != 0) {
          v = e->value(i);
          break;
        }
      }
      return rep ? r->AddEnum(&m, f, v) : r->SetEnum(&m, f, v);
    }
    case FD::CPPTYPE_STRING: {
      std::string s =
          f->type() == FD::TYPE_BYTES ? "example" : ExampleString(f, patterns);
      return rep ? r->AddString(&m, f, std::move(s))
                 : r->SetString(&m, f, std::move(s));
    }
    case FD::CPPTYPE_MESSAGE: {
      const pb::Descriptor* d = f->message_type();
      const std::string& n = d->full_name();
      // Any, Struct, FieldMask, ... say nothing by example.
      const bool shown = !absl::StartsWith(n, "google.protobuf.") ||
                         n == "google.protobuf.Timestamp" ||
                         n == "google.protobuf.Duration" || IsWrapper(d) ||
                         f->is_map();
      if (!shown || depth >= 3) return;
      pb::Message* sub = rep ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
      return FillExample(*sub, depth + 1, patterns);
    }
  }
}

void FillExample(pb::Message& m, int depth, const Patterns& patterns) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  if (d->full_name() == "google.protobuf.Timestamp") {
    r->SetInt64(&m, d->FindFieldByName("seconds"), kExampleUnixSeconds);
    return;
  }
  if (d->full_name() == "google.protobuf.Duration") {
    r->SetInt64(&m, d->FindFieldByName("seconds"), 60);
    return;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    // One member per oneof.
    if (f->real_containing_oneof() != nullptr &&
        f->real_containing_oneof()->field(0) != f)
      continue;
    SetExample(m, f, depth, patterns);
  }
}

absl::StatusOr<pb::Value> ExamplePayload(const pb::Descriptor* d,
                                         const Patterns& patterns) {
  pb::DynamicMessageFactory factory(d->file()->pool());
  std::unique_ptr<pb::Message> message(factory.GetPrototype(d)->New());
  FillExample(*message, 0, patterns);
  std::string text;
  if (auto st = pb::util::MessageToJsonString(*message, &text); !st.ok()) {
    return absl::InternalError(
        absl::StrCat("example of ", d->full_name(), ": ", st.ToString()));
  }
  pb::Value value;
  if (auto st = pb::util::JsonStringToMessage(text, &value); !st.ok()) {
    return absl::InternalError(
        absl::StrCat("example of ", d->full_name(), ": ", st.ToString()));
  }
  return value;
}

bool HasEventOption(const pb::Descriptor* d) {
  // Re-parsed through the compiled-in MessageOptions so the extension
  // resolves however the pool was built (as gateway/api does for methods).
  pb::MessageOptions options;
  options.ParseFromString(d->options().SerializeAsString());
  return options.HasExtension(fineprint::api::v1::event);
}

absl::Status Collect(const pb::Descriptor* d, std::vector<Event>& out) {
  if (HasEventOption(d)) {
    absl::StatusOr<events::EventContract> contract = events::ContractOf(*d);
    if (!contract.ok()) return contract.status();
    out.push_back({d, *std::move(contract)});
  }
  for (int i = 0; i < d->nested_type_count(); ++i) {
    if (absl::Status s = Collect(d->nested_type(i), out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The comment's first sentence, on one line.
std::string Summary(const std::string& doc) {
  std::string flat =
      absl::StrJoin(absl::StrSplit(doc, '\n', absl::SkipWhitespace()), " ",
                    [](std::string* out, absl::string_view line) {
                      absl::StrAppend(out, absl::StripAsciiWhitespace(line));
                    });
  const size_t end = flat.find(". ");
  return end == std::string::npos ? flat : flat.substr(0, end + 1);
}

class Generator {
 public:
  absl::StatusOr<std::string> Run(
      const std::vector<const pb::FileDescriptor*>& files,
      const AsyncApiOptions& options) {
    std::vector<Event> found;
    for (const pb::FileDescriptor* file : files) {
      for (int i = 0; i < file->message_type_count(); ++i) {
        if (absl::Status s = Collect(file->message_type(i), found); !s.ok())
          return s;
      }
    }
    for (const Event& e : found) LearnPatterns(e.descriptor, patterns_);
    std::map<std::string, std::vector<const Event*>> by_topic;
    for (const Event& e : found) by_topic[e.contract.topic].push_back(&e);

    std::map<std::string, events::TopicSpec> declared;
    if (auto topics = events::LoadDeclaredTopics(); topics.ok()) {
      for (events::TopicSpec& t : *topics) declared[t.name] = std::move(t);
    }

    pb::Value doc = Obj({{"asyncapi", Str("3.0.0")}});
    Put(doc, "info") = Obj({{"title", Str(options.title)},
                            {"version", Str(options.version)},
                            {"description", Str(kDescription)}});
    Put(doc, "defaultContentType") = Str(events::kContentType);
    pb::Value channels = Obj({});
    pb::Value operations = Obj({});
    pb::Value messages = Obj({});
    for (const auto& [topic, topic_events] : by_topic) {
      const events::EventContract& c = topic_events.front()->contract;
      pb::Value channel = Obj({{"address", Str(topic)}});
      Put(channel, "title") =
          Str(absl::StrCat(c.service, ": ", c.aggregate, " events"));
      Put(channel, "description") = Str(absl::StrCat(
          "Events about the `", c.aggregate, "` aggregate, published by the `",
          c.service, "` service. The record key is the ", c.aggregate,
          " id: one ", c.aggregate,
          "'s events stay in one partition, in the order they were "
          "committed."));
      pb::Value& channel_messages = Put(channel, "messages");
      channel_messages = Obj({});
      pb::Value operation = Obj({{"action", Str("receive")}});
      Put(operation, "channel") =
          Obj({{"$ref", Str(absl::StrCat("#/channels/", topic))}});
      Put(operation, "summary") = Str(absl::StrCat("Consume ", topic, "."));
      pb::Value& operation_messages = Put(operation, "messages");
      for (const Event* e : topic_events) {
        const std::string& name = e->descriptor->name();
        Put(channel_messages, name) = Obj(
            {{"$ref",
              Str(absl::StrCat("#/components/messages/", e->contract.type))}});
        Append(operation_messages,
               Obj({{"$ref", Str(absl::StrCat("#/channels/", topic,
                                              "/messages/", name))}}));
        absl::StatusOr<pb::Value> message = Message(*e);
        if (!message.ok()) return message.status();
        Put(messages, e->contract.type) = *std::move(message);
      }
      pb::Value kafka = Obj({{"topic", Str(topic)},
                             {"bindingVersion", Str(kKafkaBindingVersion)}});
      if (auto it = declared.find(topic); it != declared.end()) {
        Put(kafka, "partitions") = Num(it->second.partitions);
        pb::Value config = Obj({});
        Append(Put(config, "cleanup.policy"),
               Str(events::CleanupPolicyName(it->second.cleanup_policy)));
        Put(config, "retention.ms") =
            Num(static_cast<double>(it->second.retention_ms));
        Put(kafka, "topicConfiguration") = std::move(config);
      }
      Put(channel, "bindings") = Obj({{"kafka", std::move(kafka)}});
      Put(channels, topic) = std::move(channel);
      Put(operations, absl::StrCat(topic, ".receive")) = std::move(operation);
    }

    Put(doc, "channels") = std::move(channels);
    Put(doc, "operations") = std::move(operations);
    pb::Value schemas = Obj({});
    for (const auto& [name, schema] : schemas_.defined())
      Put(schemas, name) = schema;
    Put(schemas, kHeadersSchema) = HeadersSchema();
    Put(doc, "components") =
        Obj({{"schemas", std::move(schemas)}, {"messages", messages}});
    return openapi::json::Print(doc);
  }

 private:
  static constexpr absl::string_view kDescription =
      "Fineprint's domain events on Kafka. Each service writes its events to "
      "an outbox in the transaction of the change, and a relay publishes "
      "them: one topic per aggregate type "
      "(`fineprint.<service>.<aggregate>.v1`), keyed by the aggregate id, in "
      "commit order per key.\n\n"
      "Records follow CloudEvents 1.0 in Kafka binary content mode: the "
      "attributes are `ce_*` headers and the value is the payload message's "
      "protobuf binary encoding (`content-type: application/protobuf`); "
      "`ce_type` names the message. Each payload schema below is that "
      "message in the proto3 JSON mapping (lowerCamel names, 64-bit "
      "integers as strings, enums as names, timestamps as RFC 3339 "
      "strings), the form protobuf's JSON printer and `fpevents tail` "
      "produce.\n\n"
      "Delivery is at-least-once (deduplicate on `ce_id`). Skip unknown "
      "`ce_type`s: new event types are added to existing topics, and new "
      "fields to existing types. Field numbers, types and names of released "
      "messages do not change (`buf breaking` in Fineprint's CI).";

  absl::StatusOr<pb::Value> Message(const Event& e) {
    const events::EventContract& c = e.contract;
    const std::string doc = LeadingComment(e.descriptor);
    pb::Value m = Obj({{"name", Str(e.descriptor->name())},
                       {"title", Str(e.descriptor->name())}});
    if (!doc.empty()) Put(m, "summary") = Str(Summary(doc));
    Put(m, "description") =
        Str(absl::StrCat(doc.empty() ? "" : doc + "\n\n", "`ce_type` `", c.type,
                         "`, published by `", c.service, "` on `", c.topic,
                         "`, keyed by the ", c.aggregate, " id."));
    Put(m, "contentType") = Str(events::kContentType);

    pb::Value fixed = Obj({{"type", Str("object")}});
    Put(fixed, "properties") = Obj(
        {{"ce_type", Obj({{"const", Str(c.type)}})},
         {"ce_source", Obj({{"const", Str(events::SourceOf(c.service))}})}});
    pb::Value headers = Obj({{"type", Str("object")}});
    pb::Value& all_of = Put(headers, "allOf");
    Append(all_of, Obj({{"$ref", Str(absl::StrCat("#/components/schemas/",
                                                  kHeadersSchema))}}));
    Append(all_of, std::move(fixed));
    Put(m, "headers") = std::move(headers);
    Put(m, "payload") = schemas_.Message(e.descriptor);
    Put(m, "bindings") = Obj(
        {{"kafka",
          Obj({{"key", Obj({{"type", Str("string")},
                            {"description",
                             Str(absl::StrCat("The ", c.aggregate,
                                              " id (the aggregate id), UTF-8; "
                                              "equal to `ce_subject`."))}})},
               {"bindingVersion", Str(kKafkaBindingVersion)}})}});

    absl::StatusOr<pb::Value> payload = ExamplePayload(e.descriptor, patterns_);
    if (!payload.ok()) return payload.status();
    pb::Value example_headers = Obj({});
    for (const auto& [name, value] :
         events::CloudEventHeaders(ExampleRecord(c, true))) {
      Put(example_headers, name) = Str(value);
    }
    Append(
        Put(m, "examples"),
        Obj({{"name", Str(absl::StrCat(e.descriptor->name(), "Example"))},
             {"summary", Str(absl::StrCat("An example ", e.descriptor->name(),
                                          " record (key `",
                                          ExampleAggregateId(c.aggregate),
                                          "`) with the payload as JSON."))},
             {"headers", std::move(example_headers)},
             {"payload", *std::move(payload)}}));
    return m;
  }

  openapi::JsonSchemas schemas_;
  Patterns patterns_;
};

}  // namespace

absl::StatusOr<std::string> GenerateAsyncApi(
    const std::vector<const pb::FileDescriptor*>& files,
    const AsyncApiOptions& options) {
  return Generator().Run(files, options);
}

absl::StatusOr<std::string> GenerateAsyncApi(const api::ApiConfig& config,
                                             const AsyncApiOptions& options) {
  return GenerateAsyncApi(config.files(), options);
}

std::string CachedAsyncApi::For(
    const std::shared_ptr<const api::ApiConfig>& config) {
  absl::MutexLock lock(&mu_);
  if (config_.lock() != config) {
    absl::StatusOr<std::string> doc = GenerateAsyncApi(*config, options_);
    if (!doc.ok()) {
      log::Error("cannot generate /asyncapi.json; serving {}",
                 {{"error", doc.status()}});
    }
    json_ = doc.ok() ? *std::move(doc) : "{}";
    config_ = config;
  }
  return json_;
}

}  // namespace fineprint::gateway::asyncapi

#include "gateway/asyncapi/asyncapi.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "events/contract/event_contract.h"
#include "events/relay/cloudevents.h"
#include "events/topics/declared_topics.h"
#include "fineprint/api/v1/options.pb.h"
#include "gateway/api/api_config.h"
#include "gateway/api/test_descriptor_set.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::asyncapi {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

// The member at `path`, or null (with a test failure) when absent.
const pb::Value* At(const pb::Value& v, std::vector<std::string> path) {
  const pb::Value* cur = &v;
  for (const std::string& key : path) {
    const auto& fields = cur->struct_value().fields();
    auto it = fields.find(key);
    if (it == fields.end()) {
      ADD_FAILURE() << "missing key " << key;
      return nullptr;
    }
    cur = &it->second;
  }
  return cur;
}

std::string StrAt(const pb::Value& v, std::vector<std::string> path) {
  const pb::Value* found = At(v, std::move(path));
  return found == nullptr ? "" : found->string_value();
}

pb::Value Parse(const std::string& json) {
  pb::Value v;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &v).ok()) << json;
  return v;
}

bool IsEvent(const pb::Descriptor* d) {
  pb::MessageOptions options;
  options.ParseFromString(d->options().SerializeAsString());
  return options.HasExtension(fineprint::api::v1::event);
}

// The events of a config, found independently of the generator.
std::vector<const pb::Descriptor*> EventsOf(const api::ApiConfig& config) {
  std::vector<const pb::Descriptor*> out;
  for (const pb::FileDescriptor* f : config.files()) {
    for (int i = 0; i < f->message_type_count(); ++i) {
      if (IsEvent(f->message_type(i))) out.push_back(f->message_type(i));
    }
  }
  return out;
}

class RealContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = api::ApiConfig::FromFile(api::TestDescriptorSetPath());
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    auto json = GenerateAsyncApi(*config_);
    ASSERT_TRUE(json.ok()) << json.status();
    doc_ = Parse(*json);
    events_ = EventsOf(*config_);
  }
  std::shared_ptr<const api::ApiConfig> config_;
  pb::Value doc_;
  std::vector<const pb::Descriptor*> events_;
};

TEST_F(RealContractTest, EveryEventOnItsTopicsChannel) {
  EXPECT_EQ(StrAt(doc_, {"asyncapi"}), "3.0.0");
  // Every service with an events.proto in the set contributes events.
  std::set<std::string> services;
  for (const pb::Descriptor* d : events_) {
    auto contract = events::ContractOf(*d);
    ASSERT_TRUE(contract.ok()) << contract.status();
    services.insert(contract->service);
    SCOPED_TRACE(contract->type);
    EXPECT_EQ(StrAt(doc_, {"channels", contract->topic, "address"}),
              contract->topic);
    EXPECT_EQ(StrAt(doc_, {"channels", contract->topic, "messages", d->name(),
                           "$ref"}),
              "#/components/messages/" + contract->type);
    const std::string op = contract->topic + ".receive";
    EXPECT_EQ(StrAt(doc_, {"operations", op, "action"}), "receive");
    EXPECT_EQ(StrAt(doc_, {"operations", op, "channel", "$ref"}),
              "#/channels/" + contract->topic);
    bool listed = false;
    if (const pb::Value* refs = At(doc_, {"operations", op, "messages"})) {
      for (const pb::Value& ref : refs->list_value().values()) {
        listed |= ref.struct_value().fields().at("$ref").string_value() ==
                  absl::StrCat("#/channels/", contract->topic, "/messages/",
                               d->name());
      }
    }
    EXPECT_TRUE(listed);
    EXPECT_EQ(StrAt(doc_, {"components", "messages", contract->type, "payload",
                           "$ref"}),
              "#/components/schemas/" + d->full_name());
    EXPECT_EQ(
        StrAt(doc_, {"components", "messages", contract->type, "contentType"}),
        events::kContentType);
    EXPECT_EQ(StrAt(doc_, {"components", "messages", contract->type, "bindings",
                           "kafka", "key", "type"}),
              "string");
  }
  EXPECT_GE(services.size(), 3u);
  // Nothing else: one channel per topic, one message per event.
  std::set<std::string> topics;
  for (const pb::Descriptor* d : events_)
    topics.insert(events::ContractOf(*d)->topic);
  EXPECT_EQ(At(doc_, {"channels"})->struct_value().fields_size(),
            static_cast<int>(topics.size()));
  EXPECT_EQ(At(doc_, {"components", "messages"})->struct_value().fields_size(),
            static_cast<int>(events_.size()));
}

TEST_F(RealContractTest, ChannelBindingsFollowTheDeclaredTopics) {
  auto declared = events::LoadDeclaredTopics();
  ASSERT_TRUE(declared.ok()) << declared.status();
  for (const auto& [topic, channel] :
       At(doc_, {"channels"})->struct_value().fields()) {
    const events::TopicSpec* spec = events::FindTopic(*declared, topic);
    ASSERT_NE(spec, nullptr) << topic;
    EXPECT_EQ(At(channel, {"bindings", "kafka", "partitions"})->number_value(),
              spec->partitions);
    EXPECT_EQ(
        At(channel, {"bindings", "kafka", "topicConfiguration", "retention.ms"})
            ->number_value(),
        static_cast<double>(spec->retention_ms));
  }
}

// Every field of every event, whatever its type, as proto3 JSON has it.
TEST_F(RealContractTest, PayloadsFollowTheProto3JsonMapping) {
  int checked = 0;
  for (const pb::Descriptor* d : events_) {
    const pb::Value* props =
        At(doc_, {"components", "schemas", d->full_name(), "properties"});
    ASSERT_NE(props, nullptr);
    EXPECT_EQ(props->struct_value().fields_size(), d->field_count());
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      SCOPED_TRACE(f->full_name());
      const pb::Value* s = At(*props, {f->json_name()});
      ASSERT_NE(s, nullptr);
      if (f->is_map()) {
        EXPECT_EQ(StrAt(*s, {"type"}), "object");
        ++checked;
        continue;
      }
      const pb::Value* item = s;
      if (f->is_repeated()) {
        EXPECT_EQ(StrAt(*s, {"type"}), "array");
        item = At(*s, {"items"});
        ASSERT_NE(item, nullptr);
      }
      switch (f->type()) {
        case FD::TYPE_INT64:
        case FD::TYPE_UINT64:
        case FD::TYPE_SINT64:
        case FD::TYPE_FIXED64:
        case FD::TYPE_SFIXED64:
          EXPECT_EQ(StrAt(*item, {"type"}), "string");
          break;
        case FD::TYPE_ENUM: {
          EXPECT_EQ(StrAt(*item, {"type"}), "string");
          const pb::Value* names = At(*item, {"enum"});
          ASSERT_NE(names, nullptr);
          ASSERT_EQ(names->list_value().values_size(),
                    f->enum_type()->value_count());
          for (int v = 0; v < f->enum_type()->value_count(); ++v) {
            EXPECT_EQ(names->list_value().values(v).string_value(),
                      f->enum_type()->value(v)->name());
          }
          break;
        }
        case FD::TYPE_MESSAGE:
          if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
            EXPECT_EQ(StrAt(*item, {"format"}), "date-time");
          } else {
            EXPECT_EQ(StrAt(*item, {"$ref"}),
                      "#/components/schemas/" + f->message_type()->full_name());
            At(doc_, {"components", "schemas", f->message_type()->full_name()});
          }
          break;
        case FD::TYPE_BOOL:
          EXPECT_EQ(StrAt(*item, {"type"}), "boolean");
          break;
        case FD::TYPE_STRING:
          EXPECT_EQ(StrAt(*item, {"type"}), "string");
          break;
        default:
          EXPECT_EQ(StrAt(*item, {"type"}), "integer");
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

// The example payload is what protobuf's JSON printer makes of a message
// with every field set: it parses back strictly, and names every field.
TEST_F(RealContractTest, ExamplesParseAsTheirMessage) {
  pb::DynamicMessageFactory factory(&config_->pool());
  for (const pb::Descriptor* d : events_) {
    SCOPED_TRACE(d->full_name());
    const std::string type = events::ContractOf(*d)->type;
    const pb::Value* examples =
        At(doc_, {"components", "messages", type, "examples"});
    ASSERT_NE(examples, nullptr);
    ASSERT_EQ(examples->list_value().values_size(), 1);
    const pb::Value& example = examples->list_value().values(0);
    const pb::Value* payload = At(example, {"payload"});
    ASSERT_NE(payload, nullptr);
    EXPECT_EQ(payload->struct_value().fields_size(), d->field_count());
    std::string json;
    ASSERT_TRUE(pb::util::MessageToJsonString(*payload, &json).ok());
    std::unique_ptr<pb::Message> message(factory.GetPrototype(d)->New());
    pb::util::JsonParseOptions strict;
    strict.ignore_unknown_fields = false;
    EXPECT_TRUE(pb::util::JsonStringToMessage(json, message.get(), strict).ok())
        << json;
    // Resource-name fields take their comment's pattern.
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->name() == "organization" &&
          d->field(i)->type() == FD::TYPE_STRING) {
        EXPECT_TRUE(absl::StartsWith(
            StrAt(*payload, {d->field(i)->json_name()}), "orgs/"))
            << StrAt(*payload, {d->field(i)->json_name()});
      }
    }
  }
}

// The headers are the relay's: the same names, each documented, required
// unless the relay writes it only with trace context; the examples are
// what the relay writes for the event's type and service.
TEST_F(RealContractTest, HeadersAreWhatTheRelayWrites) {
  events::OutboxRecord record;
  record.event_id = "e";
  record.event_type = "t";
  record.source = "s";
  record.aggregate_id = "a";
  record.seq = 1;
  std::vector<std::string> required;
  for (const auto& [name, value] : events::CloudEventHeaders(record))
    required.push_back(name);
  record.traceparent =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  record.tracestate = "x=1";
  const pb::Value* headers =
      At(doc_, {"components", "schemas", "CloudEventsKafkaHeaders"});
  ASSERT_NE(headers, nullptr);
  const auto all = events::CloudEventHeaders(record);
  EXPECT_EQ(At(*headers, {"properties"})->struct_value().fields_size(),
            static_cast<int>(all.size()));
  for (const auto& [name, value] : all) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(StrAt(*headers, {"properties", name, "description"}).empty());
  }
  const pb::Value* listed = At(*headers, {"required"});
  ASSERT_NE(listed, nullptr);
  ASSERT_EQ(listed->list_value().values_size(),
            static_cast<int>(required.size()));
  for (size_t i = 0; i < required.size(); ++i) {
    EXPECT_EQ(listed->list_value().values(i).string_value(), required[i]);
  }

  for (const pb::Descriptor* d : events_) {
    auto contract = events::ContractOf(*d);
    SCOPED_TRACE(contract->type);
    const pb::Value& message =
        *At(doc_, {"components", "messages", contract->type});
    const pb::Value* example_headers =
        At(At(message, {"examples"})->list_value().values(0), {"headers"});
    ASSERT_NE(example_headers, nullptr);
    EXPECT_EQ(StrAt(*example_headers, {"ce_type"}), contract->type);
    EXPECT_EQ(StrAt(*example_headers, {"ce_source"}),
              events::SourceOf(contract->service));
    EXPECT_EQ(StrAt(*example_headers, {"content-type"}), events::kContentType);
    for (const std::string& name : required) {
      EXPECT_TRUE(example_headers->struct_value().fields().count(name) > 0)
          << name;
    }
    for (const auto& [name, value] : example_headers->struct_value().fields()) {
      EXPECT_FALSE(
          StrAt(*headers, {"properties", name, "description"}).empty());
    }
    const pb::Value* fixed = At(message, {"headers", "allOf"});
    ASSERT_NE(fixed, nullptr);
    ASSERT_EQ(fixed->list_value().values_size(), 2);
    EXPECT_EQ(StrAt(fixed->list_value().values(1),
                    {"properties", "ce_type", "const"}),
              contract->type);
  }
}

// A service that does not exist yet: its events file is in the descriptor
// set, so its topic is in the document, with no code for it anywhere.
pb::FileDescriptorSet SetWith(const pb::FileDescriptorProto& extra) {
  pb::FileDescriptorSet set;
  std::set<std::string> added;
  std::function<void(const pb::FileDescriptor*)> add =
      [&](const pb::FileDescriptor* f) {
        if (!added.insert(f->name()).second) return;
        for (int i = 0; i < f->dependency_count(); ++i) add(f->dependency(i));
        f->CopyTo(set.add_file());
      };
  add(fineprint::api::v1::EventRule::descriptor()->file());
  add(pb::Timestamp::descriptor()->file());
  *set.add_file() = extra;
  return set;
}

pb::FileDescriptorProto DemoEvents(const std::string& package) {
  pb::FileDescriptorProto file;
  file.set_name("fineprint/demo/events/v1/events.proto");
  file.set_package(package);
  file.set_syntax("proto3");
  file.add_dependency("fineprint/api/v1/options.proto");
  file.add_dependency("google/protobuf/timestamp.proto");
  pb::DescriptorProto* m = file.add_message_type();
  m->set_name("WidgetMade");
  m->mutable_options()
      ->MutableExtension(fineprint::api::v1::event)
      ->set_aggregate("widget");
  auto* count = m->add_field();
  count->set_name("widget_count");
  count->set_number(1);
  count->set_type(pb::FieldDescriptorProto::TYPE_INT64);
  count->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* when = m->add_field();
  when->set_name("made_time");
  when->set_number(2);
  when->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
  when->set_type_name(".google.protobuf.Timestamp");
  when->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  return file;
}

TEST(AsyncApiTest, NewServicesEventsNeedNoCode) {
  auto config = api::ApiConfig::FromDescriptorSet(
      SetWith(DemoEvents("fineprint.demo.events.v1")));
  ASSERT_TRUE(config.ok()) << config.status();
  auto json = GenerateAsyncApi(**config);
  ASSERT_TRUE(json.ok()) << json.status();
  pb::Value doc = Parse(*json);
  EXPECT_EQ(StrAt(doc, {"channels", "fineprint.demo.widget.v1", "address"}),
            "fineprint.demo.widget.v1");
  EXPECT_EQ(StrAt(doc, {"components", "schemas",
                        "fineprint.demo.events.v1.WidgetMade", "properties",
                        "widgetCount", "type"}),
            "string");
  EXPECT_EQ(StrAt(doc, {"components", "schemas",
                        "fineprint.demo.events.v1.WidgetMade", "properties",
                        "madeTime", "format"}),
            "date-time");
  const pb::Value* example =
      At(doc, {"components", "messages", "fineprint.demo.events.v1.WidgetMade",
               "examples"});
  ASSERT_NE(example, nullptr);
  const pb::Value& payload = *At(example->list_value().values(0), {"payload"});
  EXPECT_EQ(StrAt(payload, {"widgetCount"}), "1");
  EXPECT_EQ(StrAt(payload, {"madeTime"}), "2026-01-01T00:00:00Z");
  // Not in topics.tsv: a channel without partitions rather than none.
  EXPECT_EQ(
      At(doc, {"channels", "fineprint.demo.widget.v1", "bindings", "kafka"})
          ->struct_value()
          .fields()
          .count("partitions"),
      0u);
}

TEST(AsyncApiTest, EventOptionOutsideAnEventsPackageIsRefused) {
  auto config = api::ApiConfig::FromDescriptorSet(
      SetWith(DemoEvents("fineprint.demo.v1")));
  ASSERT_TRUE(config.ok()) << config.status();
  auto json = GenerateAsyncApi(**config);
  EXPECT_EQ(json.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(json.status().message(), "WidgetMade"));
}

TEST(AsyncApiTest, CachedPerConfig) {
  auto real = api::ApiConfig::FromFile(api::TestDescriptorSetPath());
  ASSERT_TRUE(real.ok()) << real.status();
  auto demo = api::ApiConfig::FromDescriptorSet(
      SetWith(DemoEvents("fineprint.demo.events.v1")));
  ASSERT_TRUE(demo.ok()) << demo.status();
  auto broken = api::ApiConfig::FromDescriptorSet(
      SetWith(DemoEvents("fineprint.demo.v1")));
  ASSERT_TRUE(broken.ok()) << broken.status();
  CachedAsyncApi cache;
  const std::string first = cache.For(*real);
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(
      Parse(first), Parse(*GenerateAsyncApi(**real))));
  EXPECT_EQ(cache.For(*real), first);
  // A reload: the new config's document.
  EXPECT_TRUE(absl::StrContains(cache.For(*demo), "fineprint.demo.widget.v1"));
  EXPECT_EQ(cache.For(*broken), "{}");
}

}  // namespace
}  // namespace fineprint::gateway::asyncapi

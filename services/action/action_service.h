#ifndef FINEPRINT_SERVICES_ACTION_ACTION_SERVICE_H_
#define FINEPRINT_SERVICES_ACTION_ACTION_SERVICE_H_

// The action API: letters (actions.cc), templates and suggestions
// (catalog_api.cc). Suggestions are written by the AnalysisCompleted
// handler (suggestions.h); reminders by the scheduler (reminders.h).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/action/v1/action.grpc.pb.h"
#include "services/action/pdf.h"
#include "services/action/store.h"
#include "services/action/templates.h"
#include "services/runtime/db/pool.h"

namespace fineprint::action {

inline constexpr char kService[] = "action";

struct ActionConfig {
  // Every "now" of the service (today's date in letters, deadlines, the
  // derived overdue, the reminder scheduler): tests move it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // ActionDueSoon fires this long before a due time, once per lead.
  std::vector<absl::Duration> reminder_leads = {absl::Hours(24 * 7),
                                                absl::Hours(24)};
  PdfOptions pdf;
};

class ActionServiceImpl final : public v1::ActionService::Service {
 public:
  ActionServiceImpl(db::Pool* pool,
                    std::shared_ptr<const TemplateCatalog> catalog,
                    ActionConfig config)
      : pool_(pool), catalog_(std::move(catalog)), config_(std::move(config)) {}

  grpc::Status ListSuggestedActions(grpc::ServerContext*,
                                    const v1::ListSuggestedActionsRequest*,
                                    v1::ListSuggestedActionsResponse*) override;
  grpc::Status CreateAction(grpc::ServerContext*,
                            const v1::CreateActionRequest*,
                            v1::Action*) override;
  grpc::Status GetAction(grpc::ServerContext*, const v1::GetActionRequest*,
                         v1::Action*) override;
  grpc::Status ListActions(grpc::ServerContext*, const v1::ListActionsRequest*,
                           v1::ListActionsResponse*) override;
  grpc::Status UpdateActionStatus(grpc::ServerContext*,
                                  const v1::UpdateActionStatusRequest*,
                                  v1::Action*) override;
  grpc::Status DownloadLetter(grpc::ServerContext*,
                              const v1::DownloadLetterRequest*,
                              google::api::HttpBody*) override;
  grpc::Status ListTemplates(grpc::ServerContext*,
                             const v1::ListTemplatesRequest*,
                             v1::ListTemplatesResponse*) override;
  grpc::Status GetTemplate(grpc::ServerContext*, const v1::GetTemplateRequest*,
                           v1::Template*) override;

 private:
  absl::Status DoCreate(const v1::CreateActionRequest& req, v1::Action* resp);
  absl::Status DoGet(const v1::GetActionRequest& req, v1::Action* resp);
  absl::Status DoList(const v1::ListActionsRequest& req,
                      v1::ListActionsResponse* resp);
  absl::Status DoUpdateStatus(const v1::UpdateActionStatusRequest& req,
                              v1::Action* resp);
  absl::Status DoDownload(const v1::DownloadLetterRequest& req,
                          google::api::HttpBody* resp);
  absl::Status DoListSuggestions(const v1::ListSuggestedActionsRequest& req,
                                 v1::ListSuggestedActionsResponse* resp);
  absl::Status DoListTemplates(const v1::ListTemplatesRequest& req,
                               v1::ListTemplatesResponse* resp);
  absl::Status DoGetTemplate(const v1::GetTemplateRequest& req,
                             v1::Template* resp);

  db::Pool* const pool_;
  const std::shared_ptr<const TemplateCatalog> catalog_;
  const ActionConfig config_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_ACTION_SERVICE_H_

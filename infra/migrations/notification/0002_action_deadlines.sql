-- Action's deadline events (issue 10, categories "action due soon" and
-- "action overdue"). Overdue is critical: it bypasses digests and quiet
-- hours (model.cc IsCritical).
INSERT INTO rules VALUES
  ('fineprint.action.events.v1.ActionDueSoon', 'ACTION_DUE_SOON',
   'SEVERITY_WARNING', '{OWNER,ADMIN,MEMBER}',
   'Deadline soon: {title}',
   'The company''s deadline for "{title}" ({kind}) is near. If it has answered, record it; if not, prepare the next step.',
   'action'),
  ('fineprint.action.events.v1.ActionOverdue', 'ACTION_OVERDUE',
   'SEVERITY_CRITICAL', '{OWNER,ADMIN,MEMBER}',
   'Overdue: {title}',
   'The deadline for "{title}" ({kind}) has passed without an answer. Suggested next step: {next_escalation_kind}.',
   'action');

-- The inbox reads each way a task reaches it (the person, the agency, the kind of assignee) in due
-- order and stops after a page. The indexes before named `closed_at IS NULL` as a column, which
-- PostgreSQL does not take as fixing the order, so it read and sorted all of an agency's open tasks
-- (9,000 at five years of a county: 12–70 ms). Partial indexes of the open tasks give the order. (One by
-- kind of assignee as well made PostgreSQL's generic plan walk every agency's tasks in due order
-- looking for one agency's, which was slower still.)
-- Same in migrations/postgres and migrations/sqlite.
CREATE INDEX task_open_account_idx ON task (assignee_account_id, due_at, task_id) WHERE closed_at IS NULL;
CREATE INDEX task_open_agency_idx ON task (agency_code, due_at, task_id) WHERE closed_at IS NULL;

-- The sharing feed also carries credit-list entries (kind 'credit'). Same result as
-- migrations/sqlite/0005_share_kinds.sql.
ALTER TABLE share_item DROP CONSTRAINT share_item_kind_check;
ALTER TABLE share_item ADD CONSTRAINT share_item_kind_check
    CHECK (kind IN ('approval', 'revocation', 'lead', 'disposal', 'credit'));

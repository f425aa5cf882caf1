-- 续传 — resumable uploads of survey files. Working state shared by every `serve` process: who started
-- an upload, for which mine, the file's name and size, how many bytes have arrived and until when it
-- is kept. Its bytes are parts in the file store's staging area (`staging/<upload>/<offset>-<nonce>`),
-- one row per part, so that any process can take the next chunk and the finished file is read back in
-- order. A part is committed only when the upload still stood at its offset (the primary key refuses
-- a second part at one offset), so two chunks racing for one upload never both land. Same schema in
-- migrations/postgres/0018_uploads.sql (there without the `ops.` file).
CREATE TABLE ops.upload (
    upload_id      TEXT NOT NULL CONSTRAINT upload_pkey PRIMARY KEY,
    account_id     INTEGER NOT NULL,
    mine_id        INTEGER NOT NULL,
    name           TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX ops.upload_expires_idx ON upload (expires_at);

CREATE TABLE ops.upload_part (
    upload_id    TEXT NOT NULL,
    offset_bytes INTEGER NOT NULL,
    size_bytes   INTEGER NOT NULL,
    object_key   TEXT NOT NULL,
    CONSTRAINT upload_part_pkey PRIMARY KEY (upload_id, offset_bytes)
);

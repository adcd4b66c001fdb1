// The store's schema, as numbered migrations run in order on start. Plain SQL that Postgres also reads.
export interface Migration {
  readonly version: number
  readonly sql: string
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    sql: `
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        channel_id TEXT,
        contact_id TEXT,
        kind TEXT NOT NULL,
        m_id TEXT,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX outbox_due ON outbox (channel_id, state, next_attempt_at);
      CREATE INDEX outbox_contact ON outbox (channel_id, contact_id, state, id);
      CREATE TABLE split_parts (
        part_id TEXT PRIMARY KEY,
        m_id TEXT NOT NULL,
        part INTEGER NOT NULL,
        status TEXT
      );
      CREATE INDEX split_parts_m_id ON split_parts (m_id);
      CREATE TABLE split_forwarded (
        m_id TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (m_id, status)
      );
      CREATE TABLE last_outgoing (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        quick_replies TEXT,
        sent_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      );
    `
  }
]

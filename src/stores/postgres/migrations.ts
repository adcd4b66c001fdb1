// The PostgreSQL store's schema, as numbered migrations applied in order on start, each a list of statements.
// The same tables as the SQLite store's (see ../sqlite/migrations.ts), made for several replicas:
// - every time the store keeps (due, created, leased, renewed) is the database's clock, ccs_now_ms(): one clock
//   for the whole cluster, whatever each machine's says;
// - outbox.leased_by names the replica whose attempt is in flight (NULL: free); only that replica's record counts;
// - channel_owner says which replica delivers a channel, and until when unless it renews.
export interface Migration {
  readonly version: number
  readonly statements: ReadonlyArray<string>
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    statements: [
      `CREATE FUNCTION ccs_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
        AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$`,
      `CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        channel_id TEXT,
        contact_id TEXT,
        kind TEXT NOT NULL,
        m_id TEXT,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        waiting BOOLEAN NOT NULL DEFAULT false,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        leased_by TEXT,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        retry_since BIGINT NOT NULL,
        source TEXT
      )`,
      // What a claim reads: the free heads of a channel's contacts, by due time (pending rows only, however long
      // the delivered history grows).
      `CREATE INDEX outbox_due ON outbox (channel_id, next_attempt_at, id)
        WHERE state = 'pending' AND NOT waiting AND leased_by IS NULL`,
      "CREATE INDEX outbox_leased ON outbox (channel_id) WHERE state = 'pending' AND leased_by IS NOT NULL",
      "CREATE INDEX outbox_contact ON outbox (channel_id, contact_id, id) WHERE state = 'pending'",
      "CREATE INDEX outbox_dead ON outbox (id) WHERE state = 'dead'",
      `CREATE TABLE part_status (
        part_id TEXT PRIMARY KEY,
        m_id TEXT,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        status TEXT,
        error TEXT
      )`,
      "CREATE INDEX part_status_m_id ON part_status (m_id)",
      `CREATE TABLE last_outgoing (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        quick_replies TEXT,
        sent_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      )`,
      `CREATE TABLE store_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        written_at BIGINT NOT NULL
      )`,
      `CREATE TABLE channel_owner (
        channel_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        lease_until BIGINT NOT NULL,
        since BIGINT NOT NULL
      )`
    ]
  },
  {
    // An event joins its contact's queue in one round trip: the contact's transaction lock, then (a statement of its
    // own, so it sees what a push of the same contact committed while this one waited for the lock) the insert,
    // the head of the queue when the contact has nothing pending. True when it was inserted, false for a duplicate.
    version: 2,
    statements: [
      `CREATE FUNCTION ccs_insert_event(p_dedupe_key text, p_channel_id text, p_contact_id text, p_m_id text, p_body text)
        RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(1, hashtext(p_channel_id || E'\n' || p_contact_id));
        INSERT INTO outbox (dedupe_key, channel_id, contact_id, kind, m_id, body, state, waiting, next_attempt_at, created_at, updated_at, retry_since)
        VALUES (p_dedupe_key, p_channel_id, p_contact_id, 'event', p_m_id, p_body, 'pending',
          EXISTS (SELECT 1 FROM outbox WHERE channel_id = p_channel_id AND contact_id = p_contact_id AND state = 'pending'),
          0, ccs_now_ms(), ccs_now_ms(), ccs_now_ms())
        ON CONFLICT (dedupe_key) DO NOTHING;
        RETURN FOUND;
      END $$`
    ]
  },
  {
    // Contacts who opted out of a channel (STOP), shared by every replica.
    version: 3,
    statements: [
      `CREATE TABLE opt_out (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        keyword TEXT NOT NULL,
        opted_out_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      )`
    ]
  },
  {
    // A contact's latest word on a channel, STOP or START (or the operator's, or the provider's), and when they said
    // it: a START is kept too, so that an older STOP taken later (a late push, a catch-up round) cannot undo it.
    version: 4,
    statements: [
      `CREATE TABLE consent (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        opted_out BOOLEAN NOT NULL,
        keyword TEXT NOT NULL,
        said_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      )`,
      `INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at)
        SELECT channel_id, contact_id, true, keyword, opted_out_at FROM opt_out`,
      "DROP TABLE opt_out"
    ]
  }
]

// The store's schema, as numbered migrations run in order on start. Plain SQL, but for the
// `INTEGER PRIMARY KEY` row id (the PostgreSQL store keeps the same tables in its own migrations: ../postgres/migrations.ts).
//
// outbox.waiting = 1: the event waits behind an earlier pending event of the same contact; exactly one
// pending event per contact has waiting = 0 (the head), so "what is due" is one index range, however long
// the queues behind the heads grow.
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
        waiting INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX outbox_due ON outbox (channel_id, state, waiting, next_attempt_at);
      CREATE INDEX outbox_contact ON outbox (channel_id, contact_id, state, id);
      CREATE TABLE split_parts (
        part_id TEXT PRIMARY KEY,
        m_id TEXT NOT NULL,
        part INTEGER NOT NULL,
        status TEXT
      );
      CREATE INDEX split_parts_m_id ON split_parts (m_id);
      CREATE TABLE last_outgoing (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        quick_replies TEXT,
        sent_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      );
    `
  },
  {
    // Since when an event has been retried: accepted, or replayed by the operator (delivery.retry.giveUpAfterMs).
    version: 2,
    sql: `
      ALTER TABLE outbox ADD COLUMN retry_since BIGINT NOT NULL DEFAULT 0;
      UPDATE outbox SET retry_since = created_at;
    `
  },
  {
    // Every message's receipts, not only a split text's: a part's status (forward only) and why it failed. m_id is
    // NULL for a later part whose receipt came before the bridge recorded the parts (a provider may push it before
    // it answers the send); it is folded in once they are recorded.
    version: 3,
    sql: `
      CREATE TABLE part_status (
        part_id TEXT PRIMARY KEY,
        m_id TEXT,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        status TEXT,
        error TEXT
      );
      INSERT INTO part_status (part_id, m_id, part, parts, status)
        SELECT part_id, m_id, part, (SELECT COUNT(*) FROM split_parts AS other WHERE other.m_id = split_parts.m_id), status
        FROM split_parts;
      DROP TABLE split_parts;
      CREATE INDEX part_status_m_id ON part_status (m_id);
    `
  },
  {
    // One row the readiness check writes after a failed commit: the store is ready again once a write commits.
    version: 4,
    sql: `
      CREATE TABLE store_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        written_at BIGINT NOT NULL
      );
    `
  },
  {
    // The outbox keeps neutral events (ChannelEvent), rendered by the platform when delivered; until 0.1.0 it kept
    // the platform's webhook payload itself. A status's message becomes its error. Only what may still be sent
    // (pending, or dead and replayable) is rewritten: delivered history is never read again, and may be large.
    version: 5,
    sql: `
      UPDATE outbox SET body = json_object(
          'kind', 'message',
          'channelId', json_extract(body, '$.channelId'),
          'contactId', json_extract(body, '$.contactId'),
          'mId', json_extract(body, '$.events[0].mId'),
          'timestamp', json_extract(body, '$.events[0].timestamp'),
          'message', json(json_extract(body, '$.events[0].message')))
        WHERE kind = 'event' AND state IN ('pending', 'dead') AND json_extract(body, '$.events[0].type') = 'message';
      UPDATE outbox SET body = CASE WHEN json_extract(body, '$.events[0].status.message') IS NULL
        THEN json_object(
          'kind', 'status',
          'channelId', json_extract(body, '$.channelId'),
          'contactId', json_extract(body, '$.contactId'),
          'mId', json_extract(body, '$.events[0].mId'),
          'timestamp', json_extract(body, '$.events[0].timestamp'),
          'status', json_extract(body, '$.events[0].status.value'))
        ELSE json_object(
          'kind', 'status',
          'channelId', json_extract(body, '$.channelId'),
          'contactId', json_extract(body, '$.contactId'),
          'mId', json_extract(body, '$.events[0].mId'),
          'timestamp', json_extract(body, '$.events[0].timestamp'),
          'status', json_extract(body, '$.events[0].status.value'),
          'error', json_extract(body, '$.events[0].status.message'))
        END
        WHERE kind = 'event' AND state IN ('pending', 'dead') AND json_extract(body, '$.events[0].type') = 'message_status';
    `
  },
  {
    // Which provider plugin received a push kept as a dead letter, so that a replay reads it with the same one;
    // NULL for the pushes kept before this was recorded.
    version: 6,
    sql: "ALTER TABLE outbox ADD COLUMN source TEXT;"
  },
  {
    // Contacts who opted out of a channel (STOP): /message to them is refused until they opt back in.
    version: 7,
    sql: `
      CREATE TABLE opt_out (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        keyword TEXT NOT NULL,
        opted_out_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      );
    `
  },
  {
    // A contact's latest word on a channel, STOP or START (or the operator's, or the provider's), and when they said
    // it: a START is kept too, so that an older STOP taken later (a late push, a catch-up round) cannot undo it.
    version: 8,
    sql: `
      CREATE TABLE consent (
        channel_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        opted_out INTEGER NOT NULL,
        keyword TEXT NOT NULL,
        said_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, contact_id)
      );
      INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at)
        SELECT channel_id, contact_id, 1, keyword, opted_out_at FROM opt_out;
      DROP TABLE opt_out;
    `
  }
]

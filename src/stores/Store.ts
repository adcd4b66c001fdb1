// The durable store behind the bridge: the outbox of webhook events, dead letters, split parts, last outgoing.
// The interface speaks of the bridge's things only: SQLite (one process) and PostgreSQL (several replicas) implement it.
// Times it takes and gives (due times, retrySince, a last outgoing's `at`) are in the caller's steady clock (steadyClock.ts).
import { Cause, Context, Data, Effect, Option, type Scope } from "effect"
import type { ChannelEvent, DeliveryStatus } from "../domain/events.ts"

/**
 * The store cannot commit right now: the disk is full, an I/O error, its file was removed or replaced under the
 * running server. Nothing of the write was kept; whoever asked must not say it was.
 */
export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** Another server owns the store: one store, one server (several replicas need a store made for them). */
export class StoreInUse extends Data.TaggedError("StoreInUse")<{ readonly message: string }> {}

/** A write: committed when it succeeds, and nothing of it kept when it fails with StoreUnavailable. */
type Write<A> = Effect.Effect<A, StoreUnavailable>
/** A read, which fails with StoreUnavailable when the store cannot be reached (a database server). */
type Read<A> = Effect.Effect<A, StoreUnavailable>

/**
 * This process's right to deliver a channel's events, held until its scope closes; `lost` completes if it ends
 * first (another replica may then own the channel). With one process per store, it is never lost.
 */
export interface ChannelOwnership {
  readonly lost: Effect.Effect<void>
}

export interface NewEvent {
  readonly channelId: string
  readonly contactId: string
  readonly mId: string
  /** Equal keys are one event: a push the provider sends twice is kept (and forwarded) once. */
  readonly dedupeKey: string
  readonly event: ChannelEvent
}

export interface OutboxEvent {
  readonly id: number
  readonly channelId: string
  readonly contactId: string
  readonly mId: string
  readonly event: ChannelEvent
  /** Attempts made before this one. */
  readonly attempts: number
  /** When it was accepted, or replayed from the dead letters (ms since the epoch): giving up counts from then. */
  readonly retrySince: number
}

export interface DeadLetter {
  readonly id: number
  readonly createdAt: number
  /** undefined for a push that fit no channel */
  readonly channelId: string | undefined
  readonly contactId: string | undefined
  readonly mId: string | undefined
  readonly kind: "event" | "unroutable-inbound" | "unroutable-receipt"
  /** The provider plugin that received a kept push (undefined for an event, or a push kept before it was recorded). */
  readonly source: string | undefined
  readonly attempts: number
  readonly lastError: string
  /** The event, or the push's own fields when it fit no channel. */
  readonly body: unknown
}

export interface ChannelDepth {
  readonly outbox: number
  readonly deadLetters: number
}

/** How a channel's delivery stands in the store, for the operator's console. */
export interface DeliveryState {
  /** How long the oldest event still to deliver has waited, since it was accepted (or replayed). */
  readonly oldestPendingAgeMs: number | undefined
  /** The replica that delivers the channel now, with several replicas (undefined: none holds it, or one process per store). */
  readonly owner: string | undefined
}

export type PartStatus = DeliveryStatus

/** What a receipt says of one part (one SMS) of a message: `part` of `parts`, from the message's custom_string. */
export interface PartReceipt {
  readonly partId: string
  readonly part: number
  readonly parts: number
  readonly status: PartStatus
  /** Why it failed, with status "failed". */
  readonly error?: string | undefined
}

/** The one status of a message the platform knows as `mId`, folded from its parts' statuses. */
export interface FoldedStatus {
  readonly mId: string
  readonly status: PartStatus
  readonly error?: string | undefined
}

/** "held": nothing to forward yet (a later part of a split text whose parts are not recorded yet). */
export type FoldOutcome = "accepted" | "duplicate" | "held"

export interface StoreShape {
  /** Commits the event, or finds it was there already. */
  readonly accept: (event: NewEvent) => Write<"accepted" | "duplicate">
  /** Keeps a push that fits no channel where the operator sees it; once per dedupe key. */
  readonly keepUnroutable: (
    kind: "unroutable-inbound" | "unroutable-receipt",
    dedupeKey: string,
    fields: unknown,
    reason: string,
    /** The provider plugin that received it. */
    source: string
  ) => Write<"accepted" | "duplicate">
  /**
   * Leases up to `limit` events of a channel that are due, each the oldest pending one of its contact
   * (a contact's later event waits until the earlier one is delivered or dead). A leased event is not claimed again
   * until its attempt is recorded (delivered, retry, dead), however long the attempt takes and whatever the wall
   * clock does, or until the store's one server starts again.
   */
  readonly claimDue: (channelId: string, limit: number) => Write<ReadonlyArray<OutboxEvent>>
  /**
   * Frees the channel's leases: called when its worker starts (at start-up, or again after a failure, once its
   * attempts have ended), so what it was sending is sent again.
   */
  readonly releaseLeases: (channelId: string) => Write<void>
  /** Makes dead letters of the pending events of channels no longer configured (replayable once they are back). */
  readonly abandonOtherChannels: (channelIds: ReadonlyArray<string>) => Write<number>
  readonly markDelivered: (id: number) => Write<void>
  readonly markRetry: (id: number, delayMs: number, error: string) => Write<void>
  readonly markDead: (id: number, error: string) => Write<void>
  /** When the next event of the channel is due (ms since the epoch), if any is pending. */
  readonly nextDue: (channelId: string) => Read<number | undefined>
  readonly deadLetters: () => Read<ReadonlyArray<DeadLetter>>
  /** Puts a dead event back in the outbox, due now, its attempts reset. */
  readonly requeue: (id: number) => Write<boolean>
  /** Marks a dead letter as handled another way (an unroutable push that now found its channel). */
  readonly resolve: (id: number) => Write<void>
  readonly depth: () => Read<ReadonlyMap<string, ChannelDepth>>
  /** Each channel's delivery as it stands: its oldest pending event's age and its owner; channels with neither are left out. */
  readonly deliveryStates: () => Read<ReadonlyMap<string, DeliveryState>>
  /**
   * Records a receipt's status of a part (it only moves forward: a late "sent" never overwrites "delivered" or
   * "failed") and folds the statuses of the message's parts into the one the platform sees; a fold not forwarded
   * yet is committed as `toEvent(fold)` in the same transaction, so the folds reach the outbox in the order they
   * were made and the platform's last status is always the fold of every receipt received.
   */
  readonly foldReceipt: (receipt: PartReceipt, toEvent: (fold: FoldedStatus) => NewEvent) => Write<FoldOutcome>
  /** Records the parts of a split text under the mId the platform was given, and folds in receipts that came first. */
  readonly recordParts: (
    mId: string,
    partIds: ReadonlyArray<string>,
    toEvent: (fold: FoldedStatus) => NewEvent
  ) => Write<FoldOutcome>
  readonly rememberOutgoing: (
    channelId: string,
    contactId: string,
    quickReplies: ReadonlyArray<string> | undefined
  ) => Write<void>
  readonly lastOutgoing: (
    channelId: string,
    contactId: string
  ) => Read<{ readonly quickReplies: ReadonlyArray<string> | undefined; readonly at: number } | undefined>
  /**
   * Succeeds when the store can take writes: its file is the one it opened, and no commit failed since the last one
   * that wrote (after a failure, this tries a small write itself, so readiness comes back with the disk).
   */
  readonly ready: () => Write<void>
  /**
   * Waits until this process owns the channel's delivery (at once when it is the store's only process) and holds it
   * for the scope. Claims and records are the owner's alone: a process that lost a channel claims nothing more of it.
   */
  readonly own: (channelId: string) => Effect.Effect<ChannelOwnership, never, Scope.Scope>
  /**
   * Records that the contact opted out of the channel at `at` (ms since the epoch: when they texted the keyword, or
   * when the operator or the provider said so), unless they said something later (a START sent after this STOP);
   * at the same time, the opt-out wins. False when nothing changed.
   */
  readonly optOut: (channelId: string, contactId: string, keyword: string, at: number) => Write<boolean>
  /**
   * Records that the contact asked for the channel's messages again at `at`, unless they said something later (a
   * START sent before a STOP, arriving late, undoes nothing); kept even when they had not opted out, so that an older
   * STOP taken after it undoes nothing either. True only when it opted them back in.
   */
  readonly optIn: (channelId: string, contactId: string, keyword: string, at: number) => Write<boolean>
  /** The contact's opt-out of the channel, if they opted out. */
  readonly optedOut: (channelId: string, contactId: string) => Read<OptOut | undefined>
  /** Every opt-out, oldest first. */
  readonly optOuts: () => Read<ReadonlyArray<OptOut>>
}

/** A contact who asked not to be sent the channel's messages. */
export interface OptOut {
  readonly channelId: string
  readonly contactId: string
  /** STOP (or the channel's keyword they texted), or OPERATOR when added from the command line. */
  readonly keyword: string
  /** When (ms since the epoch, the wall clock's): the time of the contact's message, when they texted it. */
  readonly at: number
}

export class Store extends Context.Tag("Store")<Store, StoreShape>() {}

/** Why the store cannot take writes now (its `ready()` failing), or undefined when it can. */
export const storeProblem = (store: StoreShape): Effect.Effect<string | undefined> =>
  store.ready().pipe(
    Effect.as(undefined),
    Effect.catchAllCause((cause) => Effect.succeed(Cause.failureOption(cause).pipe(Option.match({ onNone: () => "the store failed", onSome: (e) => e.reason }))))
  )

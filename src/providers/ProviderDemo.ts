// What `channel-server demo` needs of a provider: its simulator, the settings that point the bridge at it, and how
// a customer's text reaches the bridge through it. Each provider's folder has one; the registry lists them.

export interface DemoProvider {
  /** The `provider` settings of the demo's configuration. */
  readonly settings: Record<string, unknown>
  /** The bridge listens at `url` now: the simulator sends its receipts and webhooks there. */
  readonly bridgeAt: (url: string) => void
  /** A customer texts `text` from `from` to the channel's number `to`; what the bridge answered. */
  readonly customerTexts: (from: string, to: string, text: string) => Promise<string>
  /** The shell lines that make the simulated provider call the bridge, for the operator to try. */
  readonly tryIt: (from: string, to: string) => string
  readonly close: () => Promise<void>
}

/** Starts a provider's simulator for the demo; `say` prints one line of what happened. */
export type StartDemo = (say: (line: string) => void) => Promise<DemoProvider>

// Load generators for the benchmark: closed loop at a fixed concurrency, open loop at a fixed rate, a burst.
// Each stops by itself: after its duration, or after its count.

export interface Sample {
  readonly ok: number
  readonly failed: number
  readonly elapsedMs: number
  /** Latency of each answered request, in ms. */
  readonly latencies: Array<number>
}

export type Call = (i: number) => Promise<boolean>

const timed = async (call: Call, i: number, sample: { ok: number; failed: number; latencies: Array<number> }) => {
  const started = performance.now()
  const ok = await call(i).catch(() => false)
  sample.latencies.push(performance.now() - started)
  if (ok) sample.ok++
  else sample.failed++
}

/** `concurrency` callers, each calling again as soon as its answer came, for `durationMs`. */
export const closedLoop = async (call: Call, concurrency: number, durationMs: number): Promise<Sample> => {
  const sample = { ok: 0, failed: 0, latencies: [] as Array<number> }
  const started = performance.now()
  let i = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - started < durationMs) await timed(call, i++, sample)
  }))
  return { ...sample, elapsedMs: performance.now() - started }
}

/** A call every 1000/`rate` ms, whether or not the earlier ones were answered, for `durationMs`. */
export const openLoop = async (call: Call, rate: number, durationMs: number): Promise<Sample> => {
  const sample = { ok: 0, failed: 0, latencies: [] as Array<number> }
  const started = performance.now()
  const pending: Array<Promise<void>> = []
  for (let i = 0; i < (rate * durationMs) / 1000; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(timed(call, i, sample))
  }
  await Promise.all(pending)
  return { ...sample, elapsedMs: performance.now() - started }
}

/** `count` calls at once. */
export const burst = async (call: Call, count: number): Promise<Sample> => {
  const sample = { ok: 0, failed: 0, latencies: [] as Array<number> }
  const started = performance.now()
  await Promise.all(Array.from({ length: count }, (_, i) => timed(call, i, sample)))
  return { ...sample, elapsedMs: performance.now() - started }
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export const median = (values: ReadonlyArray<number>) => percentile(values, 50)

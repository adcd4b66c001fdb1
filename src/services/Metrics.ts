// What the operator can graph: Prometheus metrics kept and formatted by prom-client.
import { Effect } from "effect"
import * as prom from "prom-client"

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export class Metrics extends Effect.Service<Metrics>()("Metrics", {
  sync: () => {
    const registry = new prom.Registry()
    const registers = [registry]
    const latency = (name: string, help: string, by: string) =>
      new prom.Histogram({ name, help, labelNames: [by, "status"], buckets: latencyBuckets, registers })
    try {
      prom.collectDefaultMetrics({ register: registry, prefix: "ccs_" })
    } catch {
      // A runtime without some of Node's process probes (Deno, say) still gets the bridge's own metrics.
    }
    return {
      registry,
      messages: new prom.Counter({
        name: "ccs_messages_total",
        help: "Messages by direction (out, in, receipt, delivery), channel and outcome",
        labelNames: ["direction", "channel", "outcome"] as const,
        registers
      }),
      providerLatency: latency("ccs_provider_request_duration_seconds", "Calls to the SMS provider, by path and HTTP status (0: no answer)", "path"),
      webhookLatency: latency(
        "ccs_webhook_request_duration_seconds",
        "Calls to the platform's webhook, by channel and HTTP status (0: no answer)",
        "channel"
      ),
      refusals: new prom.Counter({
        name: "ccs_refused_requests_total",
        help: "Requests answered with an error, by route ('other' for a path nothing serves) and HTTP status",
        labelNames: ["route", "status"] as const,
        registers
      }),
      retries: new prom.Counter({
        name: "ccs_retries_total",
        help: "Attempts that failed and will be tried again, by target (provider, webhook)",
        labelNames: ["target"] as const,
        registers
      }),
      outboxDepth: new prom.Gauge({
        name: "ccs_outbox_depth",
        help: "Events waiting to be delivered, by channel",
        labelNames: ["channel"] as const,
        registers
      }),
      deadLetters: new prom.Gauge({
        name: "ccs_dead_letters",
        help: "Dead letters, by channel ('' for pushes that fit no channel)",
        labelNames: ["channel"] as const,
        registers
      }),
      rateLimiterWait: new prom.Histogram({
        name: "ccs_rate_limiter_wait_seconds",
        help: "How long calls waited for the rate limiter, by limiter (provider, webhook:<channel>)",
        labelNames: ["limiter"] as const,
        buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers
      })
    }
  }
}) {}

/**
 * Runs `effect` and records how long it took under the labels its result gives (no value when it failed, a
 * timeout say, which is recorded too). A call whose fiber is interrupted (shutdown, a worker stopped) is not
 * recorded: matching the result rather than guarding the exit keeps this cheap on the hot path.
 */
export const timed = <A, E, R>(
  histogram: prom.Histogram<string>,
  labels: (value: A | undefined) => Record<string, string | number>
) =>
(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const stop = histogram.startTimer()
    return Effect.matchCauseEffect(effect, {
      onSuccess: (value) => {
        stop(labels(value))
        return Effect.succeed(value)
      },
      onFailure: (cause) => {
        stop(labels(undefined))
        return Effect.failCause(cause)
      }
    })
  })

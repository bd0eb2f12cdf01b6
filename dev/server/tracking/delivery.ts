import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { destinationFailure } from '../errors'
import type { Logger } from '../log'
import type { Runtime, Subscription } from '../runtime'
import { isRetryable, retryAfterOf, sleep, waitBeforeRetry, type RetryPolicy } from './retry'

/**
 * One message through every preset that subscribes to it (`Destination.onEvent` with the preset as
 * the subscription), as Segment's pipeline runs a destination's subscriptions, retrying retryable
 * failures per the RetryPolicy. Each attempt is logged.
 */
export interface DeliveryOutcome {
  action: string
  status: number
  error?: { code: string; message: string }
  /** The failure may succeed later: the client should send the message again. */
  retryable?: boolean
  /** FullStory's Retry-After, in seconds, when it rate limited the last attempt. */
  retryAfter?: number
}

export class Deliverer {
  constructor(private readonly runtime: Runtime, private readonly policy: RetryPolicy, private readonly log: Logger) {}

  /** The outcome of each subscription the message matched; stops at a failure the client should retry. */
  async deliver(event: SegmentEvent, where: string): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = []
    for (const subscription of this.runtime.subscriptions) {
      const outcome = await this.deliverTo(subscription, event, where)
      if (!outcome) continue
      outcomes.push(outcome)
      if (outcome.retryable) break
    }
    return outcomes
  }

  /** The outcome for one subscription, or undefined when the message does not match it. */
  private async deliverTo(
    subscription: Subscription,
    event: SegmentEvent,
    where: string
  ): Promise<DeliveryOutcome | undefined> {
    const action = subscription.partnerAction
    const settings = { apiKey: this.runtime.apiKey, subscriptions: [subscription] } as unknown as JSONObject
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      const ran = await this.runtime.run((destination) => destination.onEvent(event, settings))
      const ms = performance.now() - started
      if (!ran.failed) {
        if (ran.value?.length === 1 && ran.value[0].output === 'not subscribed') return undefined
        this.log.delivery(where, action, 200, ms)
        return { action, status: 200 }
      }
      const failure = destinationFailure(ran.error, this.runtime.secrets())
      const retryable = isRetryable(failure.status)
      const retryAfter = retryAfterOf(ran.exchanges)
      const wait = retryable ? waitBeforeRetry(this.policy, attempt, retryAfter) : undefined
      if (wait !== undefined) {
        this.log.delivery(
          where,
          action,
          failure.status,
          ms,
          `${failure.code}; retry ${attempt} of ${this.policy.attempts - 1} in ${wait}ms`
        )
        await sleep(wait)
        continue
      }
      this.log.delivery(
        where,
        action,
        failure.status,
        ms,
        retryable ? `${failure.code}; left to the client to retry` : failure.code
      )
      return {
        action,
        status: failure.status,
        error: { code: failure.code, message: failure.message },
        ...(retryable ? { retryable, ...(retryAfter === undefined ? {} : { retryAfter }) } : {})
      }
    }
  }
}

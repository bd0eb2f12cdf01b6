import type { SegmentEvent } from '@segment/actions-core'
import { codePoints } from './helpers'

/**
 * What should become of one Segment event sent through the presets and the page-call recipe, worked
 * out from the event alone (independently of src/): accepted, or refused before sending for the
 * reasons listed.
 *
 * - `payload`: our own checks, a PayloadValidationError whose message matches.
 * - `schema`: actions-core's schema validation (AggregateAjvError, status 400) refuses the mapped
 *   payload before our code runs (KNOWN_SCHEMA_REFUSALS): inputs a Segment client can send that end
 *   in actions-core's error rather than ours.
 */
export interface Problem {
  by: 'payload' | 'schema'
  /** What the error message must match. */
  message: RegExp
  /** A short name, for the counts. */
  why: string
}

export interface Expectation {
  /** The action the subscription runs (page calls: Track Custom Event, through the recipe). */
  action: 'identifyUser' | 'trackEvent'
  /** Every reason to refuse the event, in the order the checks run (schema first, then ours). */
  problems: Problem[]
  /** Accepted: the FullStory uid and, for events, the event name the simulator must hold. */
  uid?: string
  name?: string
}

/** FullStory's uid limit and ours for event names (MAX_UID_LENGTH and MAX_EVENT_NAME_LENGTH in src/api/). */
const MAX_UID = 256
const MAX_EVENT_NAME = 250

/**
 * Refusals by actions-core's schema that a real Segment client can provoke:
 * - an identify without a userId (or an empty one): User ID is a required field of Identify User,
 *   refused with "missing the required field 'userId'" (AggregateAjvError, 400);
 * - `traits.name` / `traits.email` that is an object or a list of other than one value (e.g.
 *   `name: {first, last}`): Display Name and Email are string fields, and actions-core refuses the
 *   mapped payload (AggregateAjvError, 400) before the action runs;
 * - a track whose `event` is empty or missing (Segment's spec requires it): Event Name is a
 *   required field, refused with "missing the required field 'name'";
 * - a track or page without a userId (or an empty one): Track Custom Event's User ID is required
 *   when Session URL is empty, and the presets and the page-call recipe map no Session URL, so
 *   actions-core refuses it with "missing the required field 'userId'" and the conditional's "then"
 *   (docs/rules.md#user-id).
 */
export const KNOWN_SCHEMA_REFUSALS = [
  'identify without userId',
  'name/email not a string',
  'track without event',
  'event without userId'
]

/** A value actions-core coerces to a string field (scalars, and a list of exactly one scalar). */
function coercesToString(value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (Array.isArray(value)) return value.length === 1 && value[0] !== null && typeof value[0] !== 'object'
  return typeof value !== 'object'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Trimmed, and cut to its first MAX_EVENT_NAME characters, counted as code points (docs/rules.md#event-name). */
export function expectedEventName(raw: string): string {
  const characters: string[] = []
  for (const character of raw.trim()) {
    if (characters.length === MAX_EVENT_NAME) break
    characters.push(character)
  }
  return characters.join('')
}

/** The page-call recipe's name (docs/page-calls.md): "Viewed <name>", or "Viewed Page" when the page has none. */
function pageEventName(name: unknown): string {
  return name !== undefined && name !== null && name !== '' ? `Viewed ${String(name)}` : 'Viewed Page'
}

/** The error for a User ID over FullStory's limit, with its exact character count. */
function uidTooLong(userId: string, why: string): Problem {
  const message = `User ID has ${codePoints(userId)} characters; FullStory accepts at most ${MAX_UID}. Map User ID`
  return { by: 'payload', message: new RegExp(`^${escape(message)}`), why }
}

/**
 * The User ID of a track or page through a mapping without Session URL: missing (or, for a single
 * event, empty) is Segment's conditional required field; blank reaches our own check, which says
 * that FullStory cannot tell whose event it is.
 */
function eventUserProblems(userId: unknown, mode: 'event' | 'batch'): Problem[] {
  if (typeof userId !== 'string' || (userId === '' && mode === 'event')) {
    return [
      {
        by: 'schema',
        message: /The root value is missing the required field 'userId'\. The root value must match "then" schema\./,
        why: KNOWN_SCHEMA_REFUSALS[3]
      }
    ]
  }
  if (userId.trim() === '') {
    return [
      {
        by: 'payload',
        message:
          /^FullStory cannot tell whose event this is: it has no User ID and it has no Session URL\. Map User ID/,
        why: 'event with blank userId'
      }
    ]
  }
  if (codePoints(userId) > MAX_UID) return [uidTooLong(userId, 'event userId over 256')]
  return []
}

/**
 * `mode`: `batch` for a row of `onBatch`. actions-core strips empty strings at the top of the mapped
 * payload before validating a single event but not a batch row, so an empty userId or event name
 * reaches our own checks in a batch.
 */
export function expectationFor(event: SegmentEvent, mode: 'event' | 'batch' = 'event'): Expectation {
  if (event.type === 'identify') {
    const problems: Problem[] = []
    const userId = event.userId
    const traits = isObject(event.traits) ? event.traits : {}
    if (typeof userId !== 'string' || (userId === '' && mode === 'event')) {
      problems.push({
        by: 'schema',
        message: /The root value is missing the required field 'userId'\./,
        why: KNOWN_SCHEMA_REFUSALS[0]
      })
    }
    for (const [trait, label] of [
      ['name', 'Display Name'],
      ['email', 'Email']
    ]) {
      if (!coercesToString(traits[trait])) {
        problems.push({ by: 'schema', message: new RegExp(`${label} must be a string`), why: KNOWN_SCHEMA_REFUSALS[1] })
      }
    }
    if (typeof userId === 'string' && userId.trim() === '' && !(userId === '' && mode === 'event')) {
      problems.push({ by: 'payload', message: /^User ID is missing or blank: /, why: 'identify with blank userId' })
    } else if (typeof userId === 'string' && codePoints(userId) > MAX_UID) {
      problems.push(uidTooLong(userId, 'identify userId over 256'))
    }
    return { action: 'identifyUser', problems, uid: typeof userId === 'string' ? userId : undefined }
  }

  const problems: Problem[] = []
  let name: string
  if (event.type === 'track') {
    // Segment's track spec requires `event`: an empty or missing one is refused by the field schema.
    if (typeof event.event !== 'string' || (event.event === '' && mode === 'event')) {
      problems.push({ by: 'schema', message: /missing the required field 'name'/, why: KNOWN_SCHEMA_REFUSALS[2] })
    }
    name = expectedEventName(typeof event.event === 'string' ? event.event : '')
  } else {
    name = expectedEventName(pageEventName(event.name))
  }
  if (name === '' && problems.length === 0) {
    problems.push({ by: 'payload', message: /^Event Name is empty; /, why: 'blank event name' })
  }
  problems.push(...eventUserProblems(event.userId, mode))
  return {
    action: 'trackEvent',
    problems,
    uid: typeof event.userId === 'string' ? event.userId : undefined,
    name
  }
}

/**
 * The problems that decide the outcome: actions-core's schema runs before our checks, so schema
 * problems win when there are any (its error may name any of them); otherwise our first check that
 * fails (the event name before the user) is the one reported.
 */
export function decisive(problems: Problem[]): Problem[] {
  const schema = problems.filter((p) => p.by === 'schema')
  return schema.length > 0 ? schema : problems.slice(0, 1)
}

/**
 * The message key the Idempotency Key field (default: the messageId) gives: the messageId when it is
 * a non-empty string, else none (and then no Idempotency-Key is sent).
 */
export function messageKeyOf(event: SegmentEvent): string | undefined {
  const id = event.messageId
  return typeof id === 'string' && id !== '' ? id : undefined
}

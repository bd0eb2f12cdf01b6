/** Every size limit the destination applies (docs/rules.md): FullStory's documented ones, then ours. */

export const MAX_UID_LENGTH = 256
export const MAX_DISPLAY_NAME_LENGTH = 256
export const MAX_EMAIL_LENGTH = 128
/** Properties, counting an object's own name and each name in it. */
export const MAX_PROPERTIES = 500
/** A property name with the dotted path of the objects holding it. */
export const MAX_PROPERTY_PATH_LENGTH = 512
export const MAX_VALUE_BYTES = 8192
/** Rows of a batch import job. */
export const MAX_JOB_ROWS = 50_000

/** Ours: FullStory's browser API caps event names at 250 characters; its server API publishes no limit. */
export const MAX_EVENT_NAME_LENGTH = 250
/** Ours: the most names in a property path; an object deeper down is sent as its JSON text. */
export const MAX_PROPERTY_DEPTH = 10
/** Ours: room always left for a nested name; an object whose path leaves less is sent as JSON text. */
export const MIN_NESTED_NAME_ROOM = 8
/** Ours: the largest body of a batch import job (FullStory publishes a limit on its rows only). */
export const MAX_JOB_BYTES = 4 * 1024 * 1024
/** Ours: the largest answer read (a page of a job's errors echoes its refused rows). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

/** Length in characters (code points), as FullStory's spec (JSON Schema maxLength) counts them. */
export function characterCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** More than `max` characters (the UTF-16 length is an upper bound, so short strings need no count). */
export function longerThan(text: string, max: number): boolean {
  return text.length > max && characterCount(text) > max
}

/**
 * Every size limit the destination applies, in one place.
 *
 * FullStory's documented limits (https://developer.fullstory.com/server/users/create-user/ and
 * .../server/custom-properties/; docs/fullstory-api.md) come first; the bounds below
 * them are our own choices where FullStory documents none, each the safe course.
 */

/** `uid`: at most 256 characters (FullStory). A longer User ID is a PayloadValidationError. */
export const MAX_UID_LENGTH = 256

/** `display_name`: at most 256 characters (FullStory). */
export const MAX_DISPLAY_NAME_LENGTH = 256

/** `email`: at most 128 characters (FullStory). */
export const MAX_EMAIL_LENGTH = 128

/** At most 500 properties (FullStory). We count every name: an object's own name and each name in it. */
export const MAX_PROPERTIES = 500

/** A property name, with the dotted path of the objects holding it, is at most 512 characters (FullStory). */
export const MAX_PROPERTY_PATH_LENGTH = 512

/** A property value is at most 8192 bytes (FullStory); a larger one gets that property rejected. */
export const MAX_VALUE_BYTES = 8192

/**
 * Ours: a property path has at most this many segments (`a.b.c` has 3). An object that would nest
 * deeper is sent as its JSON text instead, cut to MAX_VALUE_BYTES.
 */
export const MAX_PROPERTY_DEPTH = 10

/**
 * Ours: room always left for a nested name (a letter, `_` and a collision number). An object whose
 * own path is longer than MAX_PROPERTY_PATH_LENGTH - 1 - MIN_NESTED_NAME_ROOM is sent as JSON text.
 */
export const MIN_NESTED_NAME_ROOM = 8

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

/** Ours: the largest answer read; FullStory's are small (a page of a job's errors holds its refused rows). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

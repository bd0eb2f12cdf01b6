import { PayloadValidationError } from '@segment/actions-core'
import { characterCount, longerThan, MAX_UID_LENGTH } from './limits'

/**
 * The User ID to send as FullStory's `uid`, for users and events alike: `undefined` when it is
 * missing or blank (each caller decides what that means), the value itself when FullStory accepts
 * it, and a PayloadValidationError when it is longer than FullStory's 256 characters
 * (https://developer.fullstory.com/server/users/create-user/).
 */
export function checkedUid(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined
  if (longerThan(value, MAX_UID_LENGTH)) {
    throw new PayloadValidationError(
      `User ID has ${characterCount(value)} characters; FullStory accepts at most ${MAX_UID_LENGTH}. Map User ID ` +
        'to a shorter stable identifier; nothing was sent.'
    )
  }
  return value
}

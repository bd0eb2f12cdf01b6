/** FULLSTORY_API_VERSION
 * FullStory server API version, the first segment of the paths this destination calls
 * (`/v2/users`, `/v2/events` and their batch import jobs).
 * API reference: https://developer.fullstory.com/server/getting-started/
 */
export const FULLSTORY_API_VERSION = 'v2'

// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Your stable ID for the user, sent as the FullStory uid (at most 256 characters). Without it FullStory would create a new user on every call.
   */
  uid?: string
  /**
   * Segment's anonymous ID, kept on the user as the property segmentAnonymousId.
   */
  anonymousId?: string
  /**
   * The name FullStory shows for the user (at most 256 characters).
   */
  displayName?: string
  /**
   * The user's email address (at most 128 characters).
   */
  email?: string
  /**
   * User properties to store in FullStory. Names and values FullStory would refuse are made acceptable, and date-times are declared as dates.
   */
  properties?: {
    [k: string]: unknown
  }
  /**
   * FullStory types to declare, as property name: type (str, int, real, bool, date, or a plural for lists). Use it for integers, which FullStory otherwise stores as real.
   */
  propertyTypes?: {
    [k: string]: unknown
  }
  /**
   * Identifies the Segment message, so that FullStory records a retried delivery only once. Leave the default, the message ID, unless your source resends one event under new message IDs.
   */
  idempotencyKey?: string
  /**
   * Send events to FullStory as batch import jobs, one request per batch, instead of one request each.
   */
  enable_batching?: boolean
  /**
   * The most events in one batch import job (FullStory accepts up to 50,000).
   */
  batch_size?: number
}

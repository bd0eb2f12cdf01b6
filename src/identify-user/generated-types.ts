// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Your ID for the user.
   */
  user_id: string
}

// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * A FullStory server API key (FullStory: Settings > API Keys). A Standard key is enough to send users and events. To let Segment delete users for GDPR requests, use an Admin or Architect key.
   */
  apiKey: string
}

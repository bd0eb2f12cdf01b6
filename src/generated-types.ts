// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * A FullStory server API key (Settings > API Keys). Standard sends users and events; GDPR deletions need an Admin key (FullStory also lists Architect).
   */
  apiKey: string
}

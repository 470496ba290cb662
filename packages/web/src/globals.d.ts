/** Where the emoji picker's Emojibase data is served (`/assets/emojibase-<version>`), set by `scripts/emoji-data-plugin.ts`. */
declare const __EMOJIBASE_URL__: string;

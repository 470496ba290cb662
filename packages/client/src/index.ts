/**
 * @conclave/client — the platform-free client core shared by the terminal
 * and web clients. It imports nothing from Node, the DOM or React: the
 * platform injects a `SocketFactory`, a `ClientStore` and optionally a `Clock`.
 */
export { ConclaveClient } from './client.js';
export type { ChatMessage, ChatNotice, ClientEvents, ClientOptions, Credentials, RoomListing, WhoResult } from './types.js';
export type { ChatSnapshot, ConversationSummary, OnlineUser } from './state/chat-state.js';
export type { SentReceipt } from './outbox.js';
export { Connection, type ConnectionOptions, type StateChange } from './connection/connection.js';
export type { ConnectionState } from './connection/state.js';
export { canTransition } from './connection/state.js';
export { adaptWebSocket, type ClientSocket, type SocketFactory, type WebSocketLike } from './connection/socket.js';
export { systemClock, type Clock, type TimerHandle } from './connection/clock.js';
export { BACKOFF, backoffDelay } from './connection/backoff.js';
export { CursorTracker, type Admission } from './state/cursors.js';
export { MemoryStore, redacted, type ClientStore, type Cursors, type FileAttachment, type HistoryEntry, type RecordKey, type StoredSession } from './store/store.js';
export { BlobOpener, blobIdOf, blobSize, bytesSource, generateFileKey, nobleSha256, sealChunks, type FileSource, type Sha256Factory } from './files/file-crypto.js';
export { fileName, type FileMeta, type FileProgress, type TransferOptions } from './files/file-transfers.js';
export type { BlobTransport } from './files/transport.js';
export { encodeTextBody, decodeTextBody, randomId } from './body.js';
export {
  CLIENT_ERRORS,
  ConclaveError,
  defaultMessage,
  isConclaveError,
  toConclaveError,
  type ClientErrorCode,
  type ConclaveErrorCode,
} from './errors.js';
export { parseCommand, normalizeRoom, type Command, type CommandKind } from './commands/parse.js';
export { COMMANDS, COMMAND_NAMES, helpLines, isAdminCommand, type CommandName } from './commands/catalog.js';
export { adminResultLines, auditRow, formatAgo, formatDuration, statusText, userRow, type AdminLine } from './session/admin-text.js';
export { closest, editDistance } from './commands/distance.js';
export type { Unsubscribe } from './events.js';
export type { SecurityEvent } from './types.js';
export { Verification, type SafetyNumber } from './verification.js';
export type { DeviceView } from './mls/observer.js';
export { inProcessMls, serveMlsRequest, workerMls, type MlsRunner, type MlsWorkerPort, type MlsWorkerReply, type MlsWorkerRequest } from './mls/runner.js';
export { keyFingerprint, safetyNumber, type SafetySide } from './trust/safety-number.js';
export * as mls from './mls/index.js';
export {
  ChatModel,
  mergeHistory,
  type ChatModelOptions,
  type Cue,
  type ExitReason,
  type FileCommandHost,
  type MemberView,
  type OpeningView,
  type PaneItem,
  type SearchResult,
  type SubmitOptions,
  type TextMeasure,
} from './session/chat-model.js';
export { formatBytes, UNPLACED_SEQ, UNSUPPORTED_TEXT, type FileView, type MessageItem, type Reaction, type ReplyQuote, type TransferProgress } from './session/pane-items.js';
export { mentionsIn } from './session/message-commands.js';
export { MessageSearch, SEARCH_RECORD, type SearchHit } from './search/message-search.js';
export { VerifyCommands, type Say } from './session/verify-commands.js';
export { deviceLines, safetyNumberLines, safetyNumberRows, securityLevel, securityText, type SecurityLevel } from './session/trust-text.js';
export { conversationLabel, formatDate, formatTime, sanitize, trustTag } from './session/format.js';
export { expandShortcodes, parseMessageText, plainText, type RichBlock, type RichInline } from './session/markdown.js';
export { createSealingKey, sealBytes, openBytes, type SealingKey } from './store/sealing.js';
export { keepSessionCookie, dropSessionCookie } from './session/cookie.js';
export { inviteCodeIn, inviteLink } from './session/invite-link.js';
export { probeServer, type ServerInfo } from './connection/probe.js';
export { ContentEffects, TARGET_WINDOW, type Arrival } from './content/effects.js';
export { contentOfEntry, entryFields, isMessageEntry, type ContentFields } from './content/entries.js';
export { CONVERSATION_META_RECORD, type ReadMarker, type Topic } from './content/conversation-meta.js';
export { TYPING_REPEAT_MS, TYPING_TIMEOUT_MS, type TypingChange } from './content/typing.js';
export { RECEIPT_DELAY_MS } from './content/receipt-sender.js';
export { PREFERENCES_RECORD } from './content/preferences.js';

import type { Generated } from 'kysely';

/**
 * Table shapes for Kysely. Times are integers in ms since the Unix epoch;
 * ids are opaque base64url strings. Both SQL dialects implement this schema
 * (see `migrations/`).
 */
export interface Database {
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  settings: SettingsTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  key_packages: KeyPackagesTable;
  groups: GroupsTable;
  group_devices: GroupDevicesTable;
  welcomes: WelcomesTable;
  audit_log: AuditLogTable;
  departures: DeparturesTable;
  server_secrets: ServerSecretsTable;
  blobs: BlobsTable;
  blob_links: BlobLinksTable;
}

export interface UsersTable {
  id: string;
  /** As typed at registration. */
  username: string;
  /** Lower-cased username: unique, so `Alice` cannot impersonate `alice`. */
  username_key: string;
  /** PHC string (Argon2id). */
  password_hash: string;
  role: 'admin' | 'member';
  created_at: number;
  /** Set when an admin deleted the account: it cannot log in, its name stays reserved. */
  deleted_at: number | null;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_seen_at: number;
  /** Base64 (canonical) of the device's Ed25519 MLS signature key; null for devices from before E2EE. */
  signature_key: string | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the session token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  device_id: string;
  created_at: number;
  last_used_at: number;
  /** Absolute expiry; the idle expiry is computed from `last_used_at`. */
  expires_at: number;
}

export interface InvitesTable {
  /** SHA-256 (hex) of the invite or setup code. */
  code_hash: string;
  /** Role the code grants: the setup code grants `admin`. */
  role: 'admin' | 'member';
  kind: 'setup' | 'invite';
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ConversationsTable {
  id: string;
  kind: 'room' | 'dm';
  /** `#name` for rooms as first typed; null for DMs. */
  name: string | null;
  /** Lower-cased room name, unique; null for DMs. */
  name_key: string | null;
  /** The two user ids of a DM, sorted and joined by `:`, unique; null for rooms. */
  dm_key: string | null;
  created_at: number;
  /** Highest seq appended to this conversation's log. */
  last_seq: Generated<number>;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  joined_at: number;
  /** `last_seq` when the user joined: their devices are sent messages after it only. */
  joined_seq: number;
}

export interface MessagesTable {
  conversation_id: string;
  seq: number;
  sender_user_id: string;
  sender_device_id: string;
  /** The sender's idempotency key; unique per conversation and device. */
  client_msg_id: string;
  /** An MLSMessage (RFC 9420 §6): a PrivateMessage or a Commit; parsed for framing only, never decrypted. */
  body: Uint8Array;
  sent_at: number;
  /** `application` (a PrivateMessage) or `commit` (a Commit for the group's epoch at its seq). */
  kind: Generated<'application' | 'commit'>;
}

/** KeyPackages (RFC 9420 §10) published by devices, handed out on claim. */
export interface KeyPackagesTable {
  id: string;
  device_id: string;
  /** 1 for the device's last-resort KeyPackage (kept when handed out), 0 for one-time ones. */
  last_resort: number;
  /** The KeyPackage as an MLSMessage. */
  key_package: Uint8Array;
  created_at: number;
}

/** A conversation's MLS group; no row = no group yet. */
export interface GroupsTable {
  conversation_id: string;
  /** The group's current epoch: a Commit is accepted only for it. */
  epoch: number;
  /** The GroupInfo (MLSMessage) of `epoch`, for external joins. */
  group_info: Uint8Array;
  /** 1 when a member device should replace `group_info` (e.g. `external_pub` in ts-mls 1.6.4's bare form). */
  group_info_wanted: Generated<number>;
  updated_at: number;
}

/** Devices whose leaves are in a conversation's group: the server routes the log to these. */
export interface GroupDevicesTable {
  conversation_id: string;
  device_id: string;
  /** Seq of the entry that added the device (or `last_seq` at group creation): it is sent entries after it. */
  since_seq: number;
}

/** Welcomes waiting for a device that was added while it was offline (or not yet caught up). */
export interface WelcomesTable {
  device_id: string;
  conversation_id: string;
  /** Seq of the Commit that added the device. */
  seq: number;
  /** The Welcome as an MLSMessage. */
  welcome: Uint8Array;
}

/** One admin action (who, what, target, when, from where). Never a password or token. */
export interface AuditLogTable {
  id: string;
  at: number;
  /** The admin's user id; null from the shell. */
  actor_id: string | null;
  /** The admin's username, or `shell`. */
  actor_name: string;
  action: string;
  /** Username or room the action was about. */
  target: string | null;
  /** Non-secret detail, e.g. `registration=open`. */
  detail: string | null;
  /** Remote address of the admin's connection; null from the shell. */
  address: string | null;
}

/**
 * A user who left (or was removed from, or deleted out of) a conversation
 * while their leaves may still be in its MLS group: member devices are told
 * at sync until a Commit removes those leaves.
 */
export interface DeparturesTable {
  conversation_id: string;
  user_id: string;
  at: number;
}

/** A value every node of a cluster shares (see `SecretStore`), written once. */
export interface ServerSecretsTable {
  name: string;
  /** Sealed by the caller; opaque to the store. */
  sealed: string;
  created_at: number;
}

/** An uploaded ciphertext (its bytes are in the `BlobStorage`). */
export interface BlobsTable {
  /** SHA-256 (lowercase hex) of the ciphertext. */
  id: string;
  uploader_id: string;
  /** Bytes of ciphertext. */
  size: number;
  created_at: number;
  /** When a message first announced it; null while never announced. */
  announced_at: number | null;
}

/** A logged message (conversation, seq) that announced a blob, at the message's time. */
export interface BlobLinksTable {
  blob_id: string;
  conversation_id: string;
  seq: number;
  linked_at: number;
}

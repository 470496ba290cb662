import { z } from 'zod';

/**
 * Branded identifiers. They are opaque strings on the wire; the brand keeps a
 * `UserId` from being passed where a `ConversationId` is expected.
 */
const opaqueId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

export const UserIdSchema = opaqueId.brand<'UserId'>();
export const DeviceIdSchema = opaqueId.brand<'DeviceId'>();
export const ConversationIdSchema = opaqueId.brand<'ConversationId'>();

/** A user account's id (server-assigned, never reused). */
export type UserId = z.infer<typeof UserIdSchema>;
/** One client installation of a user (a terminal profile, later a browser). */
export type DeviceId = z.infer<typeof DeviceIdSchema>;
/** A room or a DM; later also the MLS group id. */
export type ConversationId = z.infer<typeof ConversationIdSchema>;

/** Brands a string already known to be a valid id (from the database or a parsed frame). */
export const asUserId = (s: string): UserId => s as UserId;
/** Brands a string already known to be a valid device id. */
export const asDeviceId = (s: string): DeviceId => s as DeviceId;
/** Brands a string already known to be a valid conversation id. */
export const asConversationId = (s: string): ConversationId => s as ConversationId;

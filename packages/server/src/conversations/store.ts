/** A conversation row. `lastSeq` is the highest seq in its log. */
export interface ConversationRecord {
  id: string;
  kind: 'room' | 'dm';
  name: string | null;
  nameKey: string | null;
  dmKey: string | null;
  lastSeq: number;
}

/** A conversation as one member sees it: with their join point and, for a DM, the other user. */
export interface MembershipView extends ConversationRecord {
  joinedSeq: number;
  peer: { userId: string; username: string } | undefined;
}

/** Persistence of conversations and their members. Implemented per SQL dialect. */
export interface ConversationStore {
  findById(id: string): Promise<ConversationRecord | undefined>;
  findRoomByKey(nameKey: string): Promise<ConversationRecord | undefined>;
  findDmByKey(dmKey: string): Promise<ConversationRecord | undefined>;
  /**
   * Inserts a conversation and its initial members (joined at seq 0) in one transaction.
   * @returns false when a room with that name or a DM with that key already exists.
   */
  create(conversation: Omit<ConversationRecord, 'lastSeq'>, memberIds: string[], now: number): Promise<boolean>;
  /** Adds a member joined at the conversation's current `last_seq`; no-op when already one. */
  addMember(conversationId: string, userId: string, now: number): Promise<void>;
  /**
   * Removes a member and, in the same transaction, all of the user's devices
   * from the conversation's group: routing and sending stop at once (members
   * commit the MLS Remove on the `leave` notice).
   */
  removeMember(conversationId: string, userId: string): Promise<void>;
  /** `joined_seq` of the member, or undefined when not a member. */
  membership(conversationId: string, userId: string): Promise<number | undefined>;
  /** Every conversation the user is in. */
  listForUser(userId: string): Promise<MembershipView[]>;
  /** Every room with its member count. */
  listRooms(): Promise<Array<{ id: string; name: string; members: number }>>;
  /** Every (conversation, user) membership pair: loads the in-memory routing table. */
  allMemberships(): Promise<Array<{ conversationId: string; userId: string }>>;
  /** The members of one conversation with their usernames. */
  membersOf(conversationId: string): Promise<Array<{ userId: string; username: string }>>;
  /** Every user id (for adding all users to `#general`). */
  allUserIds(): Promise<string[]>;
}

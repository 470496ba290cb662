import {
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  type ClientConfig,
  type ClientState,
  type Credential,
  type IncomingMessageCallback,
  type ProposalWithSender,
} from './ts-mls.js';
import { parseCredential, type LeafOwner } from './identity.js';

/**
 * The group policy every Conclave client applies identically (if two
 * members judged the same Commit differently, their group states would
 * fork). It looks only at what is in the group itself — never at the
 * device directory or local pins, which differ between clients; those drive
 * warnings, not acceptance (see `trust/`).
 */
export const authenticationService = {
  /** A leaf's credential must be a Conclave BasicCredential (user and device). */
  async validateCredential(credential: Credential, _signaturePublicKey: Uint8Array): Promise<boolean> {
    return parseCredential(credential) !== undefined;
  },
};

/**
 * Key retention: no epochs kept. The Delivery Service accepts application
 * messages only for the current epoch, so the log is in epoch order and old
 * epoch keys are never needed; keeping none is what stops a removed member
 * from injecting messages for an epoch it still knows (RFC 9420 §16.5).
 */
export const clientConfig: ClientConfig = {
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  keyRetentionConfig: { retainKeysForGenerations: 10, retainKeysForEpochs: 0, maximumForwardRatchetSteps: 1000 },
  authService: authenticationService,
};

const ALLOWED = new Set<unknown>(['add', 'remove', 'update', 'external_init']);

/** The owner named by the leaf at `leafIndex` of a ratchet tree; undefined when blank or not a Conclave credential. */
export function leafOwnerAt(tree: ClientState['ratchetTree'], leafIndex: number): LeafOwner | undefined {
  const node = tree[leafIndex * 2];
  return node?.nodeType === 'leaf' ? parseCredential(node.leaf.credential) : undefined;
}

/**
 * The successor-credential rule (what newer ts-mls versions call
 * `validateSuccessorCredential`; RFC 9420 §5.3.1 leaves it to the
 * application): a leaf that replaces a member's leaf — an Update proposal's,
 * or the LeafNode of a Commit's UpdatePath — must name the same user and the
 * same device as the leaf it replaces. Without it a member could turn its
 * leaf into "bob's phone" and speak as bob from then on.
 * @returns false when either side is missing or not a Conclave credential.
 */
export function sameLeafOwner(before: LeafOwner | undefined, after: LeafOwner | undefined): boolean {
  return before !== undefined && after !== undefined && before.userId === after.userId && before.deviceId === after.deviceId;
}

/**
 * True when every proposal is one Conclave uses: Add (of a Conclave
 * credential), Remove, Update (keeping its sender's user and device in
 * `tree`, the ratchet tree the proposals apply to), ExternalInit.
 */
export function proposalsAllowed(proposals: ProposalWithSender[], tree: ClientState['ratchetTree']): boolean {
  return proposals.every(({ proposal, senderLeafIndex }) => {
    if (!ALLOWED.has(proposal.proposalType)) return false;
    if (proposal.proposalType === 'add') return parseCredential(proposal.add.keyPackage.leafNode.credential) !== undefined;
    if (proposal.proposalType === 'update') {
      return senderLeafIndex !== undefined && sameLeafOwner(leafOwnerAt(tree, senderLeafIndex), parseCredential(proposal.update.leafNode.credential));
    }
    return true;
  });
}

/**
 * The Commit / proposal callback of `processMessage` for a message applied to
 * `state`: our policy, the same on every client. (A Commit's own UpdatePath
 * leaf is not shown to the callback by ts-mls 1.6; `processEntry` checks it
 * with `sameLeafOwner` after processing, before the new state is used.)
 */
export function acceptPolicyFor(state: ClientState): IncomingMessageCallback {
  return (incoming) => {
    const proposals = incoming.kind === 'commit' ? incoming.proposals : [incoming.proposal];
    return proposalsAllowed(proposals, state.ratchetTree) ? 'accept' : 'reject';
  };
}

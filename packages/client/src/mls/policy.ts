import {
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  type ClientConfig,
  type Credential,
  type IncomingMessageCallback,
  type ProposalWithSender,
} from 'ts-mls';
import { parseCredential } from './identity.js';

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

/** True when every proposal is one Conclave uses: Add (of a Conclave credential), Remove, Update, ExternalInit. */
export function proposalsAllowed(proposals: ProposalWithSender[]): boolean {
  return proposals.every(({ proposal }) => {
    if (!ALLOWED.has(proposal.proposalType)) return false;
    if (proposal.proposalType === 'add') return parseCredential(proposal.add.keyPackage.leafNode.credential) !== undefined;
    return true;
  });
}

/** The Commit / proposal callback of `processMessage`: our policy, the same on every client. */
export const acceptPolicy: IncomingMessageCallback = (incoming) => {
  if (incoming.kind === 'commit') return proposalsAllowed(incoming.proposals) ? 'accept' : 'reject';
  return proposalsAllowed([incoming.proposal]) ? 'accept' : 'reject';
};

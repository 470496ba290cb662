import { decodeMessage, type Member } from './group.js';
import { parseCredential } from './identity.js';
import { ratchetTreeOf } from './ts-mls.js';

/**
 * The members listed in a GroupInfo's ratchet tree extension (RFC 9420
 * §12.4.3.3), e.g. to see whether this device still has a leaf before an
 * external join (then it rejoins with `resync`). Empty when there is no tree.
 */
export function groupInfoMembers(groupInfoBytes: Uint8Array): Member[] {
  const message = decodeMessage(groupInfoBytes);
  if (message.wireformat !== 'mls_group_info') return [];
  const tree = ratchetTreeOf(message.groupInfo) ?? [];
  const out: Member[] = [];
  tree.forEach((node, index) => {
    if (index % 2 !== 0 || node === undefined || node.nodeType !== 'leaf') return;
    const owner = parseCredential(node.leaf.credential);
    if (owner !== undefined) out.push({ ...owner, leafIndex: index / 2, signatureKey: node.leaf.signaturePublicKey });
  });
  return out;
}

/**
 * Errors from reading or running an ONNX model. Every message names the file (or "bytes") and,
 * where one is involved, the node (`node 'conv1' (Conv)`), so a user can find the problem in
 * Netron or onnx.checker.
 */
export class OnnxError extends Error {
  override name = 'OnnxError';
}

/** Where a node is, for messages: `node 'name' (OpType)` or `node #12 (OpType)` when unnamed. */
export function nodeLabel(node: { name: string; opType: string; index: number }): string {
  return node.name ? `node '${node.name}' (${node.opType})` : `node #${node.index} (${node.opType})`;
}

/**
 * The nn layers an import creates, minus their random initialisation: the weights come from
 * the file, and drawing 61M random numbers for AlexNet only to overwrite them costs seconds
 * (and would advance the user's seeded generator). They are the nn classes in every other
 * respect (instanceof, summary, export), and print under the nn names.
 */
import { Conv2d, ConvTranspose2d } from '../../../nn/conv.js';
import { Linear } from '../../../nn/linear.js';

export class LoadedConv2d extends Conv2d {
  override resetParameters(): void { /* weights are set from the file */ }
}
export class LoadedConvTranspose2d extends ConvTranspose2d {
  override resetParameters(): void { /* weights are set from the file */ }
}
export class LoadedLinear extends Linear {
  override resetParameters(): void { /* weights are set from the file */ }
}
for (const [cls, name] of [[LoadedConv2d, 'Conv2d'], [LoadedConvTranspose2d, 'ConvTranspose2d'], [LoadedLinear, 'Linear']] as const) {
  Object.defineProperty(cls, 'name', { value: name });
}
